"""Plan backfill runs (pure): desired backfills + observed runs → launch/recover actions and progress.

Desired body: {"launchPlan", "from", "to", "timezone", "parallelism", "order", "onFailure", "maxRetries",
"inputs", "maxExecutions", "schedule", "launchPlanLabels", "launchPlanAnnotations"}; actual body:
{"runs": [{"name", "phase", "inputs", "error"}]} ("error": Admin's closure.error as {"kind", "code",
"message"}, or absent). The launch plan version used is the one the manifests make desired (recorded in
each action).

Run labels: Admin stores the request's labels *instead of* the launch plan's, so every run carries the
launch plan's labels and annotations merged with the three tracking labels (a tracking label wins a key
clash, and the plan warns). The merged set must still pass Admin's label check (at most 16), so a launch
plan with too many labels is a plan error, never a refused CreateExecution.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reconciler.backfill.model import BackfillPlan, RunError
from reconciler.backfill.planner import BackfillSpec, RunState, plan_backfill
from reconciler.errors import PlanError
from reconciler.model.address import Address
from reconciler.model.state import State, launch_plan_address
from reconciler.plan.actions import LaunchExecution, RecoverExecution, TerminateExecution
from reconciler.plan.options import PlanOptions
from reconciler.plan.result import KindPlan

MAX_LABELS = 16  # Admin's label map limit, also for an execution's spec.labels (behaviour §1.2, §6.1)
MAX_SHOWN_ERRORS = 20  # per backfill in progress; the counts stay exact


def _spec(address: str, body: dict[str, Any], version: str) -> BackfillSpec:
    parsed = Address.parse(address)
    project, domain, launch_plan = parsed.project, str(parsed.domain), str(parsed.launch_plan)
    return BackfillSpec(
        address=address, project=project, domain=domain, launch_plan=launch_plan, launch_plan_version=version,
        schedule=body["schedule"], start=dt.datetime.fromisoformat(body["from"]),
        end=dt.datetime.fromisoformat(body["to"]), timezone=body.get("timezone", "UTC"),
        parallelism=body.get("parallelism", 4), order=body.get("order", "parallel"),
        on_failure=body.get("onFailure", "stop"), max_retries=body.get("maxRetries", 3),
        inputs=dict(body.get("inputs") or {}), max_executions=body.get("maxExecutions", 1000))


def _run_state(run: dict[str, Any]) -> RunState:
    error = run.get("error")
    return RunState(run["name"], run["phase"], run.get("inputs"),
                    error=RunError(error.get("kind", "UNKNOWN"), error.get("code", ""), error.get("message", ""))
                    if error else None)


def progress_of(result: BackfillPlan) -> dict[str, Any]:
    """The plan's record of one backfill: counts, status and the failed runs with Admin's error.

    ``pending`` counts instants not launched yet; failed runs that will be recovered are ``retrying``,
    not pending. ``launching``/``recovering`` are what this plan starts.
    """
    failures = [{"run": f.name, "phase": f.phase, "kickoff": f.kickoff.isoformat(),
                 "error": None if f.error is None else
                 {"kind": f.error.kind, "code": f.error.code, "message": f.error.message}}
                for f in result.failures]
    return {"total": result.total, "succeeded": result.succeeded, "running": result.running,
            "failed": result.failed, "aborted": result.aborted, "pending": result.pending - result.retrying,
            "retrying": result.retrying, "status": result.status,
            "launching": len(result.launch), "recovering": len(result.recover),
            "failures": failures[:MAX_SHOWN_ERRORS], "failures_not_shown": max(0, len(failures) - MAX_SHOWN_ERRORS)}


def run_labels(own: dict[str, str], tracking: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The launch plan's labels with the tracking labels on top, and the keys where a tracking label won."""
    clashes = sorted(key for key in tracking if key in own and own[key] != tracking[key])
    return {**own, **tracking}, clashes


def plan_backfills(desired: State, actual: State, options: PlanOptions) -> tuple[KindPlan, dict[str, dict[str, Any]]]:
    out = KindPlan()
    progress: dict[str, dict[str, Any]] = {}
    for want in desired.of_kind("backfill"):
        parsed = Address.parse(want.address)
        project, domain, launch_plan = parsed.project, str(parsed.domain), str(parsed.launch_plan)
        lp = desired.get(launch_plan_address(project, domain, launch_plan))
        if lp is None:
            out.errors.append(f"{want.address}: launch plan {launch_plan} is not declared")
            continue
        have = actual.get(want.address)
        runs = [_run_state(r) for r in (have.body["runs"] if have else [])]
        try:
            result = plan_backfill(_spec(want.address, dict(want.body), lp.body["version"]), runs)
        except PlanError as exc:
            out.errors.append(f"{want.address}: {exc}")
            continue
        progress[want.address] = progress_of(result)
        # The launch plan manifest's labels, carried on the desired backfill (the launch plan's own
        # desired body has no spec when its version is already active).
        lp_labels = dict(want.body.get("launchPlanLabels") or {})
        annotations = dict(want.body.get("launchPlanAnnotations") or {})
        for launch in result.launch:
            labels, clashes = run_labels(lp_labels, launch.labels)
            if len(labels) > MAX_LABELS:
                out.errors.append(
                    f"{want.address}: runs would carry {len(labels)} labels (launch plan {launch_plan}'s "
                    f"{len(lp_labels)} and {len(launch.labels)} tracking labels) but Flyte Admin "
                    f"refuses more than {MAX_LABELS}: remove labels from the launch plan, or backfill another one")
                break
            if clashes:
                out.warnings.append(f"{want.address}: the tracking label(s) {', '.join(clashes)} replace the launch "
                                    f"plan's label of the same key on every run")
            out.actions.append(LaunchExecution(
                address=want.address, reason=f"kickoff {launch.kickoff.isoformat()} is due ({result.summary()})",
                after={"name": launch.name, "inputs": launch.inputs}, project=project, domain=domain,
                name=launch.name, launch_plan=launch_plan, launch_plan_version=lp.body["version"],
                kickoff=launch.kickoff.isoformat(), inputs=launch.inputs, labels=labels,
                annotations=annotations))
        for recover in result.recover:
            out.actions.append(RecoverExecution(
                address=want.address, reason=f"{recover.original} failed; recovery attempt {recover.attempt}",
                after={"name": recover.name}, project=project, domain=domain, original=recover.original,
                name=recover.name))
        for name in result.outside_range:
            if options.prune.backfills:
                out.actions.append(TerminateExecution(
                    address=want.address, reason=f"{name} is outside the backfill's range (prune: backfills)",
                    before={"name": name}, project=project, domain=domain, name=name,
                    cause=f"flyte-reconciler: outside the range of {want.address} ({want.source or 'manifest'})"))
            else:
                out.warnings.append(f"{want.address}: run {name} is outside the range and still running; "
                                    "it is left alone (enable prune.backfills to terminate such runs)")
        if not out.actions or all(a.address != want.address for a in out.actions):
            out.in_sync.append(want.address)
    return out, progress
