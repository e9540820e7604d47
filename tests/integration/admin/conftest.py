"""Fixtures for the admin edge's integration tests: a seeded embedded admin on loopback, a client
and a writer talking to it over real gRPC."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.admin.client import AdminClient
from reconciler.admin.writes import AdminWriter
from reconciler.localadmin import LocalAdmin


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True) as running:
        yield running


@pytest.fixture
def client(admin: LocalAdmin) -> Iterator[AdminClient]:
    with AdminClient(endpoint=admin.address, insecure=True) as connected:
        yield connected


@pytest.fixture
def writer(client: AdminClient) -> AdminWriter:
    return AdminWriter(client)
