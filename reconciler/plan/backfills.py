"""Plan backfill runs (pure): desired backfills + observed runs → launch/recover actions and progress.

Desired body: {"launchPlan", "from", "to", "timezone", "parallelism", "order", "onFailure", "maxRetries",
"inputs", "maxExecutions", "schedule"}; actual body: {"runs": [{"name", "phase"}]}. The launch plan
version used is the one the manifests make desired (recorded in each action).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reconciler.backfill.planner import BackfillSpec, RunState, plan_backfill
from reconciler.errors import PlanError
from reconciler.model.address import Address
from reconciler.model.state import State, launch_plan_address
from reconciler.plan.actions import LaunchExecution, RecoverExecution, TerminateExecution
from reconciler.plan.options import PlanOptions
from reconciler.plan.result import KindPlan


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
        runs = [RunState(r["name"], r["phase"], r.get("inputs")) for r in (have.body["runs"] if have else [])]
        try:
            result = plan_backfill(_spec(want.address, dict(want.body), lp.body["version"]), runs)
        except PlanError as exc:
            out.errors.append(f"{want.address}: {exc}")
            continue
        progress[want.address] = {"total": result.total, "succeeded": result.succeeded, "running": result.running,
                                  "failed": result.failed, "pending": result.pending, "status": result.status,
                                  "launching": len(result.launch) + len(result.recover)}
        for launch in result.launch:
            out.actions.append(LaunchExecution(
                address=want.address, reason=f"kickoff {launch.kickoff.isoformat()} is due ({result.summary()})",
                after={"name": launch.name, "inputs": launch.inputs}, project=project, domain=domain,
                name=launch.name, launch_plan=launch_plan, launch_plan_version=lp.body["version"],
                kickoff=launch.kickoff.isoformat(), inputs=launch.inputs, labels=launch.labels))
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
