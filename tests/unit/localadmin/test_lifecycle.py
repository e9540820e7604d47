"""The simulated execution lifecycle is a pure function of a phase plan and the time."""

from __future__ import annotations

import re

import pytest

from reconciler.localadmin.executions.lifecycle import (
    ABORTED,
    ABORTING,
    FAILED,
    QUEUED,
    RECOVERED_MODE,
    RUNNING,
    SUCCEEDED,
    UNDEFINED,
    FailureRule,
    LifecycleSettings,
    PhasePlan,
    make_plan,
    observe,
    phase_name,
)

SETTINGS = LifecycleSettings(queued_after_s=1, running_after_s=2, duration_s=10, abort_after_s=3)


def plan_for(
    name: str = "run-1",
    settings: LifecycleSettings = SETTINGS,
    labels: dict[str, str] | None = None,
    mode: int = 0,
) -> PhasePlan:
    return make_plan(
        settings,
        created_at=100.0,
        project="p",
        domain="development",
        name=name,
        labels=labels or {},
        mode=mode,
    )


@pytest.mark.parametrize(
    ("now", "phase", "since"),
    [
        (100.0, UNDEFINED, 100.0),
        (100.9, UNDEFINED, 100.0),
        (101.0, QUEUED, 101.0),
        (101.5, QUEUED, 101.0),
        (102.0, RUNNING, 102.0),
        (111.9, RUNNING, 102.0),
        (112.0, SUCCEEDED, 112.0),
        (5000.0, SUCCEEDED, 112.0),
    ],
)
def test_phases_follow_the_clock(now: float, phase: int, since: float) -> None:
    seen = observe(plan_for(), now)
    assert (phase_name(seen.phase), seen.since) == (phase_name(phase), since)


def test_started_and_ended_instants() -> None:
    assert observe(plan_for(), 101.5).started_at is None
    running = observe(plan_for(), 105.0)
    assert (running.started_at, running.ended_at) == (102.0, None)
    done = observe(plan_for(), 200.0)
    assert (done.started_at, done.ended_at) == (102.0, 112.0)


def test_abort_is_aborting_then_aborted_after_the_delay() -> None:
    plan = plan_for()
    assert observe(plan, 104.0, abort_requested_at=104.0, abort_after_s=3).phase == ABORTING
    late = observe(plan, 107.0, abort_requested_at=104.0, abort_after_s=3)
    assert (late.phase, late.since, late.started_at) == (ABORTED, 107.0, 102.0)
    # An abort overrides the planned success even after the planned end.
    assert observe(plan, 500.0, abort_requested_at=104.0, abort_after_s=3).phase == ABORTED


def test_no_rule_means_success() -> None:
    assert all(plan_for(f"n{i}").outcome == SUCCEEDED for i in range(200))


def test_pattern_fails_by_name_or_label() -> None:
    settings = LifecycleSettings(failure=FailureRule(pattern=r"^bad-|team=flaky"))
    assert plan_for("bad-1", settings).outcome == FAILED
    assert plan_for("good-1", settings).outcome == SUCCEEDED
    assert plan_for("good-2", settings, labels={"team": "flaky"}).outcome == FAILED
    assert observe(plan_for("bad-1", settings), 1000).phase == FAILED


def test_probability_is_deterministic_per_seed_and_name() -> None:
    settings = LifecycleSettings(failure=FailureRule(rate=0.3, seed=7))
    first = [plan_for(f"run-{i}", settings).outcome for i in range(1000)]
    again = [plan_for(f"run-{i}", settings).outcome for i in range(1000)]
    assert first == again
    failures = first.count(FAILED)
    assert 230 < failures < 370  # about 30 %
    other_seed = LifecycleSettings(failure=FailureRule(rate=0.3, seed=8))
    assert [plan_for(f"run-{i}", other_seed).outcome for i in range(1000)] != first


def test_recovered_runs_use_their_own_rate() -> None:
    always = LifecycleSettings(failure=FailureRule(rate=1.0))
    assert plan_for("x", always).outcome == FAILED
    assert plan_for("x", always, mode=RECOVERED_MODE).outcome == SUCCEEDED
    stubborn = LifecycleSettings(failure=FailureRule(rate=1.0, recovered_rate=1.0))
    assert plan_for("x", stubborn, mode=RECOVERED_MODE).outcome == FAILED
    # The regex applies to recoveries too ("unless the rule says otherwise").
    by_name = LifecycleSettings(failure=FailureRule(pattern="^x$"))
    assert plan_for("x", by_name, mode=RECOVERED_MODE).outcome == FAILED


@pytest.mark.parametrize("kwargs", [{"rate": 1.5}, {"rate": -0.1}, {"recovered_rate": 2}, {"pattern": "("}])
def test_bad_failure_rules_are_rejected(kwargs: dict) -> None:
    with pytest.raises((ValueError, re.error)):
        FailureRule(**kwargs)


def test_bad_timings_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        LifecycleSettings(duration_s=-1)
    with pytest.raises(ValueError, match="earlier"):
        LifecycleSettings(queued_after_s=5, running_after_s=1)
