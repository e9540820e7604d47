"""End to end over real gRPC: plan/apply of projects and launch plans against the embedded admin."""

from __future__ import annotations

import json

from flyteidl.admin import common_pb2, launch_plan_pb2
from flyteidl.core import identifier_pb2

from reconciler.plan.model import Plan

PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks, description: Examples, labels: {team: ml}}
"""

LAUNCH_PLAN = """\
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly_report}
spec:
  workflow: {name: reports.daily_report, version: v1}
  active: true
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
  defaultInputs: {limit: LIMIT}
  fixedInputs: {region: eu}
"""


def _lp(limit: int = 100) -> str:
    return LAUNCH_PLAN.replace("LIMIT", str(limit))


def _active_versions(stub, name: str = "nightly_report") -> list[str]:
    response = stub.ListActiveLaunchPlans(
        launch_plan_pb2.ActiveLaunchPlanListRequest(project="flytesnacks", domain="development", limit=100))
    return sorted(lp.id.version for lp in response.launch_plans if lp.id.name == name)


def _all_versions(stub, name: str = "nightly_report") -> list[str]:
    response = stub.ListLaunchPlans(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development", name=name), limit=100))
    return sorted(lp.id.version for lp in response.launch_plans)


def _set_state(stub, version: str, state: int, name: str = "nightly_report") -> None:
    stub.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(
        id=identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project="flytesnacks",
                                     domain="development", name=name, version=version),
        state=state))


def test_apply_then_plan_shows_no_changes(repo, stub) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp())
    first = repo.run("apply", "--auto-approve")
    assert first.exit_code == 0, first.output
    assert len(_active_versions(stub)) == 1
    again = repo.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.output


def test_editing_inputs_registers_and_activates_a_new_version(repo, stub) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp(100))
    assert repo.run("apply", "--auto-approve").exit_code == 0
    (old,) = _active_versions(stub)
    repo.write("lp.yaml", _lp(200))
    result = repo.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2 and "defaultInputs.limit" in result.output, result.output
    assert repo.run("apply", "--auto-approve").exit_code == 0
    (new,) = _active_versions(stub)
    assert new != old and set(_all_versions(stub)) == {old, new}
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_hand_activated_old_version_is_drift_and_apply_restores(repo, stub) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp(100))
    repo.run("apply", "--auto-approve")
    (old,) = _active_versions(stub)
    repo.write("lp.yaml", _lp(300))
    repo.run("apply", "--auto-approve")
    (desired,) = _active_versions(stub)
    _set_state(stub, old, launch_plan_pb2.ACTIVE)  # someone activates the old version by hand
    assert _active_versions(stub) == [old]
    drift = repo.run("plan", "--detailed-exitcode")
    assert drift.exit_code == 2 and "activate" in drift.output.lower(), drift.output
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert _active_versions(stub) == [desired]


def test_two_active_versions_are_repaired(repo, stub, admin) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp(100))
    repo.run("apply", "--auto-approve")
    (old,) = _active_versions(stub)
    repo.write("lp.yaml", _lp(400))
    repo.run("apply", "--auto-approve")
    (desired,) = _active_versions(stub)
    # The outcome of two concurrent activations (each read the same "formerly active" row): Admin has no
    # constraint against it, so reproduce it directly in the store.
    with admin.db.write() as conn:
        conn.execute("UPDATE launch_plans SET state = 1 WHERE name = 'nightly_report' AND version = ?", (old,))
    assert _active_versions(stub) == sorted([old, desired])
    plan = repo.run("plan", "--format", "json", "--detailed-exitcode")
    assert plan.exit_code == 2
    document = json.loads(plan.output)
    changes = [c["action_type"] for c in document["resource_changes"] if c["action_type"] != "no_op"]
    assert changes == ["deactivate_launch_plan"]
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert _active_versions(stub) == [desired]


def test_stale_saved_plan_is_refused_naming_the_object(repo, stub, tmp_path) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp(100))
    repo.run("apply", "--auto-approve")
    (old,) = _active_versions(stub)
    repo.write("lp.yaml", _lp(500))
    saved = tmp_path / "plan.json"
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    assert Plan.from_json(saved.read_text()).to_json() == saved.read_text()
    _set_state(stub, old, launch_plan_pb2.INACTIVE)  # live state moves after the plan was made
    stale = repo.run("apply", "--plan", str(saved), "--auto-approve")
    assert stale.exit_code == 1
    assert "stale" in stale.output and "launchplan/flytesnacks/development/nightly_report" in stale.output


def test_saved_plan_applies_exactly_and_converges(repo, stub, tmp_path) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp(100))
    saved = tmp_path / "plan.json"
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    result = repo.run("apply", "--plan", str(saved), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_crash_between_register_and_activate_converges_on_rerun(repo, stub, tmp_path) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp(100))
    saved = tmp_path / "plan.json"
    repo.run("plan", "--out", str(saved))
    plan = Plan.from_json(saved.read_text())
    # the process "dies" right after the registration phase: only those actions reached Admin
    partial = plan.model_copy(update={"actions": tuple(a for a in plan.actions if a.type != "activate_launch_plan")})
    saved.write_text(partial.to_json())
    assert repo.run("apply", "--plan", str(saved), "--auto-approve").exit_code == 0
    assert _active_versions(stub) == []
    rerun = repo.run("apply", "--auto-approve")
    assert rerun.exit_code == 0, rerun.output
    assert len(_active_versions(stub)) == 1
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_apply_without_a_terminal_and_without_auto_approve_fails_with_a_hint(repo) -> None:
    repo.write("project.yaml", PROJECT)
    result = repo.run("apply")
    assert result.exit_code == 1
    assert "--auto-approve" in result.output


def test_saved_plan_for_a_described_launch_plan_is_not_falsely_stale(repo, stub, tmp_path) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("lp.yaml", _lp(100) + "  description: Nightly numbers\n")
    assert repo.run("apply", "--auto-approve").exit_code == 0
    repo.write("lp.yaml", _lp(150) + "  description: Nightly numbers\n")
    saved = tmp_path / "plan.json"
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    applied = repo.run("apply", "--plan", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0
