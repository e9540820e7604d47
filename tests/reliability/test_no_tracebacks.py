"""No traceback, ever, on a user's mistake.

Every command of the CLI (read from the click group, as the canary scan does, so a new command without
a case here fails) runs as a real process with the everyday mistakes: missing or unwritable output
paths, a port in use, a wrong file for ``--plan``, an unreachable endpoint, a missing config, an
unknown option. Each must exit 1 with an ``Error:`` line on stderr that says what to do, no traceback,
and none of gRPC's own log lines. ``--debug`` after the command name brings the traceback back.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from reconciler.cli import cli
from reconciler.plan.render import render_json
from tests.unit.render.render_samples import every_action_plan

pytestmark = pytest.mark.integration

PROJECT = ("apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: flytesnacks}\n"
           "spec: {displayName: Flyte snacks}\n")
FLYTECTL_ATTRS = "domain: development\nproject: flytesnacks\ndefaults:\n  cpu: \"1\"\n  memory: 1Gi\n"
UNREACHABLE = ("--endpoint", "127.0.0.1:1", "--insecure")  # nothing listens on port 1
GRPC_LOG_LINE = re.compile(r"^[EWID]\d{4} \d\d:\d\d:\d\d", re.MULTILINE)  # e.g. "E1206 11:33:51.6 … add_port.cc"


@dataclass(frozen=True)
class Mistake:
    command: str
    argv: tuple[str, ...]
    says: str  # what the error must tell the user (what is wrong or what to do)


PORT_IN_USE = "{port_in_use}"
MISTAKES = [
    Mistake("validate", ("validate", "--config", "missing.yaml", "manifests/"), "config file not found"),
    Mistake("validate", ("validate", "missing-dir/"), "no such file or directory"),
    Mistake("schema", ("schema", "--out", "missing/dir/schema.json"), "create it first (mkdir -p"),
    Mistake("sandbox serve", ("sandbox", "serve", "--port", PORT_IN_USE, "--db", "s.db"), "choose another --port"),
    Mistake("plan", ("plan", "--sandbox", "manifests/", "--out", "missing/dir/p.json"), "create it first (mkdir -p"),
    Mistake("plan", ("plan", *UNREACHABLE, "manifests/"), "check the endpoint"),
    Mistake("plan", ("plan", "--config", "missing.yaml", "manifests/"), "config file not found"),
    Mistake("plan", ("plan", "manifests/"), "pass --sandbox, --endpoint HOST:PORT"),
    Mistake("plan", ("plan", "--flytectl-config", "missing.yaml", "--endpoint", "x:1", "manifests/"),
            "check --flytectl-config"),
    Mistake("plan", ("plan", "--no-such-option", "manifests/"), "No such option"),
    Mistake("apply", ("apply", "--plan", "plan-output.json", "--auto-approve"), "plan --out FILE"),
    Mistake("apply", ("apply", *UNREACHABLE, "--auto-approve", "manifests/"), "check the endpoint"),
    Mistake("apply", ("apply", "--sandbox", "manifests/"), "re-run with --auto-approve"),  # no terminal to ask
    Mistake("show", ("show", "missing.json"), "does not exist"),
    Mistake("import-flytectl", ("import-flytectl", "attrs.yaml", "--out", "missing/dir/a.yaml"), "create it first"),
    Mistake("diff", ("diff", "--base", "HEAD~1", "manifests/"), "not a git repository"),
    Mistake("export", ("export", "--project", "flytesnacks", *UNREACHABLE), "check the endpoint"),
    Mistake("backfill status", ("backfill", "status", *UNREACHABLE, "manifests/"), "check the endpoint"),
    Mistake("doctor", ("doctor", *UNREACHABLE), "its next step above says what to do"),
    Mistake("doctor", ("doctor", "--flytectl-config", "missing.yaml"), "its next step above says what to do"),
    Mistake("controller", ("controller", "--source", ".", "--path", "manifests", "--sandbox", "--listen",
                           f"127.0.0.1:{PORT_IN_USE}", "--workdir", "cw"), "pick another --listen"),
    Mistake("controller", ("controller", "--source", "."), "pass --env NAME"),
    Mistake("run status", ("run", "status", *UNREACHABLE, "manifests/"), "check the endpoint"),
    Mistake("run status", ("run", "status", "--config", "missing.yaml", "manifests/"), "config file not found"),
    Mistake("render", ("render", "--env", "nowhere", "manifests/"), "unknown environment"),
    Mistake("render", ("render", "--var", "novalue", "manifests/"), "is not KEY=VALUE"),
]


def _leaves(group: click.Group, prefix: str = "") -> set[str]:
    names = set()
    for name, command in group.commands.items():
        names |= _leaves(command, f"{prefix}{name} ") if isinstance(command, click.Group) else {f"{prefix}{name}"}
    return names


def test_every_command_has_a_mistake_case() -> None:
    assert _leaves(cli) <= {m.command for m in MISTAKES}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("mistakes")
    (work / "manifests").mkdir()
    (work / "manifests" / "project.yaml").write_text(PROJECT)
    (work / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    (work / "attrs.yaml").write_text(FLYTECTL_ATTRS)
    (work / "plan-output.json").write_text(render_json(every_action_plan()))  # `plan --format json` output
    return work


def _env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLYTE", "GRPC_")) and key != "FORCE_COLOR"}
    return {**env, "HOME": str(home), "NO_COLOR": "1"}


def _run(argv: tuple[str, ...], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reconciler", *argv], cwd=cwd, env=_env(cwd), input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def port_in_use() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.fixture(scope="module")
def outcomes(workspace: Path, port_in_use: int) -> dict[int, subprocess.CompletedProcess[str]]:
    """Every mistake at once: the unreachable-endpoint cases spend their time in retry backoff."""
    def one(index: int) -> subprocess.CompletedProcess[str]:
        argv = tuple(arg.replace(PORT_IN_USE, str(port_in_use)) for arg in MISTAKES[index].argv)
        own = workspace.parent / f"case-{index}"  # its own directory: sandboxes live under the working directory
        shutil.copytree(workspace, own)
        return _run(argv, own)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(enumerate(pool.map(one, range(len(MISTAKES)))))


@pytest.mark.parametrize("index", range(len(MISTAKES)), ids=[" ".join(m.argv[:4]) for m in MISTAKES])
def test_a_mistake_is_an_error_line_that_says_what_to_do(outcomes: dict[int, subprocess.CompletedProcess[str]],
                                                        index: int) -> None:
    mistake, result = MISTAKES[index], outcomes[index]
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything, everything
    assert result.returncode == 1, everything
    assert any(line.startswith("Error: ") for line in result.stderr.splitlines()), everything
    assert mistake.says in everything, everything
    assert not GRPC_LOG_LINE.search(result.stderr), result.stderr


def test_debug_after_the_command_shows_the_traceback_and_grpc_logging(workspace: Path, port_in_use: int) -> None:
    result = _run(("sandbox", "serve", "--port", str(port_in_use), "--db", "s.db", "--debug"), workspace)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "Error: cannot serve on" in result.stderr
    assert GRPC_LOG_LINE.search(result.stderr), result.stderr  # gRPC's own line, wanted when debugging
    before = _run(("--debug", "validate", "missing-dir/"), workspace)
    after = _run(("validate", "missing-dir/", "--debug"), workspace)
    assert before.returncode == after.returncode == 1
    assert "Traceback" in before.stderr and "Traceback" in after.stderr


def test_declining_the_apply_prompt_exits_1(workspace: Path) -> None:
    """As Terraform: answering no is not success. The prompt needs a terminal: a pseudo-terminal plays it."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--sandbox", "manifests/"],
                               cwd=workspace, env=_env(workspace), stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    with os.fdopen(leader, "r+b", buffering=0) as terminal:
        while b"Apply these changes?" not in seen:
            try:
                chunk = terminal.read(4096)
            except OSError:  # the process ended (EIO on Linux) before asking
                break
            if not chunk:
                break
            seen += chunk
        assert b"Apply these changes?" in seen, seen.decode(errors="replace")
        terminal.write(b"n\n")
        rest = b""
        while True:
            try:
                chunk = terminal.read(4096)
            except OSError:
                break
            if not chunk:
                break
            rest += chunk
    assert process.wait(timeout=120) == 1
    assert b"Apply cancelled; nothing was changed." in rest
    assert b"Traceback" not in seen + rest
