"""Operations: probes and metrics, the work-directory lock, SIGTERM and kill -9 in the middle of a sync,
Admin going away and coming back. Directory sources and the embedded sandbox admin (``--sandbox``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.aids import Aids
from tests.integration.controller.conftest import config_yaml, wait_for
from tests.integration.controller.manifests import PROJECT, active_versions, launch_plan

pytestmark = pytest.mark.integration


BACKFILL = """\
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
---
apiVersion: flyte-reconciler/v1
kind: Backfill
metadata: {project: flytesnacks, domain: development, name: ten}
spec: {launchPlan: nightly, from: 2024-01-01T00:00:00Z, to: 2024-01-11T00:00:00Z, parallelism: 10}
"""


def _directory(root: Path, admin_address: str | None, launch_plans: int = 1, backfill: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    config = (config_yaml(admin_address) if admin_address
              else "scope: {projects: [flytesnacks], domains: [development]}\n")
    (root / "flyte-reconciler.yaml").write_text(config)
    (root / "project.yaml").write_text(PROJECT)
    text = "---\n".join(launch_plan(100, name=f"report_{i:02d}") for i in range(launch_plans))
    (root / "lps.yaml").write_text(textwrap.dedent(text))
    if backfill:
        (root / "backfill.yaml").write_text(BACKFILL)
    return root


def _executions(stub) -> list[str]:
    response = stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"), limit=1000))
    return [e.id.name for e in response.executions]


def _all_launch_plans(stub) -> list[str]:
    response = stub.ListLaunchPlans(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"), limit=1000))
    return [lp.id.name for lp in response.launch_plans if lp.id.name.startswith("report_")]  # not the seeded ones


def _syncs(workdir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(workdir / "status.db") as db:
        return db.execute("SELECT environment, result FROM syncs ORDER BY id").fetchall()


def test_probes_and_metrics_with_a_directory_source_on_the_sandbox(tmp_path, start_controller) -> None:
    source = _directory(tmp_path / "src", None)
    controller = start_controller("--source", str(source), "--sandbox", "--sync", "selfHeal", "--interval", "1")
    status, body = controller.request("GET", "/healthz")
    assert status == 200 and body == b"ok\n"
    wait_for(lambda: controller.request("GET", "/readyz")[0] == 200, "readiness after the first sync")
    wait_for(lambda: controller.objects("sandbox")["launchplan/flytesnacks/development/report_00"]["status"]
             == "Synced", "the directory to be applied")
    assert controller.request("GET", "/api/v1/environments/sandbox/objects?offset=abc")[0] == 400
    assert controller.request("GET", "/api/v1/environments/nope/objects")[0] == 404
    assert controller.request("POST", "/api/v1/environments/nope/sync", b"",
                              {"Authorization": "Bearer test-write-token-0123456789"})[0] == 404
    status, metrics = controller.request("GET", "/metrics")
    text = metrics.decode()
    assert status == 200
    for series in ('flyte_reconciler_syncs_total{environment="sandbox",result="Succeeded"}',
                   'flyte_reconciler_last_successful_sync_timestamp_seconds{environment="sandbox"}',
                   'flyte_reconciler_objects{environment="sandbox",kind="launchplan",status="Synced"} 1.0',
                   'flyte_reconciler_apply_duration_seconds_bucket{environment="sandbox",le="+Inf"}',
                   'flyte_reconciler_observe_duration_seconds_count{environment="sandbox"}',
                   'flyte_reconciler_admin_rpcs_total{code="OK",method="ListProjects"}',
                   'flyte_reconciler_backfill_runs{environment="sandbox",phase="succeeded"}',
                   'flyte_reconciler_admin_reachable{environment="sandbox"} 1.0'):
        assert series in text, series
    before = controller.environment("sandbox")["revision"]
    (source / "lps.yaml").write_text(launch_plan(5, name="report_00"))
    wait_for(lambda: controller.environment("sandbox")["revision"] != before
             and controller.objects("sandbox")["launchplan/flytesnacks/development/report_00"]["status"] == "Synced"
             and controller.environment("sandbox")["lastSync"]["actionsApplied"] == 0,
             "an edit of the directory to be applied")
    sync = controller.record("sync")
    assert sync is not None and {"environment", "revision", "result", "durationSeconds", "actionsApplied"} <= set(sync)
    assert controller.terminate() == 0


def test_a_second_controller_on_the_same_workdir_refuses_to_start(tmp_path, admin, start_controller) -> None:
    source = _directory(tmp_path / "src", admin.address)
    first = start_controller("--source", str(source), "--env", "dev", "--interval", "60")
    second = subprocess.run([sys.executable, "-m", "reconciler", "controller", "--source", str(source), "--env", "dev",
                             "--listen", "127.0.0.1:0", "--workdir", str(tmp_path / "wd")],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert second.returncode == 1
    assert "another controller" in second.stderr and "wd" in second.stderr
    assert first.process.poll() is None
    assert first.terminate() == 0


def _slow_admin(tmp_path: Path, port: int = 0) -> LocalAdmin:
    # Slow enough that a stop lands in the middle of the launch plan writes even on a quiet machine.
    return LocalAdmin.start(db_path=tmp_path / "slow.db", port=port, seed_samples=True, aids=Aids(latency_ms=400))


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_stopping_in_the_middle_of_a_sync_then_restarting_converges(tmp_path, start_controller, how) -> None:
    count = 24
    with _slow_admin(tmp_path) as admin, grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        source = _directory(tmp_path / "src", admin.address, launch_plans=count, backfill=True)
        controller = start_controller("--source", str(source), "--env", "dev", "--sync", "auto", "--interval", "1")
        wait_for(lambda: len(_all_launch_plans(stub)) >= 1, "the first writes")
        if how == "sigterm":
            assert controller.terminate() == 0
            results = _syncs(tmp_path / "wd")
            assert results and results[-1][1] == "Interrupted", results  # recorded, not left Running
            assert "stopped" in "\n".join(controller.lines)
        else:
            controller.kill()
            assert _syncs(tmp_path / "wd")[-1][1] == "Running"
        registered = len(set(_all_launch_plans(stub)))
        assert registered < count  # it really stopped in the middle
        again = start_controller("--source", str(source), "--env", "dev", "--sync", "auto", "--interval", "1")
        wait_for(lambda: all(len(active_versions(stub, f"report_{i:02d}")) == 1 for i in range(count))
                 and again.environment("dev")["counts"]["OutOfSync"] == 0, "convergence after the restart")
        names = _all_launch_plans(stub)
        assert len(names) == count  # one version each: nothing registered twice under another version
        runs = _executions(stub)
        assert len(runs) == len(set(runs)) == 10  # every backfill run launched exactly once
        assert _syncs(tmp_path / "wd")[0][1] == "Interrupted"
        assert again.terminate() == 0


def test_admin_down_keeps_the_page_and_converges_when_it_returns(tmp_path, start_controller) -> None:
    admin = LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True)
    port = int(admin.address.rsplit(":", 1)[1])
    source = _directory(tmp_path / "src", admin.address)
    controller = start_controller("--source", str(source), "--env", "dev", "--sync", "auto", "--interval", "1")
    wait_for(lambda: controller.environment("dev")["reachable"] is True
             and controller.environment("dev")["counts"]["OutOfSync"] == 0, "the first sync")
    admin.stop()
    try:
        env = wait_for(lambda: (e := controller.environment("dev"))["reachable"] is False and e, "unreachable")
        assert env["lastSync"]["result"] == "Failed"
        status, page = controller.request("GET", "/")
        assert status == 200 and b"Admin unreachable" in page
        assert controller.request("GET", "/readyz")[0] == 503
        (source / "lps.yaml").write_text(launch_plan(7, name="report_00"))
        time.sleep(1)  # give the loop a cycle against the dead admin with the new revision (not an assertion)
    finally:
        admin = LocalAdmin.start(db_path=tmp_path / "a.db", port=port, seed_samples=True)
    with admin, grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        wait_for(lambda: controller.environment("dev")["reachable"] is True
                 and controller.objects("dev")["launchplan/flytesnacks/development/report_00"]["status"] == "Synced",
                 "convergence when Admin returns")
        assert len(active_versions(stub, "report_00")) == 1
        assert controller.request("GET", "/readyz")[0] == 200
        assert controller.terminate() == 0
