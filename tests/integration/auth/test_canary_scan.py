"""No secret or token ever leaves the process: run doctor, plan (saved), apply, show, export and
failing commands (with ``--debug``) against the embedded admin in auth mode over TLS with a canary
client secret, and against a static-token admin with a canary token; then scan stdout, stderr,
exception texts, every log record and every file written under the test directory."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig
from reconciler.localadmin.auth.testca import TestCA, make_test_ca

CANARY_SECRET = "canary-secret-3c7e1d0a"
CANARY_TOKEN = "canary-token-b84f2e19"
PROJECT = """apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: canary}
spec: {displayName: Canary project, description: secrets must not leak}
"""


class TokenRecorder(grpc.ServerInterceptor):
    """Remembers every bearer token the server sees, so the scan can look for issued tokens too."""

    def __init__(self) -> None:
        self.tokens: set[str] = set()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        for key, value in details.invocation_metadata:
            if key in ("flyte-authorization", "authorization") and value.startswith("Bearer "):
                self.tokens.add(value[len("Bearer "):])
        return continuation(details)


class OnlyCanaryToken(grpc.ServerInterceptor):
    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        if dict(details.invocation_metadata).get("flyte-authorization") == f"Bearer {CANARY_TOKEN}":
            return continuation(details)

        def deny(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid bearer token")

        return grpc.unary_unary_rpc_method_handler(deny)


class Scan:
    """Collects every text a run produced."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: list[tuple[str, str]] = []

    def run(self, *args: str, expect: int | None = 0) -> Result:
        result = CliRunner().invoke(cli, list(args))
        label = " ".join(args[:2])
        self.texts += [(f"{label} stdout", result.stdout), (f"{label} stderr", result.stderr)]
        if result.exc_info is not None and not isinstance(result.exception, SystemExit):
            self.texts.append((f"{label} exception", "".join(traceback.format_exception(*result.exc_info))))
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    def assert_clean(self, canaries: set[str], log_file: Path) -> None:
        assert canaries and all(len(c) >= 16 for c in canaries)
        texts = [*self.texts, ("log", log_file.read_text())]
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            texts.append((str(path), path.read_bytes().decode("latin-1")))
        for where, text in texts:
            for canary in canaries:
                assert canary not in text, f"{canary[:8]}… leaked into {where}"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Every log record of every logger, at DEBUG, into a file the scan reads."""
    path = tmp_path / "out" / "debug.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_test_ca(tmp_path_factory.mktemp("pki"))


def _repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    (repo / "flyte-reconciler.yaml").write_text("scope: {projects: [canary]}\n")
    (repo / "project.yaml").write_text(PROJECT)
    return repo


def test_client_credentials_secret_and_issued_tokens_never_leak(tmp_path: Path, ca: TestCA, log_file: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "out"
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(work))
    monkeypatch.delenv("FLYTECTL_CONFIG", raising=False)
    monkeypatch.setenv("FLYTE_PLATFORM_CA_CERT_FILE_PATH", str(ca.ca_file))
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_ID", "ci-bot")
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", CANARY_SECRET)
    recorder = TokenRecorder()
    auth = AuthConfig(client_id="ci-bot", client_secret=CANARY_SECRET, token_ttl_s=1.0)
    with LocalAdmin.start(db_path=work / "admin.db", port=0, credentials=ca.server_credentials(), auth=auth,
                          extra_interceptors=(recorder,)) as admin:
        repo = _repo(work)
        scan = Scan(work)
        endpoint = ["--endpoint", admin.address]
        scan.run("doctor", *endpoint)
        scan.run("plan", str(repo), "--out", str(work / "plan.json"), *endpoint)
        scan.run("show", str(work / "plan.json"))
        scan.run("apply", "--plan", str(work / "plan.json"), "--auto-approve", *endpoint)
        scan.run("plan", str(repo), "--detailed-exitcode", *endpoint)
        scan.run("export", "--out", str(work / "exported"), "--project", "canary", *endpoint)
        monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", "wrong-" + CANARY_SECRET)
        scan.run("--debug", "plan", str(repo), *endpoint, expect=1)
        scan.run("doctor", *endpoint, expect=1)
    assert recorder.tokens, "the admin saw no bearer token: the scan would prove nothing"
    scan.assert_clean({CANARY_SECRET, *recorder.tokens}, log_file)


def test_static_token_never_leaks(tmp_path: Path, log_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "out"
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(work))
    monkeypatch.delenv("FLYTECTL_CONFIG", raising=False)
    token_file = tmp_path / "token"  # outside the scanned directory: it is the one place the token lives
    token_file.write_text(CANARY_TOKEN + "\n")
    monkeypatch.setenv("FLYTE_RECONCILER_TOKEN_FILE", str(token_file))
    with LocalAdmin.start(db_path=work / "admin.db", port=0, extra_interceptors=(OnlyCanaryToken(),)) as admin:
        repo = _repo(work)
        scan = Scan(work)
        endpoint = ["--endpoint", admin.address, "--insecure"]
        scan.run("doctor", *endpoint)
        scan.run("apply", str(repo), "--auto-approve", *endpoint)
        scan.run("plan", str(repo), "--out", str(work / "plan.json"), "--format", "json", *endpoint)
        token_file.write_text("revoked-" + CANARY_TOKEN)
        scan.run("--debug", "plan", str(repo), *endpoint, expect=1)
        scan.run("--debug", "doctor", *endpoint, expect=1)
    scan.assert_clean({CANARY_TOKEN}, log_file)


def test_the_scan_finds_a_leak_in_output_and_in_files(tmp_path: Path, log_file: Path) -> None:
    scan = Scan(tmp_path)
    scan.texts.append(("stdout", f"token={CANARY_TOKEN}"))
    with pytest.raises(AssertionError, match="leaked into stdout"):
        scan.assert_clean({CANARY_TOKEN}, log_file)
    scan.texts.clear()
    (tmp_path / "plan.json").write_text(f'{{"secret": "{CANARY_SECRET}"}}')
    with pytest.raises(AssertionError, match=r"plan\.json"):
        scan.assert_clean({CANARY_SECRET}, log_file)
