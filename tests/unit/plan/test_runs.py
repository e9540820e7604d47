"""The run planner (pure), run execution names and the Run manifest's validation, offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import ManifestError
from reconciler.manifests import load_config, load_manifests
from reconciler.model.address import Address, AddressError
from reconciler.model.state import Resource, State
from reconciler.plan.actions import LaunchRun, TerminateRun
from reconciler.plan.options import PlanOptions, Prune
from reconciler.plan.run_names import changed_name, execution_name, is_run_execution, spec_digest
from reconciler.plan.runs import plan_runs

ADDRESS = "run/flytesnacks/development/migrate"
OPTIONS = PlanOptions(projects=frozenset({"flytesnacks"}), domains=frozenset({"development"}))


def desired(generation: int = 1, *, on_change: str = "ignore", terminate: bool = False, digest: str = "d1",
            address: str = ADDRESS) -> Resource:
    body = {"generation": generation, "onChange": on_change, "terminatePrevious": terminate, "specDigest": digest,
            "via": "workflow", "inputs": {"limit": 5}, "overrides": {},
            "entity": {"type": "launch_plan", "project": "flytesnacks", "domain": "development",
                       "name": "reports.daily_report", "version": "v1"}}
    return Resource(address, body, payload={"spec": "c3BlYw==", "inputs": "aW5wdXRz"}, source="m.yaml:3")


def execution(generation: int, phase: str, digest: str = "d1", name: str | None = None,
              error: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name or execution_name(ADDRESS, generation), "generation": generation, "phase": phase,
            "specDigest": digest, "error": error}


def plan(want: list[Resource], have: list[dict[str, Any]], options: PlanOptions = OPTIONS,
         address: str = ADDRESS) -> tuple[list[Any], dict[str, Any], list[str], list[Any]]:
    actual = State.of([Resource(address, {"executions": have})] if have else [])
    result, status = plan_runs(State.of(want), actual, options)
    return result.actions, status, result.warnings, result.unmanaged


def test_a_new_run_is_launched_under_its_deterministic_name() -> None:
    actions, status, _, _ = plan([desired()], [])
    (launch,) = actions
    assert isinstance(launch, LaunchRun) and launch.name == execution_name(ADDRESS, 1) and launch.generation == 1
    assert launch.reason == "generation 1: launch workflow reports.daily_report@v1"
    assert launch.run_label == "migrate" and launch.symbol == "+"
    assert status[ADDRESS]["status"] == "pending" and status[ADDRESS]["launching"]


@pytest.mark.parametrize("phase", ["UNDEFINED", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED"])
def test_an_observed_execution_of_the_generation_is_never_launched_again(phase: str) -> None:
    error = {"kind": "USER", "code": "Boom", "message": "it broke"} if phase == "FAILED" else None
    actions, status, _, _ = plan([desired()], [execution(1, phase, error=error)])
    assert actions == []
    assert status[ADDRESS]["phase"] == phase and status[ADDRESS]["error"] == error
    assert status[ADDRESS]["status"] == {"SUCCEEDED": "succeeded", "FAILED": "failed",
                                         "ABORTED": "aborted"}.get(phase, "running")


def test_a_new_generation_launches_and_leaves_the_previous_alone_unless_asked() -> None:
    previous = [execution(1, "RUNNING")]
    actions, _, _, _ = plan([desired(2)], previous)
    assert [type(a) for a in actions] == [LaunchRun]
    actions, _, _, _ = plan([desired(2, terminate=True)], previous)
    assert [type(a) for a in actions] == [LaunchRun, TerminateRun]  # launch first: a failed launch keeps the old
    assert actions[1].name == execution_name(ADDRESS, 1) and actions[1].destructive


def test_terminate_previous_still_happens_when_the_launch_already_did() -> None:
    actions, _, _, _ = plan([desired(2, terminate=True)], [execution(1, "RUNNING"), execution(2, "QUEUED")])
    assert [(type(a), a.name) for a in actions] == [(TerminateRun, execution_name(ADDRESS, 1))]
    # Finished or already aborting executions are left alone, so the plan settles.
    for phase in ("SUCCEEDED", "FAILED", "ABORTED", "ABORTING"):
        assert plan([desired(2, terminate=True)], [execution(1, phase), execution(2, "QUEUED")])[0] == []


def test_an_edit_is_ignored_with_a_warning_or_relaunched_once() -> None:
    launched = [execution(1, "SUCCEEDED", digest="d1")]
    actions, _, warnings, _ = plan([desired(digest="d2")], launched)
    assert actions == [] and "the change is ignored (onChange: ignore)" in warnings[0]
    actions, _, _, _ = plan([desired(digest="d2", on_change="relaunch")], launched)
    (launch,) = actions
    assert launch.name == changed_name(execution_name(ADDRESS, 1), "d2")
    relaunched = [*launched, execution(1, "RUNNING", digest="d2", name=launch.name)]
    assert plan([desired(digest="d2", on_change="relaunch")], relaunched)[0] == []
    assert plan([desired(digest="d1", on_change="relaunch")], relaunched)[0] == []  # reverted: the first matches


def test_a_removed_run_is_reported_and_terminated_only_with_prune_runs() -> None:
    running = [execution(1, "RUNNING")]
    actions, _, _, unmanaged = plan([], running)
    assert actions == [] and [(u.address, u.pruned) for u in unmanaged] == [(ADDRESS, False)]
    pruning = PlanOptions(projects=OPTIONS.projects, domains=OPTIONS.domains, prune=Prune(runs=True))
    actions, _, _, unmanaged = plan([], running, pruning)
    assert [type(a) for a in actions] == [TerminateRun] and unmanaged[0].pruned
    assert plan([], [execution(1, "SUCCEEDED")], pruning)[0] == []  # a finished run is history
    outside = PlanOptions(projects=frozenset({"other"}), domains=OPTIONS.domains, prune=Prune(runs=True))
    assert plan([], running, outside) == ([], {}, [], [])  # outside the managed scope: never touched


@pytest.mark.parametrize("name", ["a", "migrate", "x" * 63, "a-b-c-1", "z9" * 31 + "z"])
@pytest.mark.parametrize("generation", [1, 2, 999_999])
def test_execution_names_follow_admin_rules_and_differ_per_generation_and_run(name: str, generation: int) -> None:
    address = str(Address.of_run("flytesnacks", "development", name))
    base = execution_name(address, generation)
    assert len(base) <= 63 and re.match(r"^[a-z][a-z\-0-9]*$", base) and is_run_execution(base)
    assert base == execution_name(address, generation)  # deterministic
    assert base != execution_name(address, generation + 1)
    assert base != execution_name(str(Address.of_run("flytesnacks", "production", name)), generation)
    changed = changed_name(base, "abcdef123456")
    assert len(changed) <= 63 and is_run_execution(changed)


def test_the_spec_digest_ignores_when_to_launch_but_not_what() -> None:
    spec = {"workflow": {"name": "wf"}, "inputs": {"a": 1}, "generation": 1, "onChange": "ignore"}
    assert spec_digest(spec) == spec_digest({**spec, "generation": 7, "terminatePrevious": True})
    assert spec_digest(spec) != spec_digest({**spec, "inputs": {"a": 2}})


def test_run_addresses_round_trip() -> None:
    address = Address.of_run("flytesnacks", "development", "migrate")
    assert str(address) == ADDRESS and Address.parse(ADDRESS) == address
    with pytest.raises(AddressError):
        Address.parse("run/flytesnacks/development")


# -- manifests ---------------------------------------------------------------------------------------
RUN = """\
apiVersion: flyte-reconciler/v1
kind: Run
metadata: {project: flytesnacks, domain: development, name: NAME}
spec:
SPEC
"""


def problems(tmp_path: Path, name: str, spec: str) -> list[str]:
    (tmp_path / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    (tmp_path / "m.yaml").write_text(RUN.replace("NAME", name).replace("SPEC", spec))
    config = load_config(None, [str(tmp_path)])
    try:
        loaded = load_manifests([str(tmp_path)], config=config)
    except ManifestError as exc:
        return [p.render() for p in exc.problems]
    assert [d.address for d in loaded.documents] == [f"run/flytesnacks/development/{name}"]
    return []


@pytest.mark.parametrize(("name", "spec", "expected"), [
    ("ok", "  workflow: {name: wf}\n  generation: 2\n  onChange: relaunch\n  terminatePrevious: true", None),
    ("ok", "  task: {name: t, version: 3}\n  inputs: {a: 1}\n  labels: {team: x}\n  clusterAssignment: "
           "{clusterPoolName: gpu}", None),
    ("ok", "  workflow: {name: wf}\n  task: {name: t}", r"m\.yaml:4: .*spec: .*exactly one of `launchPlan`, "
                                                          r"`workflow` or `task`"),
    ("ok", "  inputs: {}", r"m\.yaml:4: .*exactly one of"),
    ("Bad_Name", "  workflow: {name: wf}", r"m\.yaml:3: .*metadata\.name: .*cannot name a run"),
    ("ok", "  workflow: {name: wf}\n  generation: 0", r"m\.yaml:6: .*spec\.generation"),
    ("ok", "  workflow: {name: wf}\n  onChange: rerun", r"m\.yaml:6: .*spec\.onChange"),
    ("ok", "  workflow: {name: wf}\n  labels: {flyte-reconciler-run: x}",
     r"m\.yaml:6: .*spec\.labels: .*writes itself"),
    ("ok", "  workflow: {name: wf}\n  launchplan: {name: x}", r"m\.yaml:6: .*spec\.launchplan.*did you mean"),
])
def test_run_manifests_are_validated_offline_with_file_and_line(tmp_path: Path, name: str, spec: str,
                                                                 expected: str | None) -> None:
    found = problems(tmp_path, name, spec)
    if expected is None:
        assert found == []
    else:
        assert any(re.search(expected, p) for p in found), found
