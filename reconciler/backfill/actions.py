"""Turn a BackfillPlan into plan actions (pure): launch, recover and — only with prune — terminate.

The three action types (``LaunchExecution``, ``RecoverExecution``, ``TerminateExecution``) live in
``reconciler.plan.actions``, already members of the ``Action`` union and of the "backfill runs"
apply phase; they are re-exported here rather than defined twice, because two classes with the
same ``type`` discriminator could not share the union. ``reconciler.plan.actions`` is a leaf of
frozen pydantic values (it imports nothing of ours), so importing it keeps this package pure.
"""

from __future__ import annotations

import datetime as dt

from reconciler.backfill.model import BackfillPlan, BackfillSpec, LaunchRun, RecoverRun
from reconciler.plan.actions import LaunchExecution, RecoverExecution, TerminateExecution

__all__ = ["LaunchExecution", "RecoverExecution", "TerminateExecution", "backfill_actions", "launch_action",
           "recover_action", "terminate_action"]

BackfillAction = LaunchExecution | RecoverExecution | TerminateExecution


def launch_action(spec: BackfillSpec, run: LaunchRun, progress: str = "") -> LaunchExecution:
    """CreateExecution of ``run`` on the launch plan version the manifests make active."""
    reason = f"kickoff {run.kickoff.isoformat()} is due" + (f" ({progress})" if progress else "")
    return LaunchExecution(
        address=spec.address, reason=reason, after={"name": run.name, "inputs": run.inputs}, project=spec.project,
        domain=spec.domain, name=run.name, launch_plan=spec.launch_plan, launch_plan_version=spec.launch_plan_version,
        kickoff=run.kickoff.isoformat(), inputs=dict(run.inputs), labels=dict(run.labels))


def recover_action(spec: BackfillSpec, run: RecoverRun) -> RecoverExecution:
    """RecoverExecution of the failed ``run.original`` under the new name ``run.name``."""
    return RecoverExecution(
        address=spec.address, reason=f"{run.original} failed; recovery attempt {run.attempt} of {spec.max_retries}",
        before={"name": run.original}, after={"name": run.name}, project=spec.project, domain=spec.domain,
        original=run.original, name=run.name)


def terminate_action(spec: BackfillSpec, name: str, source: str | None = None) -> TerminateExecution:
    """TerminateExecution of an unfinished run outside the range; the cause names the manifest."""
    return TerminateExecution(
        address=spec.address, reason=f"{name} is outside the backfill's range (prune: backfills)",
        before={"name": name}, project=spec.project, domain=spec.domain, name=name,
        cause=f"flyte-reconciler: outside the range of {spec.address} ({source or 'manifest'})")


def backfill_actions(spec: BackfillSpec, plan: BackfillPlan, *, prune: bool,
                     source: str | None = None) -> tuple[list[BackfillAction], list[str]]:
    """The actions for one backfill, and warnings for what is deliberately left alone.

    Terminations come first, then launches and recoveries in kickoff order. Runs outside the range
    are terminated only when ``prune`` is enabled for backfills; until they have ended they keep
    holding parallelism slots (the planner counts them), so terminating never lets a backfill exceed
    its parallelism.
    """
    actions: list[BackfillAction] = []
    warnings: list[str] = [f"{spec.address}: {text}" for text in plan.warnings]
    for name in plan.outside_range:
        if prune:
            actions.append(terminate_action(spec, name, source))
        else:
            warnings.append(f"{spec.address}: run {name} is outside the range and still running; it is left alone "
                            "(enable prune.backfills to terminate such runs)")
    summary = plan.summary()
    # Launches and recoveries in kickoff order, as the planner chose them.
    runs: list[tuple[dt.datetime, BackfillAction]] = [(run.kickoff, launch_action(spec, run, summary))
                                                       for run in plan.launch]
    runs += [(run.kickoff or spec.start, recover_action(spec, run)) for run in plan.recover]
    actions.extend(action for _kickoff, action in sorted(runs, key=lambda pair: pair[0]))
    return actions, warnings
