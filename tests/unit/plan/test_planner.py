"""The planner is pure: hand-made desired and actual states in, a Plan out. No I/O anywhere."""

from __future__ import annotations

import pytest

from reconciler.errors import PlanError
from reconciler.model.state import Resource, State
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.plan.options import PlanOptions, Prune

SCOPE = PlanOptions(projects=frozenset({"p"}), domains=frozenset({"development", "production"}))


def project(pid: str = "p", **overrides: object) -> Resource:
    body = {"id": pid, "displayName": "P", "description": "d", "labels": {}, "state": "active", **overrides}
    return Resource(f"project/{pid}", body)


def lp_desired(version: str = "v2", active: bool = True, pinned: bool = False, spec: dict | None = None) -> Resource:
    spec = spec if spec is not None else {"fixedInputs": {"a": 1}}
    return Resource(
        "launchplan/p/development/daily",
        {"version": version, "active": active, "description": None, "pinned": pinned,
         "workflow": {"project": "p", "domain": "development", "name": "wf", "version": "v1"}, "spec": spec},
        payload={"spec": {"workflowId": {"name": "wf"}}},
    )


def lp_actual(active: list[str], versions: dict[str, dict] | None = None) -> Resource:
    return Resource("launchplan/p/development/daily",
                    {"activeVersions": active, "description": None, "versions": versions or {}})


def attr(address: str, value: object) -> Resource:
    return Resource(address, {"value": value})


def plan(desired: list[Resource], actual: list[Resource], options: PlanOptions = SCOPE) -> Plan:
    return build_plan(State.of(desired), State.of(actual), options, manifests_digest="d")


def types(p: Plan) -> list[tuple[str, str]]:
    return [(a.type, a.address) for a in p.actions]


def test_in_sync_state_plans_nothing() -> None:
    p = plan([project(), lp_desired("v2")], [project(), lp_actual(["v2"], {"v2": {"fixedInputs": {"a": 1}}})])
    assert p.actions == ()
    assert p.in_sync == ("launchplan/p/development/daily", "project/p")


def test_missing_project_is_created_and_changed_one_updated_with_field_diff() -> None:
    p = plan([project(), project("q", description="new")], [project("q", description="old")],
             PlanOptions(projects=frozenset({"p", "q"})))
    assert types(p) == [("create_project", "project/p"), ("update_project", "project/q")]
    change = p.actions[1].changes[0]
    assert (change.path, change.old, change.new) == ("description", "old", "new")


def test_project_description_cannot_be_cleared_so_it_is_kept_with_a_warning() -> None:
    p = plan([project(description="")], [project(description="live")])
    assert p.actions == ()
    assert any("cannot clear" in w for w in p.warnings)


def test_archiving_is_planned_last() -> None:
    p = plan([project(state="archived"), lp_desired()], [project(), lp_actual([])])
    assert types(p)[-1] == ("archive_project", "project/p")


def test_new_version_is_registered_then_activated_with_spec_diff() -> None:
    p = plan([lp_desired("v2")], [lp_actual(["v1"], {"v1": {"fixedInputs": {"a": 0}}})])
    assert types(p) == [("register_launch_plan", "launchplan/p/development/daily"),
                        ("activate_launch_plan", "launchplan/p/development/daily")]
    (change,) = p.actions[0].changes
    assert (change.path, change.old, change.new) == ("spec.fixedInputs.a", 0, 1)


def test_registered_but_inactive_version_is_only_activated() -> None:
    p = plan([lp_desired("v2")], [lp_actual(["v1"], {"v1": {}, "v2": {"fixedInputs": {"a": 1}}})])
    assert types(p) == [("activate_launch_plan", "launchplan/p/development/daily")]


def test_two_active_versions_are_repaired() -> None:
    versions = {"v1": {}, "v2": {"fixedInputs": {"a": 1}}}
    p = plan([lp_desired("v2")], [lp_actual(["v1", "v2"], versions)])
    assert [(a.type, getattr(a, "version", None)) for a in p.actions] == [("deactivate_launch_plan", "v1")]
    p = plan([lp_desired("v3", spec={})], [lp_actual(["v1", "v2"], versions)])
    assert [(a.type, a.version) for a in p.actions] == [
        ("register_launch_plan", "v3"), ("activate_launch_plan", "v3"),
        ("deactivate_launch_plan", "v1"), ("deactivate_launch_plan", "v2")]


def test_inactive_desired_deactivates_every_active_version() -> None:
    p = plan([lp_desired("v2", active=False)], [lp_actual(["v2"], {"v2": {"fixedInputs": {"a": 1}}})])
    assert [(a.type, a.version) for a in p.actions] == [("deactivate_launch_plan", "v2")]


def test_pinned_version_with_edited_spec_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match=r"pinned version 'v2'.*spec.fixedInputs.a"):
        plan([lp_desired("v2", pinned=True)], [lp_actual(["v2"], {"v2": {"fixedInputs": {"a": 9}}})])


