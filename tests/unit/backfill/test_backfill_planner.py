"""The progressive planner against a simulated execution lifecycle (pure, no Admin).

A ``Lifecycle`` plays Admin: launched runs go UNDEFINED → QUEUED → RUNNING → SUCCEEDED/FAILED over a
few ticks; the planner is called between ticks with what is observed, exactly as repeated applies
would call it. Invariants are checked on every round.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.backfill import BackfillPlan, BackfillSpec, RunState, execution_name, plan_backfill, retry_name
from reconciler.backfill.model import TERMINAL
from reconciler.backfill.names import inputs_digest
from reconciler.backfill.progress import estimate_eta
from reconciler.errors import PlanError

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ADDRESS = "backfill/p/d/lp/q1"


def spec(**overrides: object) -> BackfillSpec:
    base: dict[str, object] = dict(
        address=ADDRESS, project="p", domain="d", launch_plan="lp", launch_plan_version="v1",
        schedule={"cron": "0 0 * * *", "kickoffTimeInput": "run_date"}, start=START,
        end=START + dt.timedelta(days=90), parallelism=4)
    return BackfillSpec(**{**base, **overrides})  # type: ignore[arg-type]


def day(index: int) -> str:
    return execution_name(ADDRESS, START + dt.timedelta(days=index))


@dataclass
class Run:
    phase: str
    left: int  # ticks until the run finishes
    fails: bool


@dataclass
class Lifecycle:
    """Admin's side: runs advance one phase per tick; ``failing[i]`` = how many attempts of day i fail."""

    failing: dict[int, int] = field(default_factory=dict)
    seed: int = 0
    runs: dict[str, Run] = field(default_factory=dict)
    launched: list[str] = field(default_factory=list)
    peak: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.index = {day(i): i for i in range(400)}

    def observe(self) -> list[RunState]:
        return [RunState(name, run.phase, inputs_digest({})) for name, run in self.runs.items()]

    def in_flight(self) -> int:
        return sum(1 for run in self.runs.values() if run.phase not in TERMINAL)

    def apply(self, plan: BackfillPlan) -> None:
        for launch in plan.launch:
            assert launch.name not in self.runs, f"{launch.name} launched twice"
            self._start(launch.name, attempt=0)
        for recover in plan.recover:
            assert recover.name not in self.runs, f"{recover.name} recovered twice"
            assert self.runs[recover.original].phase == "FAILED"
            assert recover.name == retry_name(recover.original.split("-r")[0], recover.attempt)
            self._start(recover.name, attempt=recover.attempt)
        self.peak = max(self.peak, self.in_flight())

    def _start(self, name: str, attempt: int) -> None:
        index = self.index[name.split("-r")[0]]
        self.runs[name] = Run("UNDEFINED", self.rng.randint(1, 4), attempt < self.failing.get(index, 0))
        self.launched.append(name)

    def tick(self) -> None:
        for run in self.runs.values():
            if run.phase == "UNDEFINED":
                run.phase = "QUEUED"
            elif run.phase == "QUEUED":
                run.phase = "RUNNING"
            elif run.phase == "RUNNING":
                run.left -= 1
                if run.left <= 0:
                    run.phase = "FAILED" if run.fails else "SUCCEEDED"


def reconcile(s: BackfillSpec, life: Lifecycle, rounds: int = 2000) -> BackfillPlan:
    """Plan/apply/tick until the backfill settles with nothing in flight; check invariants each round."""
    for _ in range(rounds):
        observed = life.observe()
        plan = plan_backfill(s, observed)
        assert plan.total == plan.succeeded + plan.running + plan.failed + plan.aborted + plan.pending
        assert plan_backfill(s, observed) == plan  # deterministic
        if s.on_failure == "stop" and any(r.phase in ("FAILED", "TIMED_OUT", "ABORTED") for r in observed):
            assert not plan.launch and not plan.recover and plan.status == "stopped"
        if s.order == "serial" and (plan.launch or plan.recover):
            assert len(plan.launch) + len(plan.recover) == 1 and life.in_flight() == 0
        life.apply(plan)
        assert life.in_flight() <= s.parallelism
        if plan.settled and life.in_flight() == 0:
            return plan_backfill(s, life.observe())
        life.tick()
    raise AssertionError("the backfill never settled")


