"""Backfills against an embedded admin that behaves as a real one did (over gRPC, through the CLI): runs
Admin stores FAILED at creation, the launch plan's labels on every run, runs counted by identity."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner, Result
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, project_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.backfill.names import execution_name
from reconciler.cli import cli
from reconciler.errors import EXIT_BACKFILL_FAILED, EXIT_CHANGES
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.aids import Aids

ADDRESS = "backfill/flytesnacks/development/nightly/q1"
MANIFESTS = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks}
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
  labels: LABELS
  annotations: {team.example.com/owner: data-eng}
---
apiVersion: flyte-reconciler/v1
kind: Backfill
metadata: {project: flytesnacks, domain: development, name: q1}
spec:
  launchPlan: nightly
  from: 2024-01-01T00:00:00Z
  to: 2024-01-06T00:00:00Z
  parallelism: 2
  onFailure: ON_FAILURE
"""


def write(tmp_path: Path, on_failure: str = "continue", labels: str = "{cost-centre: ml, alerts: pager}") -> Path:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n")
    (root / "m.yaml").write_text(MANIFESTS.replace("ON_FAILURE", on_failure).replace("LABELS", labels))
    return root


def run(admin: LocalAdmin, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--endpoint", admin.address, "--insecure"])


def runs(admin: LocalAdmin) -> list[execution_pb2.Execution]:
    with grpc.insecure_channel(admin.address) as channel:
        return list(AdminServiceStub(channel).ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"),
            limit=1000)).executions)


@pytest.fixture
def no_cluster(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, aids=Aids(no_cluster=True)) as admin:
        yield admin


def test_a_backfill_whose_runs_all_fail_is_reported_as_failed(tmp_path: Path, no_cluster: LocalAdmin) -> None:
    root = write(tmp_path)
    applied = run(no_cluster, "apply", str(root), "--auto-approve", "--wait", "--poll-interval", "0.05")
    assert applied.exit_code == EXIT_BACKFILL_FAILED, applied.output
    assert "0 succeeded, 0 running, 5 failed, 0 pending (failed)" in applied.output
    # Runs Admin stored FAILED at creation are never reported as running.
    assert all(n == "0" for n in re.findall(r"(\d+) running", applied.output)), applied.output
    assert "SYSTEM Internal: failed to create workflow in propeller" in applied.output
    assert len(runs(no_cluster)) == 5

    status = run(no_cluster, "backfill", "status", str(root))
    assert status.exit_code == EXIT_BACKFILL_FAILED, status.output
    assert status.output.count("FAILED: SYSTEM Internal: failed to create workflow in propeller") == 5
    as_json = run(no_cluster, "backfill", "status", str(root), "--format", "json")
    failures = json.loads(as_json.output)[ADDRESS]["failures"]
    assert [f["error"]["kind"] for f in failures] == ["SYSTEM"] * 5

    plan = run(no_cluster, "plan", str(root), "--detailed-exitcode")
    assert plan.exit_code == EXIT_CHANGES, plan.output
    assert "No changes." not in plan.output and "Backfills that did not succeed" in plan.output
    assert "failed: 0 of 5 runs succeeded, 5 failed" in plan.output
    markdown = run(no_cluster, "plan", str(root), "--format", "markdown")
    assert "Backfills that did not succeed" in markdown.output and "propeller" in markdown.output
    document = json.loads(run(no_cluster, "plan", str(root), "--format", "json").output)
    assert document["needs_attention"] is True and document["backfills"][ADDRESS]["status"] == "failed"


def test_a_stopped_backfill_exits_with_the_same_code(tmp_path: Path, no_cluster: LocalAdmin) -> None:
    applied = run(no_cluster, "apply", str(write(tmp_path, "stop")), "--auto-approve", "--wait",
                  "--poll-interval", "0.05")
    assert applied.exit_code == EXIT_BACKFILL_FAILED, applied.output
    assert "(stopped)" in applied.output and len(runs(no_cluster)) == 2  # the first two, then stop


