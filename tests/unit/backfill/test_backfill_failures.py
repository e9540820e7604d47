"""Failed runs in the plan's progress (pure): Admin's error per failed run, retries apart from pending."""

from __future__ import annotations

import datetime as dt

from reconciler.backfill import BackfillSpec, RunState, execution_name, plan_backfill
from reconciler.backfill.model import RunError
from reconciler.plan.backfills import progress_of, run_labels

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ADDRESS = "backfill/p/d/lp/q1"
ERROR = RunError("SYSTEM", "Internal", "failed to create workflow in propeller")


def spec(on_failure: str) -> BackfillSpec:
    return BackfillSpec(address=ADDRESS, project="p", domain="d", launch_plan="lp", launch_plan_version="v1",
                        schedule={"cron": "0 0 * * *"}, start=START, end=START + dt.timedelta(days=3),
                        parallelism=3, on_failure=on_failure)  # type: ignore[arg-type]


def failed(index: int) -> RunState:
    return RunState(execution_name(ADDRESS, START + dt.timedelta(days=index)), "FAILED", error=ERROR)


def test_every_failed_run_is_reported_with_admins_error() -> None:
    result = plan_backfill(spec("continue"), [failed(0), failed(1), failed(2)])
    progress = progress_of(result)
    assert (progress["status"], progress["failed"], progress["pending"]) == ("failed", 3, 0)
    assert [f["error"] for f in progress["failures"]] == [
        {"kind": "SYSTEM", "code": "Internal", "message": "failed to create workflow in propeller"}] * 3
    assert result.unsuccessful


def test_runs_waiting_for_a_retry_are_not_pending() -> None:
    result = plan_backfill(spec("retry"), [failed(0), failed(1), failed(2)])
    progress = progress_of(result)
    assert (progress["retrying"], progress["pending"], progress["recovering"]) == (3, 0, 3)
    assert progress["failures"] == [] and not result.unsuccessful
    assert "3 waiting for a retry" in result.summary()


def test_a_tracking_label_wins_a_clash() -> None:
    labels, clashes = run_labels({"team": "ml", "flyte-reconciler-kickoff": "x"},
                                 {"flyte-reconciler-kickoff": "20240101T000000Z"})
    assert labels == {"team": "ml", "flyte-reconciler-kickoff": "20240101T000000Z"}
    assert clashes == ["flyte-reconciler-kickoff"]
