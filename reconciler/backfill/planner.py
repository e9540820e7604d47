"""Progressive backfill planning (pure): from the desired range and the runs observed so far, decide
what this apply launches or recovers. No I/O, no clock: ``now`` is an argument.

Rules, in this order:
- Runs are matched by deterministic name; a name already observed is never launched again, so a
  crash between CreateExecution and the next observation duplicates nothing.
- At most ``parallelism`` runs of the backfill are in flight (any non-terminal phase, UNDEFINED
  included, and unfinished runs outside the range too); new launches and recoveries share the
  free slots and are taken in kickoff order.
- ``order: serial``: nothing starts while any run is in flight, and the next instant starts only
  when every earlier one is settled — succeeded, or (with ``continue``/exhausted ``retry``) failed
  and skipped. So with ``stop`` serial means "each after the previous succeeded".
- ``onFailure: stop``: once any in-range run failed, timed out or was aborted, nothing more is
  launched (status ``stopped``; runs in flight finish on their own).
  ``continue``: failed instants are skipped. ``retry``: a failed or timed-out run is recovered
  (RecoverExecution from its latest attempt, named ``<base>-r<n>``) while its attempts are below
  ``maxRetries``; once exhausted it is skipped as with ``continue`` (one persistently failing day
  should not hold back the rest; the final status ``failed`` still names the outcome).
  ABORTED runs are never recovered: someone stopped them on purpose.
- With ``now``, kickoffs later than ``now`` are not due and are not launched (a backfill never runs
  an instant before its time; the live schedule may still own it). ``now=None``: all are due.
- Unfinished runs whose instant left the range are listed in ``outside_range``; whether to
  terminate them is the caller's decision (prune), never the planner's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reconciler.backfill.model import (
    BackfillPlan,
    BackfillSpec,
    FailedRun,
    LaunchRun,
    RecoverRun,
    RunState,
    Status,
)
from reconciler.backfill.names import inputs_digest, labels, retry_name, run_name_pattern
from reconciler.backfill.progress import Slot, observe
from reconciler.backfill.schedule import kickoff_times
from reconciler.errors import PlanError


def kickoff_value(kickoff: dt.datetime) -> str:
    """The plain value given to the kickoff input: ISO 8601 UTC with ``Z``."""
    return kickoff.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _refuse_edited_inputs(spec: BackfillSpec, runs: Sequence[RunState]) -> None:
    wanted = inputs_digest(spec.inputs)
    pattern = run_name_pattern(spec.address)
    changed = sorted(r.name for r in runs if pattern.match(r.name) and r.inputs_digest not in (None, wanted))
    if changed:
        raise PlanError(f"the inputs changed after the backfill started ({len(changed)} runs were launched with "
                        f"other inputs, e.g. {changed[0]})",
                        hint="restore the inputs, or start a new backfill under a new metadata.name for the new inputs")


def _launch(spec: BackfillSpec, slot: Slot) -> LaunchRun:
    inputs = dict(spec.inputs)
    if spec.kickoff_input:
        inputs[spec.kickoff_input] = kickoff_value(slot.kickoff)
    return LaunchRun(name=slot.base, kickoff=slot.kickoff, inputs=inputs,
                     labels=labels(spec.address, slot.kickoff, spec.inputs))


def _recover(slot: Slot) -> RecoverRun:
    assert slot.latest is not None  # only failed slots are recovered
    return RecoverRun(original=slot.latest.name, name=retry_name(slot.base, slot.attempt + 1),
                      attempt=slot.attempt + 1, kickoff=slot.kickoff)


def _utc_now(now: dt.datetime | None) -> dt.datetime | None:
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise PlanError(f"now ({now.isoformat()}) has no time zone")
    return None if now is None else now.astimezone(dt.UTC)


def plan_backfill(desired: BackfillSpec, runs: Sequence[RunState], now: dt.datetime | None = None) -> BackfillPlan:
    """Progress of ``desired`` given the observed ``runs``, and what to launch or recover now.

    Raises PlanError when the range has more than ``max_executions`` kickoffs (raise ``maxExecutions``
    in the manifest), when the schedule cannot be read, or when runs were launched with other inputs.
    """
    spec, clock = desired, _utc_now(now)
    instants = kickoff_times(spec.schedule, spec.start, spec.end, spec.timezone, limit=spec.max_executions)
    _refuse_edited_inputs(spec, runs)
    seen = observe(spec, instants, runs)
    states = [slot.state(spec) for slot in seen.slots]
    due = [clock is None or slot.kickoff <= clock for slot in seen.slots]
    count = {state: states.count(state) for state in ("new", "running", "succeeded", "failed", "aborted", "retry")}
    outside_running = [run.name for run in seen.outside if run.in_flight]
    in_flight = count["running"] + len(outside_running)
    stopped = spec.on_failure == "stop" and (count["failed"] + count["aborted"]) > 0

    chosen: list[Slot] = []
    if not stopped:
        if spec.order == "serial":
            if in_flight == 0:
                for slot, state, is_due in zip(seen.slots, states, due, strict=True):
                    if state in ("succeeded", "failed", "aborted"):
                        continue  # settled (a failure here is a skipped one: `stop` returned above)
                    if state in ("new", "retry") and is_due:
                        chosen.append(slot)
                    break
        else:
            capacity = max(0, spec.parallelism - in_flight)
            ready = [slot for slot, state, is_due in zip(seen.slots, states, due, strict=True)
                     if state in ("new", "retry") and is_due]
            chosen = ready[:capacity]

    launch = [_launch(spec, slot) for slot in chosen if slot.latest is None]
    recover = [_recover(slot) for slot in chosen if slot.latest is not None]
    not_due = [slot.kickoff for slot, state, is_due in zip(seen.slots, states, due, strict=True)
               if not is_due and state in ("new", "retry")]
    pending = count["new"] + count["retry"]
    warnings = [] if instants else ["the range contains no kickoff time of the schedule; nothing to run"]

    status: Status
    if count["succeeded"] == len(instants):
        status = "complete"
    elif stopped:
        status = "stopped"
    elif count["running"] or chosen:
        status = "running"
    elif pending == 0:
        status = "failed"  # everything settled and not all succeeded
    else:
        status = "pending"
    failures = [FailedRun(slot.latest.name, slot.latest.phase, slot.kickoff, slot.latest.error)
                for slot, state in zip(seen.slots, states, strict=True) if state == "failed" and slot.latest]
    return BackfillPlan(
        failures=failures,
        total=len(instants), succeeded=count["succeeded"], running=count["running"], failed=count["failed"],
        aborted=count["aborted"], pending=pending, retrying=count["retry"],
        not_due=len(not_due), launch=launch, recover=recover,
        outside_range=outside_running, ignored=seen.ignored, status=status,
        next_due=min(not_due) if not_due else None, warnings=warnings)