def test_a_90_day_backfill_completes_without_exceeding_parallelism() -> None:
    life = Lifecycle(seed=1)
    final = reconcile(spec(), life)
    assert life.peak == 4 and len(life.runs) == 90
    assert final.status == "complete" and final.complete and final.succeeded == 90 and final.launch == []
    assert life.launched == [day(i) for i in range(90)]  # kickoff order


def test_launches_carry_the_kickoff_input_the_extra_inputs_and_labels() -> None:
    plan = plan_backfill(spec(inputs={"limit": 5}), [])
    first = plan.launch[0]
    assert first.name == day(0) and first.inputs == {"limit": 5, "run_date": "2024-01-01T00:00:00Z"}
    assert first.labels["flyte-reconciler-kickoff"] == "20240101T000000Z"
    assert [launch.kickoff.day for launch in plan.launch] == [1, 2, 3, 4]
    assert plan.status == "running" and plan.pending == 90 and plan.running == 0
    no_input = plan_backfill(spec(schedule={"cron": "0 0 * * *"}, inputs={"limit": 5}), [])
    assert no_input.launch[0].inputs == {"limit": 5}


def test_serial_order_runs_one_at_a_time_in_kickoff_order() -> None:
    life = Lifecycle(seed=2)
    final = reconcile(spec(order="serial", end=START + dt.timedelta(days=8)), life)
    assert life.peak == 1 and final.status == "complete"
    assert life.launched == [day(i) for i in range(8)]


def test_serial_waits_for_every_run_in_flight() -> None:
    s = spec(order="serial")
    assert plan_backfill(s, [RunState(day(0), "SUCCEEDED"), RunState(day(1), "QUEUED")]).launch == []
    # Switched from parallel: a later run still going blocks the next earlier one too.
    assert plan_backfill(s, [RunState(day(0), "SUCCEEDED"), RunState(day(5), "RUNNING")]).launch == []
    assert [r.name for r in plan_backfill(s, [RunState(day(0), "SUCCEEDED"), RunState(day(5), "SUCCEEDED")]).launch] \
        == [day(1)]


def test_stop_launches_nothing_after_a_failure() -> None:
    life = Lifecycle(failing={2: 99}, seed=3)
    final = reconcile(spec(on_failure="stop", end=START + dt.timedelta(days=20)), life)
    assert final.status == "stopped" and final.failed == 1 and len(life.runs) < 20
    assert final.pending == 20 - len(life.runs)


def test_serial_stop_stops_at_the_failed_day() -> None:
    life = Lifecycle(failing={3: 99}, seed=4)
    final = reconcile(spec(order="serial", on_failure="stop", end=START + dt.timedelta(days=10)), life)
    assert life.launched == [day(i) for i in range(4)] and final.status == "stopped"


def test_continue_skips_failures() -> None:
    life = Lifecycle(failing={0: 99, 5: 99}, seed=5)
    final = reconcile(spec(on_failure="continue", end=START + dt.timedelta(days=20)), life)
    assert final.failed == 2 and final.succeeded == 18 and final.status == "failed" and final.settled
    assert not any(name.endswith("-r1") for name in life.runs)


def test_serial_continue_goes_past_a_failed_day() -> None:
    life = Lifecycle(failing={1: 99}, seed=6)
    final = reconcile(spec(order="serial", on_failure="continue", end=START + dt.timedelta(days=4)), life)
    assert life.launched == [day(i) for i in range(4)] and final.failed == 1 and final.status == "failed"


def test_retry_recovers_failed_runs_from_their_latest_attempt() -> None:
    life = Lifecycle(failing={2: 2}, seed=7)  # day 2 fails twice, then succeeds
    final = reconcile(spec(on_failure="retry", max_retries=3, end=START + dt.timedelta(days=10)), life)
    assert final.status == "complete" and final.succeeded == 10
    assert [n for n in life.launched if n.startswith(day(2))] == [day(2), f"{day(2)}-r1", f"{day(2)}-r2"]


