"""``build_plan(desired, actual, options, …) -> Plan``: the pure heart of the tool.

It is handed two read-only ``State`` values and returns an immutable ``Plan``: no I/O, no clock,
no randomness, so the same inputs give a byte-identical plan. Destructive actions come first in
the listing (renderers), apply order is decided by the applier from ``actions.PHASES``.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler import __version__
from reconciler.errors import PlanError
from reconciler.model.state import State
from reconciler.plan.actions import phase_of
from reconciler.plan.attributes import plan_attributes
from reconciler.plan.backfills import plan_backfills
from reconciler.plan.fingerprint import fingerprints as fingerprints_of
from reconciler.plan.launchplans import plan_launch_plans
from reconciler.plan.metadata import plan_workflow_metadata
from reconciler.plan.model import Plan
from reconciler.plan.options import PlanOptions
from reconciler.plan.packages import plan_packages
from reconciler.plan.projects import plan_projects, writes_into_inactive_projects
from reconciler.plan.result import KindPlan
from reconciler.plan.runs import plan_runs


def _check_selection(options: PlanOptions, addresses: list[str]) -> None:
    unmatched = options.unmatched_globs(addresses)
    if not unmatched:
        return
    lines = []
    for option, glob, near in unmatched:
        hint = f"closest: {', '.join(near)}" if near else "no address is close"
        lines.append(f"{option} {glob!r} matches no address ({hint})")
    raise PlanError("the selection matches nothing, so the plan would say nothing about it:\n  "
                    + "\n  ".join(lines),
                    hint="fix the glob (addresses look like launchplan/<project>/<domain>/<name>; "
                         "`*` matches any characters, `/` included)")


def build_plan(
    desired: State,
    actual: State,
    options: PlanOptions,
    *,
    manifests_digest: str,
    resolved: Mapping[str, str] | None = None,
    environment: str | None = None,
    endpoint: str | None = None,
    warnings: tuple[str, ...] = (),
) -> Plan:
    result = KindPlan()
    result.extend(plan_projects(desired, actual, options))
    result.extend(plan_workflow_metadata(desired, actual))
    result.extend(plan_attributes(desired, actual, options))
    result.extend(plan_packages(desired, actual))
    result.extend(plan_launch_plans(desired, actual, options))
    backfill_plan, progress = plan_backfills(desired, actual, options)
    result.extend(backfill_plan)
    run_plan, run_status = plan_runs(desired, actual, options)
    result.extend(run_plan)
    if result.errors:
        raise PlanError("the desired state cannot be planned:\n  " + "\n  ".join(sorted(result.errors)))

    _check_selection(options, [*desired.resources, *actual.resources])
    actions = [a for a in result.actions if options.selected(a.address)]
    archived = writes_into_inactive_projects(desired, actual, actions)
    if archived:
        raise PlanError("the desired state cannot be planned:\n  " + "\n  ".join(archived))
    deletions = [a for a in actions if a.destructive]
    if len(deletions) > options.max_deletions:
        raise PlanError(
            f"the plan removes or deactivates {len(deletions)} objects, more than --max-deletions "
            f"{options.max_deletions}: " + ", ".join(sorted({a.address for a in deletions})[:20]),
            hint="review the prune settings and the manifests, or raise --max-deletions deliberately",
        )
    # Stable order: by apply phase, then address, keeping each address's own action order.
    ordered = sorted(enumerate(actions), key=lambda ia: (phase_of(ia[1].type), ia[1].address, ia[0]))
    touched = {a.address for a in actions} | {s for a in actions for s in getattr(a, "swept", ())}
    prints = fingerprints_of(actual, touched)
    return Plan(
        tool_version=__version__,
        manifests_digest=manifests_digest,
        environment=environment,
        endpoint=endpoint,
        actions=tuple(a for _, a in ordered),
        unmanaged=tuple(sorted(result.unmanaged, key=lambda u: u.address)),
        fingerprints=dict(sorted(prints.items())),
        resolved=dict(sorted((resolved or {}).items())),
        warnings=tuple(sorted(set(result.warnings) | set(warnings))),
        in_sync=tuple(sorted(set(result.in_sync))),
        backfills=progress,
        runs=run_status,
    )
