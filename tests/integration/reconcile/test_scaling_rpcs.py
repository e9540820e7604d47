"""A no-op plan costs the API's minimum round trips, whatever the size: a regression to per-resource
calls fails here (counts, not times)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from benchmarks.org import DOMAINS, register_org, write_org
from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.aids import WRITE_METHODS


def _noop_plan_calls(tmp_path: Path, projects: int, *, mixed: bool = False) -> dict[str, int]:
    with LocalAdmin.start(db_path=tmp_path / f"a{projects}{mixed}.db", port=0) as admin:
        register_org(admin.address, projects)
        root = write_org(tmp_path / f"org{projects}{mixed}", projects, mixed=mixed)
        connect = ["--endpoint", admin.address, "--insecure"]
        admin.reset_counters()
        first = CliRunner().invoke(cli, ["plan", str(root), "--detailed-exitcode", *connect])
        assert first.exit_code == 2, first.output
        if not mixed:
            _assert_first_plan_reads_per_project_domain(admin.counters(), projects * len(DOMAINS))
        applied = CliRunner().invoke(cli, ["apply", str(root), "--auto-approve", *connect])
        assert applied.exit_code == 0, applied.output
        admin.reset_counters()
        plan = CliRunner().invoke(cli, ["plan", str(root), "--detailed-exitcode", *connect])
        assert plan.exit_code == 0, plan.output
        return admin.counters()


def test_noop_plan_rpcs_grow_only_with_project_domains(tmp_path: Path) -> None:
    small, large = _noop_plan_calls(tmp_path, 2), _noop_plan_calls(tmp_path, 5)
    for calls, projects in ((small, 2), (large, 5)):
        pairs = projects * len(DOMAINS)
        assert not set(calls) & WRITE_METHODS
        assert calls["ListMatchableAttributes"] == 7
        assert calls["ListProjects"] == 1
        assert calls["ListActiveLaunchPlans"] == pairs
        assert calls["ListNamedEntities"] == pairs  # workflow metadata is managed in every project-domain
        assert sum(calls.values()) <= 8 + 2 * pairs
        assert "GetLaunchPlan" not in calls and "GetWorkflow" not in calls  # nothing per resource


def _assert_first_plan_reads_per_project_domain(calls: dict[str, int], pairs: int) -> None:
    # Nothing registered yet: every launch plan's version is looked up, and every workflow read, with
    # filtered list calls per project-domain (launch plans; workflows and their default launch plans).
    assert calls.get("GetLaunchPlan", 0) == 0 and calls.get("GetWorkflow", 0) == 0, calls
    assert calls["ListLaunchPlans"] == 2 * pairs, calls
    assert calls["ListWorkflows"] == pairs, calls


def test_noop_plan_with_inactive_pinned_and_latest_launch_plans(tmp_path: Path) -> None:
    # Per project-domain: one launch plan `active: false`, one on a pinned version, one on `latest`.
    # Their reads go out with the first wave (observe.py), per project-domain: never per launch plan.
    small, large = _noop_plan_calls(tmp_path, 2, mixed=True), _noop_plan_calls(tmp_path, 5, mixed=True)
    for calls, projects in ((small, 2), (large, 5)):
        pairs = projects * len(DOMAINS)
        assert not set(calls) & WRITE_METHODS
        assert calls["ListActiveLaunchPlans"] == pairs and calls["ListNamedEntities"] == pairs
        assert calls["ListMatchableAttributes"] == 7 and calls["ListProjects"] == 1
        # the inactive and the pinned version, and the default launch plan of the pinned version's workflow
        # (to compare the pinned spec): one filtered list
        assert calls["ListLaunchPlans"] == pairs, calls
        assert "GetLaunchPlan" not in calls, calls
        assert calls["ListWorkflows"] == pairs, calls  # `latest`: the newest version of the workflow
        assert calls["GetWorkflow"] == pairs, calls  # the pinned version's workflow interface
        assert sum(calls.values()) == 8 + 5 * pairs, calls
