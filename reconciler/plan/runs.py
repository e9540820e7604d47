"""Plan Runs (pure): desired runs + their observed executions → launch / terminate actions and status.

Desired body (built by ``reconciler.admin.runs.desired_runs``)::

    {"generation": int, "onChange": "ignore" | "relaunch", "terminatePrevious": bool, "specDigest": str,
     "entity": {"type": "launch_plan" | "task", "project", "domain", "name", "version"},
     "via": "launchPlan" | "workflow" | "task", "inputs": {...}, "overrides": {...}}
    payload: {"spec": <ExecutionSpec, base64>, "inputs": <LiteralMap, base64>}

Actual body (``reconciler.admin.runs.observe_runs``)::

    {"executions": [{"name", "generation": int, "phase", "specDigest", "error": {"kind", "code", "message"}
                     | None}, …]}   (sorted by name)

Exactly once: the execution of a generation has a fixed name (``run_names``); it is launched only when no
execution of that name was observed, and Admin's ALREADY_EXISTS covers a concurrent apply. A finished run
is never launched again unless ``generation`` is bumped, or the spec is edited under ``onChange: relaunch``.
"""

from __future__ import annotations

from typing import Any

from reconciler.model.address import Address
from reconciler.model.state import Resource, State
from reconciler.plan.actions import LaunchRun, TerminateRun
from reconciler.plan.model import Unmanaged
from reconciler.plan.options import PlanOptions
from reconciler.plan.result import KindPlan
from reconciler.plan.run_names import changed_name, execution_name

SUCCEEDED = "SUCCEEDED"
FAILED_PHASES = frozenset({"FAILED", "TIMED_OUT"})
ABORTED = "ABORTED"
ABORTING = "ABORTING"
TERMINAL = FAILED_PHASES | {SUCCEEDED, ABORTED}


def status_of(phase: str | None) -> str:
    """``pending`` (not launched yet), ``running``, ``succeeded``, ``failed`` or ``aborted``."""
    if phase is None:
        return "pending"
    if phase == SUCCEEDED:
        return "succeeded"
    if phase in FAILED_PHASES:
        return "failed"
    return "aborted" if phase == ABORTED else "running"


def _stoppable(execution: dict[str, Any]) -> bool:
    """Unfinished and not already being aborted (terminating it again would never settle the plan)."""
    return execution["phase"] not in TERMINAL and execution["phase"] != ABORTING


def describe_entity(entity: dict[str, Any], via: str) -> str:
    kind = {"launchPlan": "launch plan", "workflow": "workflow", "task": "task"}[via]
    return f"{kind} {entity['name']}@{entity['version']}"


def _target(want: Resource, mine: list[dict[str, Any]]) -> tuple[str, dict[str, Any] | None, str | None]:
    """The execution this generation should have, the observed one if any, and a warning."""
    body = want.body
    base = execution_name(want.address, body["generation"])
    if body["onChange"] == "relaunch" and mine:
        matching = [e for e in mine if e["specDigest"] == body["specDigest"]]
        if matching:  # this very spec ran already (perhaps before an edit that was reverted since)
            return matching[-1]["name"], matching[-1], None
        return changed_name(base, body["specDigest"]), None, None
    current = next((e for e in mine if e["name"] == base), mine[-1] if mine else None)
    warning = None
    if current is not None and current["specDigest"] != body["specDigest"]:
        warning = (f"{want.address}: the spec changed after generation {body['generation']} was launched "
                   f"({current['name']}); the change is ignored (onChange: ignore); bump spec.generation to "
                   "launch it, or set onChange: relaunch")
    return (current["name"] if current else base), current, warning


def _launch(want: Resource, name: str) -> LaunchRun:
    parsed = Address.parse(want.address)
    body, payload = want.body, want.payload or {}
    entity = dict(body["entity"])
    return LaunchRun(
        address=want.address,
        reason=f"generation {body['generation']}: launch {describe_entity(entity, body['via'])}",
        after={"execution": name, "generation": body["generation"], "entity": entity, "inputs": body["inputs"],
               "overrides": body["overrides"]},
        project=parsed.project, domain=str(parsed.domain), name=name, generation=body["generation"],
        entity=entity, spec=payload["spec"], inputs=payload["inputs"], run_label=str(parsed.name))


def _terminate(address: str, execution: dict[str, Any], reason: str, cause: str) -> TerminateRun:
    parsed = Address.parse(address)
    return TerminateRun(address=address, reason=reason, before={"execution": execution["name"],
                                                                "phase": execution["phase"]},
                        project=parsed.project, domain=str(parsed.domain), name=execution["name"], cause=cause)


def plan_runs(desired: State, actual: State, options: PlanOptions) -> tuple[KindPlan, dict[str, dict[str, Any]]]:
    out = KindPlan()
    status: dict[str, dict[str, Any]] = {}
    for want in desired.of_kind("run"):
        have = actual.get(want.address)
        executions: list[dict[str, Any]] = list(have.body["executions"]) if have else []
        generation = want.body["generation"]
        mine = [e for e in executions if e["generation"] == generation]
        name, current, warning = _target(want, mine)
        if warning:
            out.warnings.append(warning)
        actions: list[LaunchRun | TerminateRun] = []
        if current is None:
            actions.append(_launch(want, name))
        if want.body["terminatePrevious"]:
            # Also when the current execution exists already: an apply may have died between the two writes.
            for old in executions:
                if old["name"] != name and _stoppable(old):
                    actions.append(_terminate(
                        want.address, old, f"{old['name']} is superseded by {name} (terminatePrevious)",
                        f"flyte-reconciler: superseded by {name} ({want.source or want.address})"))
        phase = current["phase"] if current else None
        status[want.address] = {
            "generation": generation, "execution": name, "phase": phase, "status": status_of(phase),
            "error": current.get("error") if current else None, "launching": current is None,
            "entity": describe_entity(dict(want.body["entity"]), want.body["via"])}
        out.actions.extend(actions)
        if not actions:
            out.in_sync.append(want.address)
    for have in actual.of_kind("run"):
        if have.address in desired:
            continue
        parsed = Address.parse(have.address)
        if not options.in_scope(parsed.project, parsed.domain):
            continue
        for execution in have.body["executions"]:
            if not _stoppable(execution):
                continue  # finished (or being aborted): history, nothing to report
            pruned = options.prune.runs
            out.unmanaged.append(Unmanaged(
                address=have.address, detail=f"execution {execution['name']} ({execution['phase']}) of a Run no "
                                             "longer in the manifests", pruned=pruned))
            if pruned:
                out.actions.append(_terminate(
                    have.address, execution, "the Run is no longer in the manifests (prune: runs)",
                    f"flyte-reconciler: {have.address} was removed from the manifests (prune.runs)"))
    return out, status
