"""Fixtures for end-to-end reconcile tests: a seeded embedded admin on loopback and a CLI runner."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner, Result
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0, seed_samples=True) as running:
        yield running


@pytest.fixture
def stub(admin: LocalAdmin) -> Iterator[AdminServiceStub]:
    channel = grpc.insecure_channel(admin.address)
    yield AdminServiceStub(channel)
    channel.close()


class Repo:
    """A manifest repository in a temp dir, and the CLI pointed at the admin."""

    def __init__(self, root: Path, admin: LocalAdmin) -> None:
        self.root = root
        self.admin = admin
        (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n")

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text))
        return path

    def run(self, *args: str) -> Result:
        command, rest = args[0], list(args[1:])
        if command in ("plan", "apply") and "--plan" not in rest:
            rest = [str(self.root), *rest]
        full = [command, *rest, "--endpoint", self.admin.address, "--insecure"]
        return CliRunner().invoke(cli, full, catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path, admin: LocalAdmin) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    return Repo(root, admin)
