"""Bearer tokens end to end: the embedded admin (with an interceptor that demands a token) sees the
token in the configured header; an expired token is refreshed once; no token or secret is printed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin

CANARY = "canary-token-7f3a9c"


class RequireToken(grpc.ServerInterceptor):
    """Accepts only ``flyte-authorization: Bearer <valid>``; ``valid`` can rotate to simulate expiry."""

    def __init__(self, valid: str) -> None:
        self.valid = valid
        self.seen: list[str] = []

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        metadata = dict(details.invocation_metadata)
        self.seen.append(metadata.get("flyte-authorization", ""))
        if metadata.get("flyte-authorization") != f"Bearer {self.valid}":
            def deny(request: Any, context: grpc.ServicerContext) -> Any:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "token parse error")

            return grpc.unary_unary_rpc_method_handler(deny)
        return continuation(details)


def test_static_token_from_a_file_and_no_leak(tmp_path: Path, monkeypatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(CANARY + "\n")
    guard = RequireToken(CANARY)
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, extra_interceptors=(guard,)) as admin:
        monkeypatch.setenv("FLYTE_RECONCILER_TOKEN_FILE", str(token_file))
        result = CliRunner().invoke(cli, ["doctor", "--endpoint", admin.address, "--insecure"])
        assert result.exit_code == 0, result.output
        assert "Admin version" in result.output and "StaticToken" in result.output
        assert CANARY not in result.output
        assert f"Bearer {CANARY}" in guard.seen


def test_external_command_token_is_refreshed_once_on_unauthenticated(tmp_path: Path, monkeypatch) -> None:
    counter = tmp_path / "count"
    script = tmp_path / "token.py"
    # Each run prints a new token: tok-1, tok-2, …
    script.write_text("import pathlib,sys\np=pathlib.Path(sys.argv[1])\nn=int(p.read_text() or 0)+1 if p.exists() "
                      "else 1\np.write_text(str(n))\nprint(f'tok-{n}')\n")
    guard = RequireToken("tok-2")  # the first token is already "expired"
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, extra_interceptors=(guard,)) as admin:
        monkeypatch.setenv("FLYTE_CREDENTIALS_AUTH_MODE", "external_process")
        monkeypatch.setenv("FLYTE_CREDENTIALS_COMMAND", f"{sys.executable},{script},{counter}")
        result = CliRunner().invoke(cli, ["doctor", "--endpoint", admin.address, "--insecure"])
        assert result.exit_code == 0, result.output
        assert guard.seen[:3] == ["", "Bearer tok-1", "Bearer tok-2"]  # anonymous until Admin asks
        assert "tok-" not in result.output


def test_credentials_are_not_sent_in_plaintext_to_a_remote_host(tmp_path: Path, monkeypatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(CANARY)
    monkeypatch.setenv("FLYTE_RECONCILER_TOKEN_FILE", str(token_file))
    result = CliRunner().invoke(cli, ["doctor", "--endpoint", "flyte.example.com:81", "--insecure"])
    assert result.exit_code == 1
    assert "refusing to send credentials over a plaintext connection" in result.output
    assert CANARY not in result.output
