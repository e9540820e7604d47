"""The applier's fixed set of workers: every action is written once, the report lists results in apply order
(phase, then address, then plan order) whatever order the workers finish in, and progress counts the writes
sent, not the actions skipped after a failure."""

from __future__ import annotations

import threading
from typing import Any

from test_apply_order import RecordingWriter, _desired

from reconciler.apply import APPLIED, FAILED, NOT_ATTEMPTED, apply_plan
from reconciler.model.state import State
from reconciler.plan.actions import phase_of
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.plan.options import PlanOptions


class CountingProgress:
    def __init__(self) -> None:
        self.advanced: list[tuple[bool, str]] = []
        self.closed = 0
        self._lock = threading.Lock()

    def advance(self, ok: bool, label: str) -> None:
        with self._lock:
            self.advanced.append((ok, label))

    def close(self) -> None:
        self.closed += 1


def _plan(projects: list[str]) -> Plan:
    desired = State.of([r for pid in projects for r in _desired(pid)])
    options = PlanOptions(projects=frozenset(projects), domains=frozenset({"development"}))
    return build_plan(desired, State(), options, manifests_digest="x")


def _apply_order(plan: Plan) -> list[Any]:
    indexed = sorted(enumerate(plan.actions), key=lambda ia: (phase_of(ia[1].type), ia[1].address, ia[0]))
    return [action for _, action in indexed]


def test_results_are_in_apply_order_and_every_action_is_written_once() -> None:
    projects = [f"p{i:02d}" for i in range(40)]
    plan = _plan(projects)
    writer = RecordingWriter()
    progress = CountingProgress()
    report = apply_plan(plan, writer, parallelism=7, progress=progress)
    assert [r.action for r in report.results] == _apply_order(plan)
    assert all(r.status == APPLIED for r in report.results) and report.complete
    assert len(writer.calls) == len(plan.actions) == len(set(writer.calls))
    assert len(progress.advanced) == len(plan.actions) and progress.closed == 1
    for pid in projects:  # one project's writes in dependency order
        assert [c[0] for c in writer.calls if c[1] == pid] == ["register_project", "update_attributes",
                                                               "create_launch_plan", "set_state"]


def test_more_workers_than_addresses_and_one_worker_give_the_same_report() -> None:
    plan = _plan(["a", "b"])
    reports = [apply_plan(plan, RecordingWriter(), parallelism=n) for n in (1, 64)]
    assert [(r.action, r.status) for r in reports[0].results] == [(r.action, r.status) for r in reports[1].results]


def test_progress_counts_writes_sent_not_actions_skipped_after_a_failure() -> None:
    plan = _plan(["good", "bad"])
    progress = CountingProgress()
    report = apply_plan(plan, RecordingWriter(fail_project="bad"), parallelism=3, progress=progress)
    skipped = report.count(NOT_ATTEMPTED)
    assert skipped == 3 and report.count(FAILED) == 1
    assert len(progress.advanced) == len(plan.actions) - skipped
    assert [ok for ok, label in progress.advanced if label.endswith("project/bad")] == [False]


def test_an_empty_plan_applies_nothing() -> None:
    progress = CountingProgress()
    report = apply_plan(_plan([]), RecordingWriter(), progress=progress)
    assert report.results == [] and report.complete and progress.closed == 1