def test_unmanaged_launch_plan_is_reported_and_deactivated_only_with_prune() -> None:
    other = Resource("launchplan/p/development/other", {"activeVersions": ["x"], "versions": {}, "description": None})
    p = plan([], [other])
    assert p.actions == () and p.unmanaged[0].address == other.address and not p.unmanaged[0].pruned
    pruning = PlanOptions(projects=SCOPE.projects, domains=SCOPE.domains, prune=Prune(launch_plans=True))
    p = plan([], [other], pruning)
    assert types(p) == [("deactivate_launch_plan", other.address)] and p.unmanaged[0].pruned


def test_out_of_scope_objects_are_ignored() -> None:
    other = Resource("launchplan/z/development/other", {"activeVersions": ["x"], "versions": {}, "description": None})
    assert plan([], [other, project("z")]).unmanaged == ()


def test_quantity_respellings_are_not_drift_and_a_nested_change_shows_only_that_field() -> None:
    addr = "attributes/p/development/-/task_resource"
    live = {"defaults": {"cpu": "0.5", "memory": "1024Mi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
    same = {"defaults": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2000m", "memory": "4Gi"}}
    assert plan([attr(addr, same)], [attr(addr, live)]).actions == ()
    changed = {**same, "limits": {"cpu": "2000m", "memory": "8Gi"}}
    (action,) = plan([attr(addr, changed)], [attr(addr, live)]).actions
    assert [(c.path, c.old, c.new) for c in action.changes] == [("value.limits.memory", "4Gi", "8Gi")]
    assert action.value == changed  # writes keep the manifest's spelling


def test_deleting_a_project_row_sweeps_narrower_rows_which_are_restored() -> None:
    project_row = "attributes/p/-/-/execution_queue"
    domain_row = "attributes/p/development/-/execution_queue"
    wf_row = "attributes/p/development/wf/execution_queue"
    other_type = "attributes/p/development/-/task_resource"
    actual = [attr(project_row, ["a"]), attr(domain_row, ["b"]), attr(wf_row, ["c"]), attr(other_type, {})]
    pruning = PlanOptions(projects=SCOPE.projects, domains=SCOPE.domains, prune=Prune(attributes=True))
    p = plan([attr(wf_row, ["c"]), attr(other_type, {})], actual, pruning)
    deletes = [a for a in p.actions if a.type == "delete_attributes"]
    assert {d.address for d in deletes} == {project_row, domain_row}
    assert set(deletes[0].swept) | set(deletes[1].swept) == {domain_row, wf_row}
    restored = [a for a in p.actions if a.type == "update_attributes"]
    assert [(a.address, a.value) for a in restored] == [(wf_row, ["c"])]
    # without prune the project row is only reported, and nothing is deleted
    p = plan([attr(wf_row, ["c"]), attr(other_type, {})], actual)
    assert p.actions == () and {u.address for u in p.unmanaged} == {project_row, domain_row}


def test_removing_a_plugin_override_task_type_deletes_and_rewrites_restoring_swept_rows() -> None:
    row = "attributes/p/development/-/plugin_override"
    wf_row = "attributes/p/development/wf/plugin_override"
    live = [{"taskType": "spark", "pluginIds": ["a"]}, {"taskType": "ray", "pluginIds": ["b"]}]
    wanted = [{"taskType": "spark", "pluginIds": ["a"]}]
    wf_value = [{"taskType": "spark", "pluginIds": ["c"]}]
    p = plan([attr(row, wanted), attr(wf_row, wf_value)], [attr(row, live), attr(wf_row, wf_value)])
    assert [(a.type, a.address) for a in p.actions] == [
        ("delete_attributes", row), ("update_attributes", row), ("update_attributes", wf_row)]


def test_project_level_plugin_overrides_are_refused() -> None:
    with pytest.raises(PlanError, match="project level"):
        plan([attr("attributes/p/-/-/plugin_override", [])], [])


def test_max_deletions_guard() -> None:
    actual = [attr(f"attributes/p/development/wf{i}/execution_queue", ["q"]) for i in range(3)]
    pruning = PlanOptions(projects=SCOPE.projects, domains=SCOPE.domains, prune=Prune(attributes=True),
                          max_deletions=2)
    with pytest.raises(PlanError, match="more than --max-deletions 2"):
        plan([], actual, pruning)


def test_targets_and_excludes_filter_by_address_glob() -> None:
    desired = [project(), project("q")]
    opts = PlanOptions(projects=frozenset({"p", "q"}), targets=("project/*",), excludes=("project/q",))
    assert types(plan(desired, [], opts)) == [("create_project", "project/p")]


def test_plan_is_deterministic_and_round_trips_through_json() -> None:
    desired = [project(), lp_desired("v2"), attr("attributes/p/development/-/execution_queue", ["x"])]
    actual = [lp_actual(["v1"], {"v1": {}})]
    first, second = plan(desired, actual), plan(list(reversed(desired)), actual)
    assert first.to_json() == second.to_json()
    assert Plan.from_json(first.to_json()) == first
    assert first.fingerprints["project/p"] == "absent"
