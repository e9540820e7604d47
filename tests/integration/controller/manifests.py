"""Manifest texts the controller tests commit (the seeded admin has reports.daily_report v1)."""

from __future__ import annotations

from flyteidl.admin import launch_plan_pb2
from flyteidl.core import identifier_pb2

PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks, description: Examples, labels: {team: ml}}
"""

LAUNCH_PLAN = """\
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: NAME}
spec:
  workflow: {name: reports.daily_report, version: v1}
  active: true
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
  defaultInputs: {limit: LIMIT}
  fixedInputs: {region: eu}
"""


def launch_plan(limit: int = 100, name: str = "nightly_report") -> str:
    return LAUNCH_PLAN.replace("LIMIT", str(limit)).replace("NAME", name)


def active_versions(stub, name: str = "nightly_report") -> list[str]:
    response = stub.ListActiveLaunchPlans(
        launch_plan_pb2.ActiveLaunchPlanListRequest(project="flytesnacks", domain="development", limit=100))
    return sorted(lp.id.version for lp in response.launch_plans if lp.id.name == name)


def set_state(stub, version: str, active: bool, name: str = "nightly_report") -> None:
    stub.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(
        id=identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project="flytesnacks",
                                     domain="development", name=name, version=version),
        state=launch_plan_pb2.ACTIVE if active else launch_plan_pb2.INACTIVE))
