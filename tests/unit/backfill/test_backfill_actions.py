"""A BackfillPlan becomes plan actions that survive the plan file's JSON round trip."""

from __future__ import annotations

import datetime as dt

from reconciler.backfill import BackfillSpec, RunState, execution_name, plan_backfill
from reconciler.backfill.actions import LaunchExecution, RecoverExecution, TerminateExecution, backfill_actions
from reconciler.plan.actions import phase_of
from reconciler.plan.model import ACTIONS_ADAPTER

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ADDRESS = "backfill/p/d/lp/q1"


def day(index: int) -> str:
    return execution_name(ADDRESS, START + dt.timedelta(days=index))


def spec(**overrides: object) -> BackfillSpec:
    base: dict[str, object] = dict(
        address=ADDRESS, project="p", domain="d", launch_plan="lp", launch_plan_version="v7",
        schedule={"cron": "0 0 * * *", "kickoffTimeInput": "run_date"}, start=START,
        end=START + dt.timedelta(days=5), parallelism=3, on_failure="retry", inputs={"limit": 3})
    return BackfillSpec(**{**base, **overrides})  # type: ignore[arg-type]


def test_launch_recover_and_terminate_actions() -> None:
    s = spec()
    plan = plan_backfill(s, [RunState(day(0), "FAILED"), RunState(day(9), "RUNNING")])
    actions, warnings = backfill_actions(s, plan, prune=True, source="backfills.yaml:3")
    assert [type(a) for a in actions] == [TerminateExecution, RecoverExecution, LaunchExecution]
    terminate, recover, launch = actions
    assert isinstance(terminate, TerminateExecution) and terminate.name == day(9)
    assert "backfills.yaml:3" in terminate.cause and terminate.destructive and warnings == []
    assert isinstance(recover, RecoverExecution) and (recover.original, recover.name) == (day(0), f"{day(0)}-r1")
    assert isinstance(launch, LaunchExecution)
    assert (launch.name, launch.launch_plan, launch.launch_plan_version) == (day(1), "lp", "v7")
    assert launch.inputs == {"limit": 3, "run_date": "2024-01-02T00:00:00Z"}
    assert launch.kickoff == "2024-01-02T00:00:00+00:00" and launch.creates
    for action in actions:  # the plan file round trip reproduces exactly the same values
        assert ACTIONS_ADAPTER.validate_json(ACTIONS_ADAPTER.dump_json(action)) == action
        assert phase_of(action.type) == phase_of("launch_execution")


def test_without_prune_outside_runs_are_left_alone_with_a_warning() -> None:
    s = spec()
    plan = plan_backfill(s, [RunState(day(9), "RUNNING")])
    actions, warnings = backfill_actions(s, plan, prune=False)
    assert not any(isinstance(a, TerminateExecution) for a in actions)
    assert len(warnings) == 1 and day(9) in warnings[0] and "prune.backfills" in warnings[0]