def test_retry_exhausted_continues_with_the_other_days() -> None:
    life = Lifecycle(failing={2: 99}, seed=8)
    final = reconcile(spec(on_failure="retry", max_retries=2, end=START + dt.timedelta(days=6)), life)
    assert [n for n in life.launched if n.startswith(day(2))] == [day(2), f"{day(2)}-r1", f"{day(2)}-r2"]
    assert final.failed == 1 and final.succeeded == 5 and final.status == "failed"
    zero = plan_backfill(spec(on_failure="retry", max_retries=0), [RunState(day(0), "FAILED")])
    assert zero.recover == [] and zero.failed == 1 and zero.launch[0].name == day(1)


def test_recoveries_count_against_parallelism() -> None:
    runs = [RunState(day(i), "FAILED") for i in range(3)] + [RunState(day(3), "RUNNING")]
    plan = plan_backfill(spec(on_failure="retry", parallelism=3), runs)
    assert [r.name for r in plan.recover] == [f"{day(0)}-r1", f"{day(1)}-r1"] and plan.launch == []
    assert plan.retrying == 3 and plan.pending == 86 + 3


def test_aborted_runs_are_never_recovered_and_stop_a_stop_backfill() -> None:
    retry = plan_backfill(spec(on_failure="retry"), [RunState(day(0), "ABORTED")])
    assert retry.recover == [] and retry.aborted == 1 and retry.failed == 0 and retry.launch[0].name == day(1)
    stop = plan_backfill(spec(on_failure="stop"), [RunState(day(0), "ABORTED")])
    assert stop.status == "stopped" and stop.launch == []


def test_observed_runs_are_never_relaunched_after_a_crash() -> None:
    s = spec()
    first = plan_backfill(s, [])
    # The apply crashed after CreateExecution: the runs exist (UNDEFINED) but nothing else was recorded.
    again = plan_backfill(s, [RunState(launch.name, "UNDEFINED") for launch in first.launch])
    assert again.launch == [] and again.running == 4 and again.status == "running"
    # Half of them made it: only the missing ones are launched, plus nothing beyond the parallelism.
    partial = plan_backfill(s, [RunState(launch.name, "UNDEFINED") for launch in first.launch[:2]])
    assert [r.name for r in partial.launch] == [day(2), day(3)]


def test_outside_range_runs_are_reported_when_to_shrinks() -> None:
    life = Lifecycle(seed=9)
    wide = spec(end=START + dt.timedelta(days=10), parallelism=10)
    life.apply(plan_backfill(wide, []))
    life.runs[day(6)].phase = "SUCCEEDED"
    life.runs[day(7)].phase = "FAILED"
    narrow = replace(wide, end=START + dt.timedelta(days=5))
    plan = plan_backfill(narrow, life.observe())
    assert plan.outside_range == [day(5), day(8), day(9)]  # finished ones are not listed
    assert plan.total == 5 and plan.running == 5 and plan.launch == []


def test_unfinished_runs_outside_the_range_hold_parallelism_slots() -> None:
    runs = [RunState(day(20), "RUNNING"), RunState(day(21), "QUEUED"), RunState(day(22), "SUCCEEDED")]
    plan = plan_backfill(spec(end=START + dt.timedelta(days=10), parallelism=4), runs)
    assert plan.outside_range == [day(20), day(21)] and plan.running == 0
    assert [r.name for r in plan.launch] == [day(0), day(1)]


def test_runs_of_other_backfills_are_ignored() -> None:
    other = execution_name("backfill/p/d/lp/q1-2024", START)
    plan = plan_backfill(spec(parallelism=1), [RunState(other, "RUNNING"), RunState("a1b2c3d4", "RUNNING")])
    assert plan.ignored == sorted([other, "a1b2c3d4"]) and plan.outside_range == []
    assert [r.name for r in plan.launch] == [day(0)]


def test_kickoffs_after_now_are_not_due() -> None:
    s = spec(end=START + dt.timedelta(days=10))
    now = START + dt.timedelta(days=1, hours=3)
    plan = plan_backfill(s, [], now=now)
    assert [r.name for r in plan.launch] == [day(0), day(1)]
    assert plan.not_due == 8 and plan.next_due == START + dt.timedelta(days=2)
    done = plan_backfill(s, [RunState(day(0), "SUCCEEDED"), RunState(day(1), "SUCCEEDED")], now=now)
    assert done.launch == [] and done.status == "pending"
    with pytest.raises(PlanError, match="no time zone"):
        plan_backfill(s, [], now=dt.datetime(2024, 1, 1))


