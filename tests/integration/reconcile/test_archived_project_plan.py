"""Writes into a project Admin has archived are refused at plan time, saying what to do (over gRPC)."""

from __future__ import annotations

from flyteidl.admin import project_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

LAUNCH_PLAN = """\
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v1}
"""
PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: flytesnacks, state: STATE}
"""


def archive(stub: AdminServiceStub) -> None:
    stub.UpdateProject(project_pb2.Project(id="flytesnacks", name="flytesnacks", state=project_pb2.Project.ARCHIVED))


def test_a_write_into_an_archived_project_is_a_plan_error(repo, stub) -> None:  # type: ignore[no-untyped-def]
    archive(stub)
    repo.write("lp.yaml", LAUNCH_PLAN)
    plan = repo.run("plan")
    assert plan.exit_code == 1, plan.output
    assert "project/flytesnacks is archived in Admin (not declared in the manifests)" in plan.output
    assert "launchplan/flytesnacks/development/nightly" in plan.output and "state: active" in plan.output
    repo.write("project.yaml", PROJECT.replace("STATE", "archived"))
    assert "declared archived in the manifests" in repo.run("plan").output
    assert repo.admin.counters().get("CreateLaunchPlan", 0) == 0


def test_declaring_the_project_active_un_archives_it_first(repo, stub) -> None:  # type: ignore[no-untyped-def]
    archive(stub)
    repo.write("lp.yaml", LAUNCH_PLAN)
    repo.write("project.yaml", PROJECT.replace("STATE", "active"))
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0
