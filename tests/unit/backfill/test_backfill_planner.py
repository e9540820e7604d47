"""The progressive backfill planner, simulated run to completion (pure, no Admin)."""

from __future__ import annotations

import datetime as dt

from reconciler.backfill.planner import BackfillSpec, RunState, plan_backfill

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def spec(**overrides: object) -> BackfillSpec:
    base = dict(address="backfill/p/d/lp/q1", project="p", domain="d", launch_plan="lp", launch_plan_version="v1",
                schedule={"cron": "0 0 * * *", "kickoffTimeInput": "run_date"}, start=START,
                end=START + dt.timedelta(days=90), parallelism=4)
    return BackfillSpec(**{**base, **overrides})  # type: ignore[arg-type]


def simulate(s: BackfillSpec, fails: set[int] = frozenset(), max_rounds: int = 500) -> tuple[dict[str, str], int, list]:
    """Each round: plan, launch, then every running run finishes (failing if its index is in ``fails``)."""
    runs: dict[str, str] = {}
    order: list[str] = []
    peak = 0
    plan = plan_backfill(s, [])
    for _ in range(max_rounds):
        plan = plan_backfill(s, [RunState(n, p) for n, p in runs.items()])
        for launch in plan.launch:
            assert launch.name not in runs  # never launched twice
            runs[launch.name] = "RUNNING"
            order.append(launch.name)
        for recover in plan.recover:
            assert recover.name not in runs
            runs[recover.name] = "RUNNING"
            order.append(recover.name)
        peak = max(peak, sum(1 for p in runs.values() if p == "RUNNING"))
        if not plan.launch and not plan.recover and all(p != "RUNNING" for p in runs.values()):
            break
        for name, phase in runs.items():
            if phase == "RUNNING":
                index = order.index(name)
                runs[name] = "FAILED" if index in fails and "-r" not in name[-3:] else "SUCCEEDED"
    return runs, peak, [plan]


def test_parallelism_is_never_exceeded_and_the_backfill_completes() -> None:
    runs, peak, (final,) = simulate(spec())
    assert peak == 4 and len(runs) == 90 and final.status == "complete" and final.succeeded == 90


def test_launches_carry_the_kickoff_input_and_extra_inputs() -> None:
    plan = plan_backfill(spec(inputs={"limit": 5}), [])
    assert plan.launch[0].inputs == {"limit": 5, "run_date": "2024-01-01T00:00:00Z"}
    assert [launch.kickoff.day for launch in plan.launch] == [1, 2, 3, 4]


def test_serial_order_runs_one_at_a_time_in_kickoff_order() -> None:
    s = spec(order="serial", end=START + dt.timedelta(days=5))
    runs, peak, (final,) = simulate(s)
    assert peak == 1 and final.status == "complete"
    assert list(runs) == sorted(runs, key=lambda n: n.split("-")[2])


def test_stop_after_a_failure() -> None:
    runs, _, (final,) = simulate(spec(on_failure="stop", end=START + dt.timedelta(days=20)), fails={0})
    assert final.status == "stopped" and final.failed == 1 and len(runs) < 20


def test_continue_skips_failures() -> None:
    _, _, (final,) = simulate(spec(on_failure="continue", end=START + dt.timedelta(days=20)), fails={0, 5})
    assert final.failed == 2 and final.succeeded == 18 and final.status == "failed"


def test_retry_recovers_failed_runs() -> None:
    runs, _, (final,) = simulate(spec(on_failure="retry", end=START + dt.timedelta(days=10)), fails={2})
    assert final.status == "complete" and final.succeeded == 10
    assert sum(1 for n in runs if n.endswith("-r1")) == 1


def test_observed_runs_are_never_relaunched() -> None:
    first = plan_backfill(spec(), [])
    again = plan_backfill(spec(), [RunState(launch.name, "UNDEFINED") for launch in first.launch])
    assert again.launch == [] and again.running == 4  # a crash after CreateExecution duplicates nothing
