"""Where a backfill stands (pure): observed runs matched to in-range instants, and an ETA.

Each kickoff instant is one *slot*; its state is the phase of its latest attempt (the original run
or its highest-numbered recovery). Runs are matched by name only — names are deterministic — and
only names this backfill can have produced are considered; everything else is reported as
ignored, never counted and never terminated.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reconciler.backfill.model import ABORTED, FAILED_PHASES, SUCCEEDED, BackfillPlan, BackfillSpec, RunState
from reconciler.backfill.names import execution_name, run_name_pattern, split_attempt
from reconciler.errors import PlanError

SlotState = Literal["new", "running", "succeeded", "failed", "aborted", "retry"]


@dataclass(frozen=True)
class Slot:
    """One in-range kickoff instant, its base run name and its latest observed attempt (if any)."""

    kickoff: dt.datetime
    base: str
    latest: RunState | None = None
    attempt: int = -1  # attempt number of `latest`; -1 when nothing was launched

    def state(self, spec: BackfillSpec) -> SlotState:
        """``retry``: failed, and ``onFailure: retry`` still has attempts left (ABORTED is never retried:
        someone — a person or prune — stopped that run on purpose)."""
        if self.latest is None:
            return "new"
        phase = self.latest.phase
        if phase == SUCCEEDED:
            return "succeeded"
        if phase == ABORTED:
            return "aborted"
        if phase in FAILED_PHASES:
            return "retry" if spec.on_failure == "retry" and self.attempt < spec.max_retries else "failed"
        return "running"


@dataclass(frozen=True)
class Observation:
    slots: list[Slot]
    outside: list[RunState]  # this backfill's runs whose instant is no longer in the range
    ignored: list[str]


def _attempt(run: RunState) -> tuple[str, int]:
    base, parsed = split_attempt(run.name)
    return base, parsed if run.attempt is None else run.attempt


def observe(spec: BackfillSpec, instants: Sequence[dt.datetime], runs: Sequence[RunState]) -> Observation:
    """Match observed runs to the in-range instants of ``spec``."""
    bases = [execution_name(spec.address, kickoff) for kickoff in instants]
    if len(set(bases)) != len(bases):
        # Two instants share a minute and a 24-bit digest: astronomically unlikely, but launching
        # under a shared name would silently drop a run, so refuse instead of guessing.
        raise PlanError("two kickoff times map to the same run name",
                        hint="report this as a bug; as a workaround split the range into two backfills")
    pattern = run_name_pattern(spec.address)
    latest: dict[str, tuple[int, RunState]] = {}
    ignored: list[str] = []
    for run in runs:
        if not pattern.match(run.name):
            ignored.append(run.name)
            continue
        base, attempt = _attempt(run)
        if base not in latest or attempt > latest[base][0]:
            latest[base] = (attempt, run)
    in_range = set(bases)
    slots = [Slot(kickoff, base, latest[base][1], latest[base][0]) if base in latest else Slot(kickoff, base)
             for kickoff, base in zip(instants, bases, strict=True)]
    outside = sorted((run for run in runs if pattern.match(run.name) and _attempt(run)[0] not in in_range),
                     key=lambda run: run.name)
    return Observation(slots, outside, sorted(ignored))


def estimate_eta(plan: BackfillPlan, runs: Sequence[RunState], spec: BackfillSpec) -> dt.timedelta | None:
    """Rough time until the backfill settles: remaining runs in waves of ``parallelism`` (1 when serial),
    each wave as long as the median observed duration of finished runs. None without observations.

    Running runs are counted as whole waves (an overestimate early in a run) and kickoffs that are not
    yet due are left out: they finish no earlier than their kickoff time, which the caller knows.
    """
    durations = [run.duration for run in runs if run.duration is not None and not run.in_flight]
    remaining = plan.running + plan.pending - plan.not_due
    if remaining <= 0:
        return dt.timedelta()
    if not durations:
        return None
    width = 1 if spec.order == "serial" else spec.parallelism
    median = statistics.median(d.total_seconds() for d in durations)
    return dt.timedelta(seconds=median * math.ceil(remaining / width))
