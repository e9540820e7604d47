"""Plan named-entity metadata of registered workflows (pure).

Admin stores a description and an archived state per workflow name; both are written together by
UpdateNamedEntity. The workflow itself must be registered (that is pyflyte's job, not ours).
"""

from __future__ import annotations

from reconciler.model.address import Address
from reconciler.model.state import State
from reconciler.plan.actions import UpdateMetadata
from reconciler.plan.diff import diff_bodies
from reconciler.plan.result import KindPlan


def plan_workflow_metadata(desired: State, actual: State) -> KindPlan:
    out = KindPlan()
    for want in desired.of_kind("workflow"):
        address = Address.parse(want.address)
        project, domain, name = address.project, str(address.domain), str(address.name)
        have = actual.get(want.address)
        if have is None:
            out.errors.append(
                f"{want.address}: workflow {name!r} is not registered in {project}/{domain}"
                f"{' (declared at ' + want.source + ')' if want.source else ''}; "
                "register it (pyflyte register) before managing its metadata"
            )
            continue
        body = dict(want.body)
        if not body.get("description") and have.body.get("description"):
            # UpdateNamedEntity skips an empty description: it cannot be cleared.
            body["description"] = have.body["description"]
            out.warnings.append(f"{want.address}: Admin cannot clear a workflow description; the live one stays")
        changes = diff_bodies(dict(have.body), body)
        if not changes:
            out.in_sync.append(want.address)
            continue
        out.actions.append(UpdateMetadata(
            address=want.address, reason="workflow metadata differs from manifest",
            before=dict(have.body), after=body, changes=changes, resource_type="workflow",
            project=project, domain=domain, name=name,
            description=body["description"], state=body["state"],
        ))
    return out
