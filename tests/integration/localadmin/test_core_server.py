"""The embedded admin as a server: version, unimplemented RPCs, call counters, persistence across restarts,
and ``flyte-reconciler sandbox serve`` as a process (start-up time, signals, printed counters)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import grpc
from core_helpers import P, activate, create_lp, error, fixed, integer, lp_id, seeded
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2, version_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin


def test_version_and_unimplemented(fresh_stub: AdminServiceStub) -> None:
    version = fresh_stub.GetVersion(version_pb2.GetVersionRequest()).control_plane_version
    assert version.Version == "v1.16.8-reconciler-local"
    unimplemented = error(fresh_stub.ListDescriptionEntities, common_pb2.ResourceListRequest())
    assert unimplemented.code() == grpc.StatusCode.UNIMPLEMENTED


def test_counters_count_every_call_and_writes(fresh_admin: LocalAdmin, fresh_stub: AdminServiceStub) -> None:
    seeded(fresh_stub)
    fresh_admin.reset_counters()
    fresh_stub.GetProject(project_pb2.ProjectGetRequest(id=P))
    error(fresh_stub.GetProject, project_pb2.ProjectGetRequest(id="nope"))  # failed calls count too
    assert fresh_admin.counters() == {"GetProject": 2}
    assert fresh_admin.write_calls() == 0
    create_lp(fresh_stub, fixed_inputs=fixed(limit=integer(1)))
    activate(fresh_stub, "lp.daily", "v1")
    assert fresh_admin.write_calls() == 2
    assert fresh_admin.counters()["UpdateLaunchPlan"] == 1


def test_state_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "persist.db"
    with LocalAdmin.start(db_path=db, port=0) as first, grpc.insecure_channel(first.address) as channel:
        stub = seeded(AdminServiceStub(channel))
        create_lp(stub, fixed_inputs=fixed(limit=integer(1)))
        activate(stub, "lp.daily", "v1")
        stub.UpdateProject(project_pb2.Project(id=P, name="Persisted"))
        stub.UpdateNamedEntity(common_pb2.NamedEntityUpdateRequest(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            id=common_pb2.NamedEntityIdentifier(project=P, domain="development", name="lp.daily"),
            metadata=common_pb2.NamedEntityMetadata(description="kept")))
        before = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id()))
    with LocalAdmin.start(db_path=db, port=0) as second, grpc.insecure_channel(second.address) as channel:
        stub = AdminServiceStub(channel)
        assert stub.GetProject(project_pb2.ProjectGetRequest(id=P)).name == "Persisted"
        assert stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id())) == before
        assert before.closure.state == launch_plan_pb2.ACTIVE
        entity = stub.GetNamedEntity(common_pb2.NamedEntityGetRequest(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            id=common_pb2.NamedEntityIdentifier(project=P, domain="development", name="lp.daily")))
        assert entity.metadata.description == "kept"
        again = error(lambda r: create_lp(stub, fixed_inputs=fixed(limit=integer(1))), None)
        assert again.code() == grpc.StatusCode.ALREADY_EXISTS  # digests persisted too


def test_sandbox_serve_answers_and_stops_on_sigterm_with_counters(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", "--db", str(tmp_path / "s.db"),
         "--no-samples"], stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"listening on (127\.0\.0\.1:\d+)", line)
        assert match, line
        with grpc.insecure_channel(match.group(1)) as channel:
            AdminServiceStub(channel).GetVersion(version_pb2.GetVersionRequest(), timeout=5)
        # Start-up time is measured by scripts/bench_localadmin.py, not asserted here (no timed assertions).
        process.stderr.readline()  # the "try:" hint
        process.send_signal(signal.SIGUSR1)
        assert "GetVersion" in process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "'GetVersion': 1" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
