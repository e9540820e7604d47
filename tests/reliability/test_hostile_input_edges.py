"""Hostile edges outside the manifests: secrets in IdP errors and token commands, full disks, the sandbox.

Each test failed before the fix it covers (issue 19 items 1, 8 and 9).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.admin import oauth
from reconciler.cli import cli
from reconciler.errors import ConfigError, UnauthenticatedError
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig

pytestmark = pytest.mark.integration

CANARY = "hostile+canary/secret=Zq8"  # characters that form-encoding and base64 both change


@pytest.mark.parametrize("echo", ["raw", "form", "basic", "basic_header"])
def test_an_idp_echoing_the_request_does_not_print_the_secret(echo: str) -> None:
    header = oauth.basic_auth("client-id", CANARY)
    echoed = {"raw": CANARY, "form": urllib.parse.quote_plus(CANARY), "basic": header.removeprefix("Basic "),
              "basic_header": header}[echo]
    answer = oauth.OAuthAnswer(401, {"error": f"invalid_client {echoed}",
                                     "error_description": f"bad credentials in request: Authorization: {echoed}"})
    with pytest.raises(UnauthenticatedError) as info:
        oauth.access_token("https://idp.example/token", answer, what="client credentials",
                           secrets=oauth.secret_forms(CANARY, "client-id"))
    text = str(info.value)
    assert echoed not in text and CANARY not in text and "****" in text


def test_a_failing_token_command_never_shows_its_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("FLYTECTL_CONFIG", raising=False)
    monkeypatch.setenv("FLYTE_CREDENTIALS_AUTH_MODE", "ExternalCommand")
    monkeypatch.setenv("FLYTE_CREDENTIALS_COMMAND", f"false,--password={CANARY}")
    (tmp_path / "m.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: p}\n"
                                     "spec: {displayName: P}\n")
    # An admin that requires a token, so that the command has to run.
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, auth=AuthConfig("ci", "unused-secret")) as admin:
        result = CliRunner().invoke(cli, ["--debug", "plan", str(tmp_path / "m.yaml"), "--endpoint", admin.address,
                                          "--insecure"])
        assert admin.write_calls() == 0
    assert result.exit_code == 1, result.output
    assert "token command 'false' failed with exit status 1" in result.output
    assert CANARY not in result.output and "--password" not in result.output


def test_a_full_disk_leaves_the_saved_plan_as_it_was(tmp_path: Path) -> None:
    """A file-size limit makes the write fail like a full disk (EFBIG; ENOSPC is handled the same way)."""
    root = tmp_path / "m"
    root.mkdir()
    (root / "m.yaml").write_text("".join(
        "apiVersion: flyte-reconciler/v1\nkind: Project\n"
        f"metadata: {{name: p{i}}}\nspec: {{displayName: P {i}, description: '{'d' * 200}'}}\n---\n"
        for i in range(20)))
    projects = ", ".join(f"p{i}" for i in range(20))
    (root / "flyte-reconciler.yaml").write_text(f"scope: {{projects: [{projects}]}}\n")
    out = tmp_path / "plan.json"
    out.write_text("the previous plan\n")
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0) as admin:
        def limit() -> None:  # in the child only: 4 KiB per file, and no SIGXFSZ kill
            import resource

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

        done = subprocess.run([sys.executable, "-m", "reconciler", "plan", str(root), "--endpoint", admin.address,
                               "--insecure", "--out", str(out)], capture_output=True, text=True, preexec_fn=limit,
                              check=False)
    assert done.returncode == 1, done.stderr
    assert f"cannot write {out}: no space left" in done.stderr and "Traceback" not in done.stderr
    assert out.read_text() == "the previous plan\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".plan.json")) == []  # no temp left


def test_write_atomic_reports_a_missing_directory(tmp_path: Path) -> None:
    from reconciler.cli.files import write_atomic

    with pytest.raises(ConfigError, match="cannot write"):
        write_atomic(tmp_path / "absent" / "plan.json", "{}")
    write_atomic(tmp_path / "plan.json", "{}", mode=0o600)
    assert stat.S_IMODE((tmp_path / "plan.json").stat().st_mode) == 0o600


def test_the_sandbox_keeps_its_files_to_the_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.umask(0o022)
    (tmp_path / "m.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: p}\n"
                                     "spec: {displayName: P}\n")
    result = CliRunner().invoke(cli, ["plan", "--sandbox", str(tmp_path / "m.yaml"), "--out", "plan.json"])
    assert result.exit_code == 0, result.output
    work = tmp_path / ".flyte-reconciler"
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    for file in [*work.iterdir(), tmp_path / "plan.json"]:
        assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, file


@pytest.mark.parametrize(("host", "warned"), [("0.0.0.0", True), ("::", True), ("example.internal", True),
                                              ("127.0.0.1", False), ("localhost", False), ("::1", False)])
def test_sandbox_serve_warns_when_it_leaves_loopback(host: str, warned: bool) -> None:
    from reconciler.cli.sandbox import _is_loopback

    assert _is_loopback(host) is not warned


def test_sandbox_serve_on_every_interface_prints_the_warning_first(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "serve", "--host", "0.0.0.0", "--port",
                              "0", "--db", str(tmp_path / "a.db"), "--no-samples"], stderr=subprocess.PIPE, text=True)
    try:
        assert child.stderr is not None
        first = child.stderr.readline()
        second = child.stderr.readline()
    finally:
        child.send_signal(signal.SIGTERM)
        child.communicate(timeout=60)  # drains and closes stderr
    assert first.startswith("warning: --host 0.0.0.0") and "no authentication" in first
    assert "listening on" in second
    assert stat.S_IMODE((tmp_path / "a.db").stat().st_mode) == 0o600


@pytest.mark.parametrize(("value", "expected"), [(float("nan"), "not .nan"), (10**400, "64-bit float range")])
def test_float_inputs_refuse_nan_and_overflow_with_what_was_expected(value: object, expected: str) -> None:
    from flyteidl.core import types_pb2

    from reconciler.admin.literals import LiteralError, to_literal

    with pytest.raises(LiteralError, match=expected) as info:
        to_literal(value, types_pb2.LiteralType(simple=types_pb2.FLOAT), "limit")
    assert "None" not in str(info.value)


@pytest.mark.parametrize(("extra", "line", "says"), [
    ("  defaultInputs:\n    limit: not-a-number\n", 8, "does not fit type int"),
    ("  fixedInputs:\n    region: eu\n    limit: 1.5\n", 9, "does not fit type int"),
    ("  defaultInputs: {nope: 1}\n", 7, "has no input 'nope'"),
])
def test_plan_time_input_errors_name_the_input_line(extra: str, line: int, says: str, tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    (root / "m.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: LaunchPlan\n"
                                 "metadata: {project: flytesnacks, domain: development, name: nightly}\nspec:\n"
                                 "  workflow: {name: reports.daily_report, version: v1}\n"
                                 "  schedule: {cron: '0 6 * * *', kickoffTimeInput: run_date}\n" + extra)
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True) as admin:
        result = CliRunner().invoke(cli, ["plan", str(root), "--endpoint", admin.address, "--insecure"])
        assert admin.write_calls() == 0
    assert result.exit_code == 1, result.output
    assert f"/m.yaml:{line})" in result.output, result.output
    assert says in result.output and "Traceback" not in result.output


def test_a_full_disk_under_the_sandbox_database_is_reported_not_silent(tmp_path: Path) -> None:
    """The admin's database hits a file-size limit (a full disk, as SQLite sees it): writes fail with a
    message that says what happened, the apply is partial (exit 3), and what was stored stays readable."""
    import re
    import time

    def limit() -> None:  # in the admin process only
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))

    log = tmp_path / "server.log"
    with log.open("w") as err:
        child = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", "--db",
                                  str(tmp_path / "a.db"), "--no-samples"], stderr=err, preexec_fn=limit)
    try:
        while "listening on" not in log.read_text():  # not a timed assertion: waits for the server to start
            assert child.poll() is None, log.read_text()
            time.sleep(0.1)
        address = re.search(r"listening on (\S+)", log.read_text()).group(1)  # type: ignore[union-attr]
        root = tmp_path / "m"
        root.mkdir()
        (root / "flyte-reconciler.yaml").write_text("scope: {projects: []}\n")
        (root / "m.yaml").write_text("---\n".join(
            "apiVersion: flyte-reconciler/v1\nkind: Project\n"
            f"metadata: {{name: p{i}}}\nspec: {{displayName: P {i}, description: '{'d' * 290}'}}\n"
            for i in range(600)))
        done = subprocess.run([sys.executable, "-m", "reconciler", "apply", str(root), "--endpoint", address,
                               "--insecure", "--auto-approve"], capture_output=True, text=True, check=False)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=60)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert "the embedded admin cannot write its database" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    applied = int(re.search(r"(\d+) of 600 actions applied", done.stdout).group(1))  # type: ignore[union-attr]
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0) as admin:  # no limit now: the data is intact
        listed = CliRunner().invoke(cli, ["plan", str(root), "--endpoint", admin.address, "--insecure",
                                          "--format", "json"])
    assert listed.exit_code == 0, listed.output[-2000:]
    assert listed.output.count('"action_type": "create_project"') == 600 - applied
