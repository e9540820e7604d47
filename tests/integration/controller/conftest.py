"""Fixtures for the controller's integration tests: a seeded embedded admin on loopback, a local bare git
repository the test pushes commits to, and the controller itself as a real process (``flyte-reconciler
controller``) whose HTTP address is read from its first JSON log line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin

TOKEN = "test-write-token-0123456789"
SECRET = "test-webhook-secret-abcdef"
WAIT_S = 90.0  # generous: the machine is shared; every wait polls and returns as soon as the condition holds


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except KeyError as missing:  # the object is not listed yet (a cycle may still be recording it)
            last = f"not listed yet: {missing}"
        else:
            if last:
                return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last value: {last!r})")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


class GitRepo:
    """A bare ``origin.git`` and a working clone; ``commit`` writes files, commits and pushes."""

    def __init__(self, root: Path) -> None:
        self.bare = root / "origin.git"
        self.work = root / "work"
        self.work.mkdir(parents=True)
        git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(self.bare))
        git(self.work, "init", "--quiet", "--initial-branch=main")
        git(self.work, "remote", "add", "origin", str(self.bare))

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def commit(self, files: dict[str, str | None], message: str = "change") -> str:
        for name, text in files.items():
            path = self.work / name
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "-m", message)
        git(self.work, "push", "--quiet", "origin", "main")
        return git(self.work, "rev-parse", "HEAD")


class ControllerProcess:
    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "reconciler", "controller", *args], cwd=cwd, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        listening = wait_for(lambda: self.record("listening") or self.process.poll() is not None, "the controller")
        if self.process.poll() is not None:
            raise AssertionError("controller exited early:\n" + "\n".join(self.lines))
        self.url = listening["url"]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def records(self, msg: str) -> list[dict[str, Any]]:
        found = []
        for line in list(self.lines):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("msg") == msg:
                found.append(record)
        return found

    def record(self, msg: str) -> dict[str, Any] | None:
        found = self.records(msg)
        return found[-1] if found else None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def get_json(self, path: str) -> Any:
        status, body = self.request("GET", path)
        assert status == 200, (status, body)
        return json.loads(body)

    def environment(self, name: str) -> dict[str, Any]:
        return next(e for e in self.get_json("/api/v1/environments") if e["name"] == name)

    def objects(self, name: str) -> dict[str, dict[str, Any]]:
        return {o["address"]: o for o in self.get_json(f"/api/v1/environments/{name}/objects")}

    def post(self, path: str, body: bytes = b"", token: str | None = TOKEN,
             headers: dict[str, str] | None = None) -> int:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.request("POST", path, body, all_headers)[0]

    def terminate(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            self._reader.join(timeout=5)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0, seed_samples=True) as running:
        yield running


@pytest.fixture
def stub(admin: LocalAdmin) -> Iterator[AdminServiceStub]:
    channel = grpc.insecure_channel(admin.address)
    yield AdminServiceStub(channel)
    channel.close()


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "git")


def config_yaml(admin_address: str, controller: str = "") -> str:
    # A console URL is configured: links are never derived from a plaintext loopback endpoint (issue 15).
    return (f"environments:\n  dev: {{endpoint: '{admin_address}', insecure: true, "
            "consoleUrl: 'https://console.example.com/console'}\n"
            "scope: {projects: [flytesnacks], domains: [development]}\n" + controller)


@pytest.fixture
def start_controller(tmp_path: Path) -> Iterator[Callable[..., ControllerProcess]]:
    started: list[ControllerProcess] = []

    def start(*args: str, workdir: Path | None = None, extra_env: dict[str, str] | None = None) -> ControllerProcess:
        env = {**os.environ, "FLYTE_RECONCILER_CONTROLLER_TOKEN": TOKEN, "FLYTE_RECONCILER_WEBHOOK_SECRET": SECRET,
               "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", **(extra_env or {})}
        env.pop("FLYTE_PLATFORM_URL", None)
        process = ControllerProcess(["--listen", "127.0.0.1:0", "--workdir", str(workdir or tmp_path / "wd"),
                                     *args], env, tmp_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
