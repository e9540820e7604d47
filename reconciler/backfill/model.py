"""The values the backfill planner reads and returns: frozen, plain, comparable (pure; no I/O).

``BackfillSpec`` is the desired backfill (from its manifest plus the launch plan version the
manifests make active); ``RunState`` is one observed execution; ``BackfillPlan`` is the outcome:
progress counts, what to launch or recover now, and unfinished runs that left the range.
Validation errors are PlanErrors that say which field to fix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal

from reconciler.errors import PlanError

Order = Literal["parallel", "serial"]
OnFailure = Literal["stop", "continue", "retry"]
Status = Literal["pending", "running", "complete", "stopped", "failed"]

# Admin's WorkflowExecution.Phase names (core/execution.proto). Anything not terminal is "in flight"
# and occupies a parallelism slot, UNDEFINED included: that is how a run looks right after
# CreateExecution, and not counting it would let a quick second apply exceed the parallelism.
SUCCEEDED = "SUCCEEDED"
FAILED_PHASES = frozenset({"FAILED", "TIMED_OUT"})
ABORTED = "ABORTED"
TERMINAL = FAILED_PHASES | {SUCCEEDED, ABORTED}
PHASES = frozenset({"UNDEFINED", "QUEUED", "RUNNING", "SUCCEEDING", "FAILING", "ABORTING"}) | TERMINAL


@dataclass(frozen=True)
class BackfillSpec:
    """One desired backfill. ``kickoff_input`` defaults to the schedule's ``kickoffTimeInput``."""

    address: str
    project: str
    domain: str
    launch_plan: str
    launch_plan_version: str
    schedule: dict[str, Any]
    start: dt.datetime  # `from`, inclusive
    end: dt.datetime  # `to`, exclusive
    timezone: str = "UTC"
    parallelism: int = 4
    order: Order = "parallel"
    on_failure: OnFailure = "stop"
    max_retries: int = 3
    inputs: dict[str, Any] = field(default_factory=dict)
    max_executions: int = 1000
    kickoff_input: str | None = None

    def __post_init__(self) -> None:
        if self.kickoff_input is None and self.schedule.get("kickoffTimeInput"):
            object.__setattr__(self, "kickoff_input", self.schedule["kickoffTimeInput"])
        if self.order not in ("parallel", "serial"):
            raise PlanError(f"spec.order is {self.order!r}", hint="use parallel or serial")
        if self.on_failure not in ("stop", "continue", "retry"):
            raise PlanError(f"spec.onFailure is {self.on_failure!r}", hint="use stop, continue or retry")
        for name, value, low in (("parallelism", self.parallelism, 1), ("maxRetries", self.max_retries, 0),
                                 ("maxExecutions", self.max_executions, 1)):
            if value < low:
                raise PlanError(f"spec.{name} is {value}; it must be at least {low}")
        for end_name, moment in (("from", self.start), ("to", self.end)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise PlanError(f"spec.{end_name} ({moment.isoformat()}) has no time zone",
                                hint="write it with Z or an offset, e.g. 2024-01-01T00:00:00Z")
        if self.start >= self.end:
            raise PlanError(f"spec.from ({self.start.isoformat()}) is not before spec.to ({self.end.isoformat()})",
                            hint="from is inclusive and to exclusive; to must be later than from")
        if self.kickoff_input and self.kickoff_input in self.inputs:
            raise PlanError(f"spec.inputs sets {self.kickoff_input!r}, the schedule's kickoff input",
                            hint="remove it from inputs: every run receives its own kickoff time there")


@dataclass(frozen=True)
class RunError:
    """Admin's ``closure.error`` of a run (message trimmed: list answers cut it to 100 bytes anyway)."""

    kind: str  # USER | SYSTEM | UNKNOWN
    code: str
    message: str

    def describe(self) -> str:
        return f"{self.kind} {self.code}: {self.message}" if self.code else f"{self.kind}: {self.message}"


@dataclass(frozen=True)
class FailedRun:
    """One failed (or timed-out) run as the plan reports it: which run, its phase and Admin's error."""

    name: str
    phase: str
    kickoff: dt.datetime
    error: RunError | None = None


@dataclass(frozen=True)
class RunState:
    """One observed execution of the backfill.

    ``attempt`` (0 = the original, n = the n-th recovery) and the base run are derived from the
    name when not given; ``kickoff`` (from the kickoff label) and ``source_name`` (the execution a
    recovery was made from) are informational; ``duration`` of finished runs feeds the ETA.
    A phase this module does not know counts as in flight: it holds a slot and is never relaunched.
    """

    name: str
    phase: str
    inputs_digest: str | None = None  # the inputs label recorded at launch (None: unknown)
    _: KW_ONLY
    kickoff: dt.datetime | None = None
    attempt: int | None = None
    source_name: str | None = None
    duration: dt.timedelta | None = None
    error: RunError | None = None

    @property
    def in_flight(self) -> bool:
        return self.phase not in TERMINAL


@dataclass(frozen=True)
class LaunchRun:
    """Create this execution now (attempt 0). ``inputs`` are plain values; the kickoff input is ISO 8601 UTC."""

    name: str
    kickoff: dt.datetime
    inputs: dict[str, Any]
    labels: dict[str, str]


@dataclass(frozen=True)
class RecoverRun:
    """Recover the failed execution ``original`` as ``name`` (RecoverExecution reuses its successful nodes)."""

    original: str
    name: str
    attempt: int
    kickoff: dt.datetime | None = None


@dataclass(frozen=True)
class BackfillPlan:
    """The planner's answer for one backfill.

    Every in-range instant is counted exactly once: ``total = succeeded + running + failed + aborted
    + pending``. ``pending`` includes instants not launched yet, failed instants that will be
    recovered (``retrying``) and instants whose kickoff is after ``now`` (``not_due``).
    """

    total: int = 0
    succeeded: int = 0
    running: int = 0
    failed: int = 0
    aborted: int = 0
    pending: int = 0
    retrying: int = 0
    not_due: int = 0
    launch: list[LaunchRun] = field(default_factory=list)
    recover: list[RecoverRun] = field(default_factory=list)
    outside_range: list[str] = field(default_factory=list)  # unfinished runs no longer in the range
    ignored: list[str] = field(default_factory=list)  # observed names this backfill cannot have made
    status: Status = "pending"
    next_due: dt.datetime | None = None  # earliest kickoff after `now`, when some are not yet due
    warnings: list[str] = field(default_factory=list)
    failures: list[FailedRun] = field(default_factory=list)  # failed instants, kickoff order (retries excluded)

    @property
    def complete(self) -> bool:
        """Every instant in the range succeeded."""
        return self.status == "complete"

    @property
    def settled(self) -> bool:
        """Nothing runs and nothing more will be launched without a change to the manifest."""
        return self.status in ("complete", "failed") or (self.status == "stopped" and self.running == 0)

    @property
    def unsuccessful(self) -> bool:
        """Ended without every run succeeding, or stopped by a failure: needs someone's attention."""
        return self.status in ("failed", "stopped")

    @property
    def counts(self) -> dict[str, int]:
        return {"total": self.total, "succeeded": self.succeeded, "running": self.running, "failed": self.failed,
                "aborted": self.aborted, "pending": self.pending}

    def summary(self) -> str:
        text = (f"{self.total} runs: {self.succeeded} succeeded, {self.running} running, {self.failed} failed, "
                f"{self.pending - self.retrying} pending")
        if self.retrying:
            text += f", {self.retrying} waiting for a retry"
        if self.aborted:
            text += f", {self.aborted} aborted"
        return f"{text}; status {self.status}"


# Names kept for callers written against the first version of this package.
Launch = LaunchRun
Recover = RecoverRun
