"""The canary scan over every command and every output format.

A canary token (static-token auth, the admin accepting only it) and a canary client secret in the
environment; every command of the CLI runs, in every format it has, on success and on failure paths
with --debug; then stdout, stderr, exception texts, every log record (DEBUG) and every file written
are scanned. The list of commands comes from the click group, so a new command without coverage here
fails the test.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
import pytest

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from tests.integration.auth.test_canary_scan import (  # noqa: F401  (log_file is a fixture)
    CANARY_SECRET,
    CANARY_TOKEN,
    OnlyCanaryToken,
    Scan,
    log_file,
)
from tests.reliability.figures import record

pytestmark = pytest.mark.integration

PROJECT = "apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: flytesnacks}\n" \
          "spec: {displayName: Flyte snacks}\n"
LP = ("apiVersion: flyte-reconciler/v1\nkind: LaunchPlan\n"
      "metadata: {project: flytesnacks, domain: development, name: nightly}\n"
      "spec:\n  workflow: {name: reports.daily_report, version: v1}\n  schedule: {cron: '0 6 * * *', "
      "kickoffTimeInput: run_date}\n---\napiVersion: flyte-reconciler/v1\nkind: Backfill\n"
      "metadata: {project: flytesnacks, domain: development, name: jan}\n"
      "spec: {launchPlan: nightly, from: '2024-01-01T00:00:00Z', to: '2024-01-03T00:00:00Z'}\n")
FLYTECTL_ATTRS = "domain: development\nproject: flytesnacks\ndefaults:\n  cpu: \"1\"\n  memory: 1Gi\n"
# `sandbox serve` starts a server until SIGTERM and reads no credentials; it is started and scanned by
# tests/integration/localadmin (its stderr is the only output).
# `controller` also runs until SIGTERM; its own canary scan (Admin token and client secret, write token,
# webhook secret, git token, notification URL over logs, API, pages, metrics and the status store) is
# tests/integration/controller/test_controller_secrets.py.
EXEMPT = {"sandbox serve", "controller"}


def _leaves(group: click.Group, prefix: str = "") -> set[str]:
    names = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= _leaves(command, f"{prefix}{name} ")
        else:
            names.add(f"{prefix}{name}")
    return names


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(repo), "PATH": "/usr/bin:/bin"})


def test_no_command_or_format_leaks_a_secret(tmp_path: Path, log_file: Path,  # noqa: F811
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "out"
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(work))
    monkeypatch.delenv("FLYTECTL_CONFIG", raising=False)
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", CANARY_SECRET)  # present, unused by static-token mode
    token_file = tmp_path / "token"
    token_file.write_text(CANARY_TOKEN + "\n")
    monkeypatch.setenv("FLYTE_RECONCILER_TOKEN_FILE", str(token_file))
    repo = work / "repo"
    repo.mkdir()
    (repo / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    (repo / "project.yaml").write_text(PROJECT)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    (repo / "lp.yaml").write_text(LP)
    (work / "attrs.yaml").write_text(FLYTECTL_ATTRS)

    covered: set[str] = set()
    with LocalAdmin.start(db_path=work / "admin.db", port=0, seed_samples=True):
        pass  # the samples go in without auth; the admin below accepts only the canary token
    with LocalAdmin.start(db_path=work / "admin.db", port=0, extra_interceptors=(OnlyCanaryToken(),)) as admin:
        scan = Scan(work)
        endpoint = ["--endpoint", admin.address, "--insecure"]

        def run(*args: str, expect: int | None = 0) -> None:
            words = [a for a in args if not a.startswith("-")]
            covered.add(" ".join(words[:2]) if words[0] in ("backfill", "sandbox", "run") else words[0])
            scan.run(*args, expect=expect)

        run("validate", str(repo))
        run("render", str(repo))
        run("schema", "--out", str(work / "schema.json"))
        run("doctor", *endpoint)
        for fmt in ("text", "json", "markdown"):
            run("plan", str(repo), "--format", fmt, *endpoint)
        run("plan", str(repo), "--out", str(work / "plan.json"), *endpoint)
        for fmt in ("text", "json", "markdown"):
            run("show", str(work / "plan.json"), "--format", fmt)
        run("apply", "--plan", str(work / "plan.json"), "--auto-approve", *endpoint)
        run("apply", str(repo), "--auto-approve", *endpoint)
        for fmt in ("text", "json"):
            run("backfill", "status", str(repo), "--format", fmt, *endpoint)
            run("run", "status", str(repo), "--format", fmt, *endpoint)
        monkeypatch.chdir(repo)  # diff reads the git repository it runs in
        for fmt in ("text", "markdown"):
            run("diff", ".", "--base", "HEAD", "--format", fmt)
        monkeypatch.chdir(work)
        run("export", "--project", "flytesnacks", "--out", str(work / "exported"), *endpoint)
        run("import-flytectl", str(work / "attrs.yaml"), "--out", str(work / "imported.yaml"))
        token_file.write_text("revoked-" + CANARY_TOKEN)  # failure paths, with tracebacks on
        for args in (["plan", str(repo)], ["apply", str(repo), "--auto-approve"], ["doctor"],
                     ["export", "--project", "flytesnacks"], ["backfill", "status", str(repo)],
                     ["run", "status", str(repo)]):
            run("--debug", *args, *endpoint, expect=1)
        (repo / "broken.yaml").write_text("kind: [\n")
        run("--debug", "validate", str(repo), expect=1)

    missing = _leaves(cli) - covered - EXEMPT
    assert not missing, f"commands not covered by the canary scan: {sorted(missing)}"
    scan.assert_clean({CANARY_TOKEN, CANARY_SECRET}, log_file)
    record("secrets", commands=len(covered), invocations=len(scan.texts) // 2, leaks=0)