def test_max_executions_exceeded_tells_the_user_what_to_raise() -> None:
    with pytest.raises(PlanError, match="more than 30 kickoff times") as info:
        plan_backfill(spec(max_executions=30), [])
    assert "maxExecutions" in str(info.value)


def test_edited_inputs_of_a_started_backfill_are_refused() -> None:
    with pytest.raises(PlanError, match="inputs changed after the backfill started"):
        plan_backfill(spec(inputs={"limit": 2}), [RunState(day(0), "SUCCEEDED", inputs_digest({"limit": 1}))])
    plan_backfill(spec(inputs={"limit": 1}), [RunState(day(0), "SUCCEEDED", inputs_digest({"limit": 1}))])


@pytest.mark.parametrize(("overrides", "message"), [
    ({"order": "random"}, "spec.order"),
    ({"on_failure": "ignore"}, "spec.onFailure"),
    ({"parallelism": 0}, "spec.parallelism is 0"),
    ({"max_retries": -1}, "spec.maxRetries"),
    ({"end": START}, "is not before spec.to"),
    ({"start": dt.datetime(2024, 1, 1)}, "spec.from .* has no time zone"),
    ({"inputs": {"run_date": "2024-01-01"}}, "the schedule's kickoff input"),
])
def test_invalid_specs_are_plan_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        spec(**overrides)


def test_an_empty_range_is_complete_with_a_warning() -> None:
    plan = plan_backfill(spec(schedule={"cron": "@weekly"}, end=START + dt.timedelta(days=3, hours=1)), [])
    assert plan.total == 0 and plan.complete and plan.warnings


def test_eta_from_observed_durations() -> None:
    s = spec(end=START + dt.timedelta(days=10), parallelism=2)
    runs = [RunState(day(i), "SUCCEEDED", duration=dt.timedelta(minutes=m)) for i, m in enumerate([10, 20, 30])]
    plan = plan_backfill(s, runs)
    assert estimate_eta(plan, runs, s) == dt.timedelta(minutes=20 * 4)  # 7 left, 2 at a time → 4 waves
    assert estimate_eta(plan, runs, replace(s, order="serial")) == dt.timedelta(minutes=20 * 7)
    assert estimate_eta(plan, [RunState(day(0), "SUCCEEDED")], s) is None


@settings(max_examples=60, deadline=None)
@given(parallelism=st.integers(1, 5), days=st.integers(1, 25), order=st.sampled_from(["parallel", "serial"]),
       on_failure=st.sampled_from(["stop", "continue", "retry"]), max_retries=st.integers(0, 2),
       failing=st.dictionaries(st.integers(0, 24), st.integers(1, 4), max_size=5), seed=st.integers(0, 1000))
def test_any_backfill_settles_within_its_parallelism(parallelism: int, days: int, order: str, on_failure: str,
                                                     max_retries: int, failing: dict[int, int], seed: int) -> None:
    s = spec(parallelism=parallelism, end=START + dt.timedelta(days=days), order=order, on_failure=on_failure,
             max_retries=max_retries)
    failing = {i: n for i, n in failing.items() if i < days}
    life = Lifecycle(failing=failing, seed=seed)
    final = reconcile(s, life)
    assert life.peak <= (1 if order == "serial" else parallelism)
    assert len(set(life.launched)) == len(life.launched)
    if order == "serial":  # originals start in kickoff order
        originals = [n for n in life.launched if "-r" not in n]
        assert originals == [day(i) for i in range(len(originals))]
    if not failing:
        assert final.status == "complete" and final.succeeded == days
    elif on_failure == "stop":
        assert final.status == "stopped"
    else:
        attempts = max_retries + 1 if on_failure == "retry" else 1
        lost = sum(1 for n in failing.values() if n >= attempts)
        assert (final.failed, final.succeeded) == (lost, days - lost)
        assert final.status == ("failed" if lost else "complete")
