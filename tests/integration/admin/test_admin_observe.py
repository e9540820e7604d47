"""observe() against the embedded admin: what it reads, how few calls it needs, and that a spec we
build, register and read back diffs equal to what we built."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.admin.observe import LaunchPlanIntent, Observation, ObserveRequest, observe, observe_addresses
from reconciler.admin.writes import AdminWriter
from reconciler.errors import PlanError
from reconciler.localadmin import LocalAdmin
from reconciler.model.launchplan_version import derive_version
from reconciler.model.state import launch_plan_address
from reconciler.plan.fingerprint import fingerprints

pytestmark = pytest.mark.integration

P, D = "flytesnacks", "development"
DAILY = (P, D, "reports.daily_report", "v1")
SPEC: dict[str, Any] = {
    "workflow": {"name": "reports.daily_report", "version": "v1"},
    "schedule": {"cron": "0 6 * * *", "kickoffTimeInput": "run_date"},
    "fixedInputs": {"region": "eu"},
    "defaultInputs": {"limit": 250},
    "notifications": [{"phases": ["failed", "timed_out"], "email": ["oncall@example.com"]}],
    "labels": {"team": "bi"}, "annotations": {"owner": "bi"}, "serviceAccount": "reports",
    "rawOutputDataPrefix": "s3://bucket/raw", "maxParallelism": 3, "interruptible": True, "overwriteCache": False,
    "envs": {"MODE": "prod"}, "qualityOfService": {"tier": "high"},
}


def intent(spec: dict[str, Any] = SPEC, *, name: str = "daily_report", workflow: tuple[str, ...] = DAILY,
           pinned: str | None = None, description: str | None = None) -> LaunchPlanIntent:
    return LaunchPlanIntent(address=launch_plan_address(P, D, name), project=P, domain=D, name=name,
                            workflow=workflow, spec=spec, pinned_version=pinned, description=description)  # type: ignore[arg-type]


def request(*intents: LaunchPlanIntent, **options: Any) -> ObserveRequest:
    return ObserveRequest(projects=[P], domains=[D], launch_plans=list(intents), **options)


def register(writer: AdminWriter, observation: Observation, *, active: bool = True) -> str:
    (desired,) = observation.desired_launch_plans
    version = desired.body["version"]
    assert desired.payload is not None
    writer.create_launch_plan(P, D, desired.address.split("/")[3], version, desired.payload["spec"])
    if active:
        writer.set_launch_plan_state(P, D, desired.address.split("/")[3], version, True)
    return version


def test_registered_spec_reads_back_equal_with_minimum_calls(admin: LocalAdmin, client: Any,
                                                             writer: AdminWriter) -> None:
    admin.reset_counters()
    first = observe(client, request(intent()))
    assert first.calls == admin.counters() == {
        "ListProjects": 1, "ListMatchableAttributes": 7, "ListActiveLaunchPlans": 1,
        "GetLaunchPlan": 2,  # the desired version (not registered) and the workflow's default launch plan
        "GetWorkflow": 1}
    (desired,) = first.desired_launch_plans
    assert desired.body["version"] == derive_version(SPEC, DAILY)
    inputs = desired.body["spec"]["defaultInputs"]
    assert "region" not in inputs  # fixed
    assert inputs["limit"] == {"type": "int", "required": False, "default": 250}  # the manifest's
    assert inputs["dry_run"] == {"type": "bool", "required": False, "default": False}  # the default launch plan's
    assert inputs["run_date"] == {"type": "datetime", "required": True, "default": None}  # the kickoff input
    assert desired.body["spec"]["fixedInputs"] == {"region": "eu"}
    assert desired.body["pinned"] is False and desired.body["active"] is True
    assert desired.address not in first.actual

    version = register(writer, first)
    admin.reset_counters()
    second = observe(client, request(intent(), all_specs=True))
    assert second.calls == admin.counters() == {
        "ListProjects": 1, "ListMatchableAttributes": 7, "ListActiveLaunchPlans": 1}  # nothing per resource
    actual = second.actual.get(desired.address)
    assert actual is not None
    assert actual.body["activeVersions"] == [version]
    assert actual.body["versions"][version] == desired.body["spec"]  # exactly what we built
    assert second.desired_launch_plans[0].body["spec"] is None  # already active: not built again


def test_in_sync_versions_are_not_converted_unless_asked(admin: LocalAdmin, client: Any,
                                                         writer: AdminWriter) -> None:
    version = register(writer, observe(client, request(intent())))
    lazy = observe(client, request(intent())).actual.get(launch_plan_address(P, D, "daily_report"))
    assert lazy is not None and lazy.body["versions"] == {version: None}  # the plan never reads it
    full = observe(client, request(intent(), all_specs=True)).actual.get(launch_plan_address(P, D, "daily_report"))
    assert full is not None and full.body["versions"][version] is not None


def test_registered_but_inactive_version_is_found_with_one_get(admin: LocalAdmin, client: Any,
                                                               writer: AdminWriter) -> None:
    version = register(writer, observe(client, request(intent())), active=False)
    admin.reset_counters()
    observation = observe(client, request(intent()))
    assert admin.counters()["GetLaunchPlan"] == 1 and "GetWorkflow" not in admin.counters()
    body = observation.actual.resources[launch_plan_address(P, D, "daily_report")].body
    assert body["activeVersions"] == [] and version in body["versions"]


def test_several_lookups_in_one_project_domain_cost_one_list_call(admin: LocalAdmin, client: Any,
                                                                   writer: AdminWriter) -> None:
    names = ("daily_report", "weekly_report", "monthly_report")
    first = observe(client, request(*(intent(name=n) for n in names)))
    # One list call finds which of the three versions exist; the one workflow they share is read singly.
    assert first.calls["ListLaunchPlans"] == 1 and "ListWorkflows" not in first.calls
    assert first.calls["GetWorkflow"] == 1 and first.calls["GetLaunchPlan"] == 1  # its default launch plan
    for desired in first.desired_launch_plans[:2]:  # two registered, not active; the third never
        name = desired.address.split("/")[3]
        assert desired.payload is not None
        writer.create_launch_plan(P, D, name, desired.body["version"], desired.payload["spec"])
    admin.reset_counters()
    second = observe(client, request(*(intent(name=n) for n in names)))
    # Still one list call for the three versions; the one Get is the workflow's default launch plan,
    # read because the third version must be built.
    assert admin.counters()["ListLaunchPlans"] == 1 and admin.counters()["GetLaunchPlan"] == 1
    found = {a.split("/")[3]: r.body["versions"] for a, r in second.actual.resources.items()
             if a.startswith("launchplan/")}
    wanted = {d.address.split("/")[3]: d.body["version"] for d in second.desired_launch_plans}
    assert sorted(found) == sorted(d.address.split("/")[3] for d in first.desired_launch_plans[:2])
    assert all(list(found[n]) == [wanted[n]] for n in found)


def test_latest_is_resolved_and_recorded(admin: LocalAdmin, client: Any) -> None:
    latest = intent({**SPEC, "workflow": {"name": "reports.daily_report"}},
                    workflow=(P, D, "reports.daily_report", "latest"))
    observation = observe(client, request(latest))
    assert observation.resolved == {f"workflow/{P}/{D}/reports.daily_report": "v2"}
    assert observation.calls["ListWorkflows"] == 1
    assert observation.desired_launch_plans[0].body["workflow"]["version"] == "v2"


def test_pinned_versions_win_and_are_compared(client: Any, writer: AdminWriter) -> None:
    pinned = intent(pinned="p1")
    observation = observe(client, request(pinned))
    assert observation.desired_launch_plans[0].body["version"] == "p1"
    register(writer, observation)
    edited = intent({**SPEC, "fixedInputs": {"region": "us"}}, pinned="p1")
    again = observe(client, request(edited))
    desired = again.desired_launch_plans[0]
    assert desired.body["pinned"] is True and desired.body["spec"] is not None  # built to compare
    assert again.actual.resources[desired.address].body["versions"]["p1"]["fixedInputs"] == {"region": "eu"}
    assert desired.body["spec"]["fixedInputs"] == {"region": "us"}
    with pytest.raises(PlanError, match="'p1' is already registered with a different spec"):
        register(writer, again)


def test_schedule_with_unbound_input_is_a_plan_error_before_any_write(admin: LocalAdmin, client: Any) -> None:
    spec = {"workflow": {"name": "etl.ingest", "version": "v1"}, "schedule": {"cron": "@daily",
                                                                            "kickoffTimeInput": "since"}}
    with pytest.raises(PlanError, match="source"):
        observe(client, request(intent(spec, name="ingest", workflow=(P, D, "etl.ingest", "v1"))))


def test_unknown_workflow_is_a_plan_error(client: Any) -> None:
    with pytest.raises(PlanError, match="not registered"):
        observe(client, request(intent(workflow=(P, D, "reports.daily_report", "v9"))))


def test_two_active_versions_are_seen_without_extra_calls(admin: LocalAdmin, client: Any,
                                                          writer: AdminWriter) -> None:
    old = register(writer, observe(client, request(intent())))
    edited = intent({**SPEC, "defaultInputs": {"limit": 1}})
    new = register(writer, observe(client, request(edited)))
    with admin.db.write() as conn:  # what two racing activations leave behind
        conn.execute("UPDATE launch_plans SET state = 1 WHERE name = 'daily_report' AND version = ?", (old,))
    admin.reset_counters()
    observation = observe(client, request(edited))
    assert observation.actual.resources[edited.address].body["activeVersions"] == sorted([old, new])
    assert set(admin.counters()) == {"ListProjects", "ListMatchableAttributes", "ListActiveLaunchPlans"}


def test_metadata_is_read_only_where_managed(admin: LocalAdmin, client: Any, writer: AdminWriter) -> None:
    version = register(writer, observe(client, request(intent())))
    writer.update_named_entity("workflow", P, D, "reports.daily_report", "Builds the report", "archived")
    writer.update_named_entity("launch_plan", P, D, "daily_report", "Daily revenue", "active")
    admin.reset_counters()
    plain = observe(client, request(intent()))
    assert "ListNamedEntities" not in plain.calls
    assert plain.actual.resources[launch_plan_address(P, D, "daily_report")].body["description"] is None
    managed = observe(client, request(intent(description="Daily revenue"),
                                      workflows_metadata={(P, D, "reports.daily_report"), (P, D, "ml.evaluate")}))
    assert managed.calls["ListNamedEntities"] == 2  # one per type for the one project-domain
    assert managed.actual.resources[f"workflow/{P}/{D}/reports.daily_report"].body == {
        "description": "Builds the report", "state": "archived"}
    assert managed.actual.resources[f"workflow/{P}/{D}/ml.evaluate"].body == {"description": "", "state": "active"}
    lp = managed.actual.resources[launch_plan_address(P, D, "daily_report")].body
    assert lp["description"] == "Daily revenue" and lp["activeVersions"] == [version]


def test_observe_addresses_reads_the_same_bodies_with_fewer_calls(admin: LocalAdmin, client: Any,
                                                                  writer: AdminWriter) -> None:
    register(writer, observe(client, request(intent())))
    writer.update_named_entity("launch_plan", P, D, "daily_report", "Daily revenue", "active")
    writer.update_named_entity("workflow", P, D, "reports.daily_report", "Builds", "active")
    writer.update_attributes(P, D, None, "execution_queue", ["gpu"])
    writer.update_attributes(P, None, None, "cluster_assignment", {"clusterPoolName": "pool"})
    full = observe(client, request(intent(description="Daily revenue"),
                                   workflows_metadata={(P, D, "reports.daily_report")}, all_specs=True))
    addresses = [f"project/{P}", launch_plan_address(P, D, "daily_report"), f"workflow/{P}/{D}/reports.daily_report",
                 f"attributes/{P}/{D}/-/execution_queue", f"attributes/{P}/-/-/cluster_assignment",
                 f"attributes/{P}/{D}/-/task_resource", launch_plan_address(P, D, "never_registered"),
                 "project/not-there"]
    admin.reset_counters()
    reread = observe_addresses(client, addresses)
    assert admin.counters() == {"ListProjects": 1, "ListActiveLaunchPlans": 1, "ListNamedEntities": 2,
                                "ListMatchableAttributes": 3}
    assert set(reread.resources) == {a for a in addresses if a in full.actual}
    for address in reread:
        assert reread.resources[address].body == full.actual.resources[address].body, address
    assert fingerprints(reread, addresses) == fingerprints(full.actual, addresses)


def test_archived_projects_are_observed(client: Any, writer: AdminWriter) -> None:
    body = {"id": "archived-one", "displayName": "Old", "description": "", "labels": {}, "state": "archived"}
    writer.register_project(body)
    observation = observe(client, ObserveRequest(projects=["archived-one"], domains=[D], attributes=False))
    assert observation.actual.resources["project/archived-one"].body == body
    assert observe_addresses(client, ["project/archived-one"]).resources["project/archived-one"].body == body
