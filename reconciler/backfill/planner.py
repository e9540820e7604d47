"""Progressive backfill planning (pure): from the desired range and the runs observed so far, decide
what this apply launches or recovers.

At most ``parallelism`` runs are in flight; with ``order: serial`` the next instant starts only
when every earlier one succeeded. ``onFailure``: ``stop`` launches nothing more once a run failed;
``continue`` goes on; ``retry`` recovers a failed run (RecoverExecution) up to ``maxRetries`` times,
then behaves as ``continue``. A name already observed is never launched again.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from reconciler.backfill.names import execution_name, inputs_digest, labels, retry_name
from reconciler.backfill.schedule import kickoff_times
from reconciler.errors import PlanError

SUCCEEDED = "SUCCEEDED"
FAILED_PHASES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
TERMINAL = FAILED_PHASES | {SUCCEEDED}


@dataclass(frozen=True)
class BackfillSpec:
    address: str
    project: str
    domain: str
    launch_plan: str
    launch_plan_version: str
    schedule: dict[str, Any]
    start: dt.datetime
    end: dt.datetime
    timezone: str = "UTC"
    parallelism: int = 4
    order: str = "parallel"
    on_failure: str = "stop"
    max_retries: int = 3
    inputs: dict[str, Any] = field(default_factory=dict)
    max_executions: int = 1000

    @property
    def kickoff_input(self) -> str | None:
        return self.schedule.get("kickoffTimeInput")


@dataclass(frozen=True)
class RunState:
    name: str
    phase: str
    inputs_digest: str | None = None  # the label recorded at launch (None: unknown)


@dataclass(frozen=True)
class Launch:
    name: str
    kickoff: dt.datetime
    inputs: dict[str, Any]
    labels: dict[str, str]


@dataclass(frozen=True)
class Recover:
    original: str
    name: str
    attempt: int


@dataclass
class BackfillPlan:
    total: int = 0
    succeeded: int = 0
    running: int = 0
    failed: int = 0
    pending: int = 0
    launch: list[Launch] = field(default_factory=list)
    recover: list[Recover] = field(default_factory=list)
    outside_range: list[str] = field(default_factory=list)  # unfinished runs no longer in the range
    status: str = "pending"

    def summary(self) -> str:
        return (f"{self.total} runs: {self.succeeded} succeeded, {self.running} running, {self.failed} failed, "
                f"{self.pending} pending; status {self.status}")


def plan_backfill(spec: BackfillSpec, runs: list[RunState]) -> BackfillPlan:
    instants = kickoff_times(spec.schedule, spec.start, spec.end, spec.timezone, limit=spec.max_executions)
    wanted = inputs_digest(spec.inputs)
    changed = sorted(r.name for r in runs if r.inputs_digest not in (None, wanted))
    if changed:
        raise PlanError(f"the inputs changed after the backfill started ({len(changed)} runs were launched with "
                        "other inputs, e.g. " + changed[0] + ")",
                        hint="restore the inputs, or start a new backfill under a new metadata.name for the new inputs")
    by_name = {r.name: r.phase for r in runs}
    in_range = {execution_name(spec.address, k) for k in instants}
    plan = BackfillPlan(total=len(instants))
    in_flight = 0
    blocked = False  # serial order, or a stop after a failure
    slots: list[Launch | Recover] = []
    for kickoff in instants:
        base = execution_name(spec.address, kickoff)
        attempt, phase = 0, by_name.get(base)
        while phase in FAILED_PHASES and retry_name(base, attempt + 1) in by_name:
            attempt += 1
            phase = by_name[retry_name(base, attempt)]
        if phase is None:
            plan.pending += 1
            inputs = dict(spec.inputs)
            if spec.kickoff_input:
                inputs[spec.kickoff_input] = kickoff.isoformat().replace("+00:00", "Z")
            slots.append(Launch(name=base, kickoff=kickoff, inputs=inputs,
                                labels=labels(spec.address, kickoff, spec.inputs)))
            continue
        if phase == SUCCEEDED:
            plan.succeeded += 1
        elif phase in FAILED_PHASES:
            if spec.on_failure == "retry" and attempt < spec.max_retries:
                failed_name = base if attempt == 0 else retry_name(base, attempt)
                slots.append(Recover(original=failed_name, name=retry_name(base, attempt + 1), attempt=attempt + 1))
                plan.pending += 1
            else:
                plan.failed += 1
        else:
            plan.running += 1
            in_flight += 1
    for run in runs:
        base = run.name.rsplit("-r", 1)[0] if re.search(r"-r\d+$", run.name) else run.name
        if base not in in_range and run.phase not in TERMINAL:
            plan.outside_range.append(run.name)
    stop = plan.failed > 0 and spec.on_failure == "stop"
    capacity = max(0, spec.parallelism - in_flight)
    for slot in slots:
        if stop or capacity == 0:
            break
        if spec.order == "serial" and (in_flight or blocked):
            break
        if isinstance(slot, Recover):
            plan.recover.append(slot)
        else:
            plan.launch.append(slot)
        capacity -= 1
        in_flight += 1
        blocked = spec.order == "serial"
    if plan.succeeded == plan.total:
        plan.status = "complete"
    elif stop:
        plan.status = "stopped"
    elif plan.pending == 0 and plan.running == 0:
        plan.status = "failed" if plan.failed else "complete"
    else:
        plan.status = "running" if (plan.running or plan.launch or plan.recover) else "pending"
    return plan
