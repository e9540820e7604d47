"""Simulated execution lifecycle for the embedded admin: phases without a cluster.

Real Flyte Admin leaves an execution in UNDEFINED until propeller posts events. The embedded admin has no
propeller, so each execution gets a *phase plan* when it is created: the instants at which it becomes
QUEUED, RUNNING and terminal, and whether the terminal phase is SUCCEEDED or FAILED. The phase seen by a
client is a pure function of that plan and the current time (``observe``), evaluated lazily whenever an
execution is read or listed, so the lifecycle is deterministic under an injected clock and needs no
background thread. Terminate records the instant of the abort request: ABORTING until ``abort_after_s``
has passed, then ABORTED.

Failures are decided once, at creation, by a configurable rule (``FailureRule``): a name/label regex that
always fails, and a failure probability that is deterministic per execution (a hash of seed, project,
domain and name), so the same backfill run fails the same way on every test run. Recovered executions use
their own probability (0 by default: a recovery of a transient failure succeeds) but the regex still applies.

This module is pure: no database, no gRPC, no clock of its own (callers pass ``now``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2

Phase = core_execution_pb2.WorkflowExecution.Phase
UNDEFINED = Phase.Value("UNDEFINED")
QUEUED = Phase.Value("QUEUED")
RUNNING = Phase.Value("RUNNING")
SUCCEEDED = Phase.Value("SUCCEEDED")
FAILED = Phase.Value("FAILED")
ABORTED = Phase.Value("ABORTED")
TIMED_OUT = Phase.Value("TIMED_OUT")
ABORTING = Phase.Value("ABORTING")

# FA/common/executions.go: the phases an execution never leaves.
TERMINAL_PHASES = frozenset({SUCCEEDED, FAILED, TIMED_OUT, ABORTED})
RECOVERED_MODE = execution_pb2.ExecutionMetadata.ExecutionMode.Value("RECOVERED")

DEFAULT_QUEUED_AFTER_S = 0.2
DEFAULT_RUNNING_AFTER_S = 0.5
DEFAULT_DURATION_S = 2.0
DEFAULT_ABORT_AFTER_S = 0.2


def phase_name(phase: int) -> str:
    """The enum name, as flyteadmin stores it in the ``phase`` column (and as filters compare it)."""
    return Phase.Name(phase)


@dataclass(frozen=True)
class FailureRule:
    """Which executions fail. Off by default: every execution succeeds."""

    rate: float = 0.0
    seed: int = 0
    pattern: str | None = None  # re.search on the name and on every "key=value" label
    recovered_rate: float = 0.0  # the probability used for mode RECOVERED executions

    def __post_init__(self) -> None:
        for label, value in (("failure rate", self.rate), ("recovered failure rate", self.recovered_rate)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{label} must be between 0 and 1, got {value}")
        if self.pattern is not None:
            re.compile(self.pattern)  # fail at configuration time, not on the first execution

    def fails(self, *, project: str, domain: str, name: str, labels: Mapping[str, str], mode: int) -> bool:
        if self.pattern is not None:
            regex = re.compile(self.pattern)
            if regex.search(name) or any(regex.search(f"{k}={v}") for k, v in labels.items()):
                return True
        rate = self.recovered_rate if mode == RECOVERED_MODE else self.rate
        return rate > 0.0 and _unit_hash(self.seed, project, domain, name) < rate


@dataclass(frozen=True)
class LifecycleSettings:
    """Timing of the simulated phases (seconds after creation) and the failure rule."""

    queued_after_s: float = DEFAULT_QUEUED_AFTER_S
    running_after_s: float = DEFAULT_RUNNING_AFTER_S
    duration_s: float = DEFAULT_DURATION_S  # RUNNING → terminal
    abort_after_s: float = DEFAULT_ABORT_AFTER_S  # ABORTING → ABORTED
    failure: FailureRule = field(default_factory=FailureRule)

    def __post_init__(self) -> None:
        if min(self.queued_after_s, self.running_after_s, self.duration_s, self.abort_after_s) < 0:
            raise ValueError("lifecycle delays must not be negative")
        if self.running_after_s < self.queued_after_s:
            raise ValueError("running_after_s must not be earlier than queued_after_s")


@dataclass(frozen=True)
class PhasePlan:
    """When one execution changes phase, fixed at creation (all instants are epoch seconds)."""

    created_at: float
    queued_at: float
    running_at: float
    ends_at: float
    outcome: int  # SUCCEEDED or FAILED


@dataclass(frozen=True)
class Observed:
    """The phase at some instant, when it was entered and (once running) when running started."""

    phase: int
    since: float
    started_at: float | None
    ended_at: float | None


def make_plan(settings: LifecycleSettings, *, created_at: float, project: str, domain: str, name: str,
              labels: Mapping[str, str], mode: int) -> PhasePlan:
    failed = settings.failure.fails(project=project, domain=domain, name=name, labels=labels, mode=mode)
    running_at = created_at + settings.running_after_s
    return PhasePlan(created_at=created_at, queued_at=created_at + settings.queued_after_s,
                     running_at=running_at, ends_at=running_at + settings.duration_s,
                     outcome=FAILED if failed else SUCCEEDED)


def failed_at_creation(created_at: float) -> PhasePlan:
    """The plan of an execution Admin stored FAILED when it was created (no reachable cluster)."""
    return PhasePlan(created_at=created_at, queued_at=created_at, running_at=created_at, ends_at=created_at,
                     outcome=FAILED)


def observe(plan: PhasePlan, now: float, *, abort_requested_at: float | None = None,
            abort_after_s: float = DEFAULT_ABORT_AFTER_S) -> Observed:
    """The phase of an execution with ``plan`` at ``now``; an abort request overrides the plan from then."""
    if abort_requested_at is not None:
        before = observe(plan, abort_requested_at)
        started = before.started_at
        done_at = abort_requested_at + abort_after_s
        if now >= done_at:
            return Observed(ABORTED, done_at, started, done_at)
        return Observed(ABORTING, abort_requested_at, started, None)
    if now < plan.queued_at:
        return Observed(UNDEFINED, plan.created_at, None, None)
    if now < plan.running_at:
        return Observed(QUEUED, plan.queued_at, None, None)
    if now < plan.ends_at:
        return Observed(RUNNING, plan.running_at, plan.running_at, None)
    return Observed(plan.outcome, plan.ends_at, plan.running_at, plan.ends_at)


def _unit_hash(seed: int, project: str, domain: str, name: str) -> float:
    """A number in [0, 1) fixed by the seed and the execution id (stable across processes, unlike hash())."""
    digest = hashlib.sha256(f"{seed}:{project}:{domain}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