def test_runs_carry_the_launch_plan_labels_and_annotations(tmp_path: Path, admin: LocalAdmin) -> None:
    applied = run(admin, "apply", str(write(tmp_path)), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    launched = runs(admin)
    assert len(launched) == 2
    for execution in launched:
        labels = dict(execution.spec.labels.values)
        assert labels["cost-centre"] == "ml" and labels["alerts"] == "pager"
        assert {"flyte-reconciler-backfill", "flyte-reconciler-kickoff", "flyte-reconciler-inputs"} <= set(labels)
        assert dict(execution.spec.annotations.values) == {"team.example.com/owner": "data-eng"}


def test_a_tracking_label_wins_a_clash_and_the_plan_says_so(tmp_path: Path, admin: LocalAdmin) -> None:
    plan = run(admin, "plan", str(write(tmp_path, labels="{flyte-reconciler-backfill: mine}")))
    assert plan.exit_code == 0, plan.output
    assert "the tracking label(s) flyte-reconciler-backfill replace the launch plan's label" in plan.output


def test_too_many_labels_for_a_run_is_a_plan_error(tmp_path: Path, admin: LocalAdmin) -> None:
    labels = "{" + ", ".join(f"l{i}: v" for i in range(14)) + "}"
    plan = run(admin, "plan", str(write(tmp_path, labels=labels)))
    assert plan.exit_code == 1 and "runs would carry 17 labels" in plan.output, plan.output
    assert admin.counters().get("CreateExecution", 0) == 0


def test_runs_are_counted_by_identity(tmp_path: Path, admin: LocalAdmin) -> None:
    """An execution with a run's name on a same-named launch plan of another project is not a run."""
    import datetime as dt

    root = write(tmp_path)
    with grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="other", name="o")))
        workflow = identifier_pb2.Identifier(resource_type=identifier_pb2.WORKFLOW, project="flytesnacks",
                                             domain="development", name="reports.daily_report", version="v1")
        foreign = identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project="other",
                                            domain="development", name="nightly", version="x")
        stub.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(
            id=foreign, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=workflow)))
        name = execution_name(ADDRESS, dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC))
        inputs = literals_pb2.LiteralMap()
        inputs.literals["run_date"].scalar.primitive.datetime.FromDatetime(dt.datetime(2024, 1, 1, 6))
        for key, value in (("dry_run", {"boolean": False}), ("limit", {"integer": 1}),
                           ("region", {"string_value": "eu"})):
            inputs.literals[key].scalar.primitive.CopyFrom(literals_pb2.Primitive(**value))
        stub.CreateExecution(execution_pb2.ExecutionCreateRequest(
            project="flytesnacks", domain="development", name=name, inputs=inputs,
            spec=execution_pb2.ExecutionSpec(launch_plan=foreign)))
    status = run(admin, "backfill", "status", str(root), "--format", "json")
    progress = json.loads(status.output)[ADDRESS]
    assert (progress["running"], progress["succeeded"], progress["pending"]) == (0, 0, 5), progress


def test_a_run_refused_for_too_many_labels_is_reported_not_retried(tmp_path: Path) -> None:
    from reconciler.localadmin.service.servicer import LocalAdminConfig

    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True,
                          config=LocalAdminConfig(max_label_entries=4)) as admin:
        applied = run(admin, "apply", str(write(tmp_path)), "--auto-approve", "--wait", "--poll-interval", "0.05")
        assert applied.exit_code == 3, applied.output  # partially applied: the launch plan, not the runs
        assert "labels has too many entries [5 > 4]" in applied.output
        assert admin.counters()["CreateExecution"] == 1  # sent once, never again (the next is not attempted)
        assert runs(admin) == []


def test_sandbox_serve_inject_no_cluster_drives_a_failed_backfill(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", "--db", str(tmp_path / "s.db"),
         "--inject-no-cluster"], stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"listening on (127\.0\.0\.1:\d+)", line)
        assert match, line
        applied = CliRunner().invoke(cli, ["apply", str(write(tmp_path)), "--auto-approve", "--wait",
                                           "--poll-interval", "0.05", "--endpoint", match.group(1), "--insecure"])
        assert applied.exit_code == EXIT_BACKFILL_FAILED, applied.output
        assert "5 failed" in applied.output
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def test_runs_listed_through_the_label_join_are_counted_once(tmp_path: Path, admin: LocalAdmin) -> None:
    """Admin's label filter returns a run once per same-named execution anywhere; each run counts once."""
    import datetime as dt

    from reconciler.admin.executions import own_runs
    from reconciler.backfill.names import run_name_pattern

    name = execution_name(ADDRESS, dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC))
    with grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        workflow = identifier_pb2.Identifier(resource_type=identifier_pb2.WORKFLOW, project="flytesnacks",
                                             domain="development", name="reports.daily_report", version="v1")
        inputs = literals_pb2.LiteralMap()
        inputs.literals["run_date"].scalar.primitive.datetime.FromDatetime(dt.datetime(2024, 1, 1, 6))
        for project in ("flytesnacks", "other", "third"):
            if project != "flytesnacks":
                stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(
                    id=project, name=project)))
            lp = identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=project,
                                           domain="development", name="nightly", version="v1")
            stub.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(
                id=lp, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=workflow)))
            for key, value in (("dry_run", {"boolean": False}), ("limit", {"integer": 1}),
                               ("region", {"string_value": "eu"})):
                inputs.literals[key].scalar.primitive.CopyFrom(literals_pb2.Primitive(**value))
            stub.CreateExecution(execution_pb2.ExecutionCreateRequest(
                project=project, domain="development", name=name, inputs=inputs,
                spec=execution_pb2.ExecutionSpec(launch_plan=lp, labels=common_pb2.Labels(
                    values={"flyte-reconciler-backfill": "q1"}))))
        listed = stub.ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"), limit=100,
            filters="eq(execution_tag.key,flyte-reconciler-backfill)")).executions
    assert len(listed) == 3  # one copy per same-named execution carrying the label, in any project
    counted = own_runs(listed, "flytesnacks", "development", "nightly", run_name_pattern(ADDRESS))
    assert [r["name"] for r in counted] == [name]
