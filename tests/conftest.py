"""Fixtures shared by every test directory: an empty embedded admin on an ephemeral loopback port.

Directories with richer needs (seeded samples, a manual clock) define their own fixtures next to their tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from hypothesis import settings

from reconciler.localadmin import LocalAdmin

# Properties are about behaviour, not speed: hypothesis's default 200 ms deadline per example fails them
# on a loaded CI runner (timings are measured by `python -m benchmarks`, never asserted in tests).
settings.register_profile("reconciler", deadline=None)
settings.load_profile("reconciler")


@pytest.fixture(scope="session", autouse=True)
def _parse_cache_key_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The parse cache's MAC key (``$XDG_CACHE_HOME/flyte-reconciler/cache.key``) goes to a temporary
    directory, for this process and the CLI processes tests start, not to the runner's home."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    yield
    patch.undo()


@pytest.fixture
def fresh_admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    """An embedded admin over a new SQLite file: no projects, no samples, testing aids off."""
    with LocalAdmin.start(db_path=tmp_path / "fresh.db", port=0) as running:
        yield running


@pytest.fixture
def fresh_stub(fresh_admin: LocalAdmin) -> Iterator[AdminServiceStub]:
    """An AdminService stub over a real insecure channel to ``fresh_admin``."""
    with grpc.insecure_channel(fresh_admin.address) as channel:
        yield AdminServiceStub(channel)
