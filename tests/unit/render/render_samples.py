"""Sample plans for the renderer tests, built by the real planner from hand-made states (no I/O)."""

from __future__ import annotations

from reconciler.model.state import Resource, State
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.plan.options import PlanOptions, Prune

SCOPE = PlanOptions(
    projects=frozenset({"flytesnacks", "old", "fresh"}),
    domains=frozenset({"development", "production"}),
    prune=Prune(projects=True, launch_plans=True, attributes=True),
)


WORKFLOW = "workflow/flytesnacks/production/reports.daily"
WF_CLUSTER = "attributes/flytesnacks/production/reports.daily/cluster_assignment"


def project(pid: str, **overrides: object) -> Resource:
    body = {"id": pid, "displayName": pid.title(), "description": "d", "labels": {"team": "ml"},
            "state": "active", **overrides}
    return Resource(f"project/{pid}", body)


def lp_desired(name: str, version: str, spec: dict, active: bool = True,
               description: str | None = None) -> Resource:
    return Resource(
        f"launchplan/flytesnacks/production/{name}",
        {"version": version, "active": active, "description": description, "pinned": False,
         "workflow": {"project": "flytesnacks", "domain": "production", "name": "reports.daily",
                      "version": "v1"},
         "spec": spec},
        payload={"spec": {"workflowId": {"name": "reports.daily"}}},
    )


def lp_actual(name: str, active: list[str], versions: dict, description: str | None = None) -> Resource:
    return Resource(f"launchplan/flytesnacks/production/{name}",
                    {"activeVersions": active, "description": description, "versions": versions})


def attr(address: str, value: object) -> Resource:
    return Resource(address, {"value": value})


def every_action_plan(extra_desired: tuple[Resource, ...] = (),
                      extra_actual: tuple[Resource, ...] = ()) -> Plan:
    """A plan holding every action type (create/update/archive project, metadata, register,
    activate, deactivate, write and delete attributes with swept rows), unmanaged objects and a warning."""
    spec_v1 = {"defaultInputs": {"limit": {"default": 100}}, "fixedInputs": {"region": "eu"},
               "schedule": {"cron": "0 6 * * *", "kickoffTimeInput": "run_date"}}
    spec_v2 = {"defaultInputs": {"limit": {"default": 200}}, "fixedInputs": {"region": "eu"},
               "schedule": {"cron": "0 6 * * *", "kickoffTimeInput": "run_date"}}
    desired = [
        project("flytesnacks", description="new text"),
        project("fresh", description=""),
        lp_desired("daily_report", "v2", spec_v2, description="Daily revenue report"),
        lp_desired("brand_new", "a1", {"fixedInputs": {"x": 1}}),
        Resource(WORKFLOW, {"description": "Builds it", "state": "active"}),
        attr("attributes/flytesnacks/production/-/task_resource",
             {"defaults": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "4", "memory": "8Gi"}}),
        attr("attributes/flytesnacks/production/-/execution_queue", ["gpu", "cpu"]),
        attr(WF_CLUSTER, {"clusterPoolName": "gpu-pool"}),
        *extra_desired,
    ]
    actual = [
        project("flytesnacks", description="old text"),
        project("old"),
        lp_actual("daily_report", ["v1"], {"v1": spec_v1}),
        lp_actual("stray", ["s1"], {}),
        Resource(WORKFLOW, {"description": "", "state": "archived"}),
        attr("attributes/flytesnacks/production/-/task_resource",
             {"defaults": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "4", "memory": "4Gi"}}),
        attr("attributes/flytesnacks/-/-/cluster_assignment", {"clusterPoolName": "default"}),
        attr(WF_CLUSTER, {"clusterPoolName": "gpu-pool"}),
        *extra_actual,
    ]
    return build_plan(State.of(desired), State.of(actual), SCOPE, manifests_digest="sha256:" + "ab" * 32,
                      environment="prod", endpoint="dns:///flyte.example.com:443",
                      resolved={"launchplan/flytesnacks/production/daily_report.workflow": "v1"},
                      warnings=("manifests/lp.yaml:3: template variable 'x' unused",))


def empty_plan() -> Plan:
    same = [project("flytesnacks")]
    return build_plan(State.of(same), State.of(same), SCOPE, manifests_digest="sha256:" + "cd" * 32)
