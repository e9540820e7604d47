"""Testing aids of the embedded admin (counters, injected UNAVAILABLE and latency) and the client's
retry table exercised against them over real gRPC — no fakes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flyteidl.admin import common_pb2, project_pb2

from reconciler.admin.client import AdminClient
from reconciler.errors import InvalidArgumentError, NotFoundError, TransientAdminError
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.aids import Aids


def test_counters_and_write_calls(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True) as admin:
        assert admin.counters() == {}  # seeding is not counted
        with AdminClient(endpoint=admin.address, insecure=True) as client:
            client.call("ListProjects", project_pb2.ProjectListRequest())
            client.call("UpdateProject", project_pb2.Project(id="flytesnacks", name="x"))
        assert admin.counters() == {"ListProjects": 1, "UpdateProject": 1}
        assert admin.write_calls() == 1


def test_transient_failures_are_retried_until_success(tmp_path: Path) -> None:
    aids = Aids(unavailable_rate=0.5, seed=7)
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, aids=aids) as admin, \
            AdminClient(endpoint=admin.address, insecure=True, max_attempts=20, backoff_base_s=0.001,
                        backoff_max_s=0.01, seed=1) as client:
        for _ in range(20):
            client.call("ListProjects", project_pb2.ProjectListRequest())
        attempts = admin.counters()["ListProjects"]
        assert attempts > 20  # some calls failed with UNAVAILABLE and were retried
        assert client.calls["ListProjects"] == attempts


def test_retries_are_capped_and_errors_translated(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, aids=Aids(unavailable_rate=1.0)) as admin, \
            AdminClient(endpoint=admin.address, insecure=True, max_attempts=3, backoff_base_s=0.001) as client:
        with pytest.raises(TransientAdminError) as info:
            client.call("ListProjects", project_pb2.ProjectListRequest(), target="all projects")
        assert admin.counters()["ListProjects"] == 3
        assert "ListProjects all projects: UNAVAILABLE" in str(info.value) and info.value.hint


def test_non_transient_codes_are_never_retried(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0) as admin, \
            AdminClient(endpoint=admin.address, insecure=True) as client:
        with pytest.raises(NotFoundError):
            client.call("GetProject", project_pb2.ProjectGetRequest(id="nope"))
        with pytest.raises(InvalidArgumentError):
            client.call("ListLaunchPlans", common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project="p", domain="d"), limit=0))
        assert admin.counters() == {"GetProject": 1, "ListLaunchPlans": 1}


def test_injected_latency_applies_to_every_call(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, aids=Aids(latency_ms=50)) as admin, \
            AdminClient(endpoint=admin.address, insecure=True) as client:
        started = time.perf_counter()
        client.call("ListProjects", project_pb2.ProjectListRequest())
        assert time.perf_counter() - started >= 0.05  # a lower bound only: the sleep happened
