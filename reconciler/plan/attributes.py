"""Plan matchable attributes at project, project-domain and workflow level (pure).

Admin quirks this planner must respect (flyteadmin-behaviour.md §4):
- an update replaces the whole value of one level for one type, except plugin overrides, which
  Admin *merges* by task type: dropping a task type needs a delete and a rewrite;
- deleting a project or project-domain row also deletes every narrower row of that type, so each
  delete lists the rows it sweeps along and the plan rewrites every one of them that should stay.
Values compare by meaning (``500m`` == ``0.5``; tag order is irrelevant) but writes keep the
manifest's spelling.
"""

from __future__ import annotations

from typing import Any

from reconciler.model.address import Address
from reconciler.model.state import State
from reconciler.plan.actions import DeleteAttributes, UpdateAttributes
from reconciler.plan.comparable import comparable_attribute, quantity_value
from reconciler.plan.diff import diff_bodies
from reconciler.plan.model import Unmanaged
from reconciler.plan.options import PlanOptions
from reconciler.plan.result import KindPlan


def _parts(address: str) -> tuple[str, str | None, str | None, str]:
    parsed = Address.parse(address)
    return parsed.project, parsed.domain, parsed.workflow, str(parsed.attr_type)


def _swept_by(address: str, actual: State) -> list[str]:
    """Rows Admin deletes along with ``address`` (narrower levels of the same type and project)."""
    project, domain, workflow, attr_type = _parts(address)
    if workflow is not None:
        return []
    swept = []
    for other in actual.of_kind("attributes"):
        if other.address == address:
            continue
        o_project, o_domain, o_workflow, o_type = _parts(other.address)
        if o_project != project or o_type != attr_type:
            continue
        if domain is None or (o_domain == domain and o_workflow is not None):
            swept.append(other.address)
    return swept


def _update(address: str, value: Any, before: Any, reason: str, source: str = "") -> UpdateAttributes:
    project, domain, workflow, attr_type = _parts(address)
    before_body = None if before is None else {"value": before}
    after_body = {"value": value}
    # Show only real changes: a leaf respelled to the same quantity (1Gi → 1024Mi) is not one.
    changes = tuple(
        c for c in diff_bodies(before_body, after_body)
        if not (attr_type == "task_resource" and c.op == "change"
                and quantity_value(c.old) == quantity_value(c.new))
    )
    return UpdateAttributes(
        address=address, reason=reason + (f" ({source})" if source else ""),
        before=before_body, after=after_body, changes=changes,
        project=project, domain=domain, workflow=workflow, attr_type=attr_type, value=value,
    )


def _delete(address: str, before: Any, reason: str, swept: list[str]) -> DeleteAttributes:
    project, domain, workflow, attr_type = _parts(address)
    return DeleteAttributes(
        address=address, reason=reason, before={"value": before}, after=None,
        project=project, domain=domain, workflow=workflow, attr_type=attr_type, swept=tuple(swept),
    )


def _dropped_task_types(want: Any, have: Any) -> list[str]:
    wanted = {o.get("taskType") for o in want or []}
    return sorted({o.get("taskType") for o in have or []} - wanted)


def plan_attributes(desired: State, actual: State, options: PlanOptions) -> KindPlan:
    out = KindPlan()
    updates: dict[str, UpdateAttributes] = {}
    deletes: dict[str, DeleteAttributes] = {}

    for want in desired.of_kind("attributes"):
        project, domain, _wf, attr_type = _parts(want.address)
        value = want.body["value"]
        if attr_type == "plugin_override" and domain is None:
            out.errors.append(
                f"{want.address}: Admin cannot write plugin overrides at project level (its merge path fails "
                f"with INTERNAL); declare them per domain{' at ' + want.source if want.source else ''}"
            )
            continue
        have = actual.get(want.address)
        if have is None:
            updates[want.address] = _update(want.address, value, None, "not set in Admin")
            continue
        live = have.body["value"]
        if comparable_attribute(attr_type, live) == comparable_attribute(attr_type, value):
            out.in_sync.append(want.address)
            continue
        dropped = _dropped_task_types(value, live) if attr_type == "plugin_override" else []
        if dropped:
            reason = (f"plugin overrides for {', '.join(dropped)} removed; Admin merges overrides by task "
                      "type, so the row is deleted and rewritten")
            deletes[want.address] = _delete(want.address, live, reason, _swept_by(want.address, actual))
        updates[want.address] = _update(want.address, value, live, "live value differs from manifest")

    for have in actual.of_kind("attributes"):
        project, domain, _workflow, _type = _parts(have.address)
        if have.address in desired or not options.in_scope(project, domain):
            continue
        pruned = options.prune.attributes
        out.unmanaged.append(Unmanaged(address=have.address, pruned=pruned,
                                       detail="attribute row in scope but not in manifests"))
        if pruned:
            deletes[have.address] = _delete(have.address, have.body["value"], "not in manifests (prune: attributes)",
                                            _swept_by(have.address, actual))

    # Every row a delete sweeps along is rewritten unless it is itself being deleted: desired rows
    # with their manifest value, unmanaged rows (prune off) with their live value.
    for delete in deletes.values():
        for swept in delete.swept:
            if swept in deletes or swept in updates:
                continue
            wanted = desired.get(swept)
            live = actual.get(swept)
            value = wanted.body["value"] if wanted else live.body["value"] if live else None
            updates[swept] = _update(swept, value, None, f"restore after {delete.address} is deleted "
                                     "(Admin deletes narrower rows of the same type with it)")
            if swept in out.in_sync:
                out.in_sync.remove(swept)

    out.actions.extend(deletes[a] for a in sorted(deletes))
    out.actions.extend(updates[a] for a in sorted(updates))
    return out


