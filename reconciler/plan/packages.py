"""Plan the registration of workflow packages: one action per entity Admin does not hold yet.

Desired ``package/<p>/<d>/<name>`` bodies list the entities (``task/<name>``, ``workflow/<name>``,
``launchplan/<name>``) in registration order with a summary each; the payload carries the exact
create requests. Actual bodies give each entity's state at that version: ``absent`` (register it),
``identical`` (nothing to do) or ``different`` (an error: Admin versions are immutable, so the plan
stops before any write and shows the field difference). The code archive of a fast-registered
package is uploaded first, and only when a task of it must be registered: registered tasks point
at an archive Admin already has. Pure: no I/O.
"""

from __future__ import annotations

from reconciler.model.address import Address
from reconciler.model.state import State
from reconciler.plan.actions import RegisterPackageEntity, UploadPackageArchive
from reconciler.plan.result import KindPlan

ABSENT, IDENTICAL, DIFFERENT = "absent", "identical", "different"
_SHOWN_CHANGES = 5


def plan_packages(desired: State, actual: State) -> KindPlan:
    out = KindPlan()
    for want in desired.of_kind("package"):
        address = Address.parse(want.address)
        project, domain = address.project, str(address.domain)
        body, payload = want.body, want.payload or {}
        have = actual.get(want.address)
        states = dict(have.body["entities"]) if have is not None else {}
        version = body["version"]
        actions: list[RegisterPackageEntity] = []
        for key, summary in body["entities"].items():
            state = states.get(key, {"state": ABSENT})
            if state["state"] == DIFFERENT:
                shown = "; ".join(state.get("changes", [])[:_SHOWN_CHANGES]) or "content differs"
                out.errors.append(
                    f"{want.address}: {key} version {version!r} is already registered with different content "
                    f"({shown}); Admin versions are immutable ({want.source}: use version: auto, or a new version)")
                continue
            if state["state"] == IDENTICAL:
                continue
            kind, _, name = key.partition("/")
            actions.append(RegisterPackageEntity(
                address=want.address, reason=f"{kind} {name} is not registered at version {version}",
                after={"version": version, **summary}, entity_kind=kind, entity=name,  # type: ignore[arg-type]
                project=project, domain=domain, version=version, request=payload["requests"][key]))
        archive = body.get("archive")
        if archive and any(a.entity_kind == "task" for a in actions):
            out.actions.append(UploadPackageArchive(
                address=want.address, reason=f"the code archive of {len(actions)} new entities",
                after={"archive": archive["filename"], "md5": archive["md5"]}, project=project, domain=domain,
                filename=archive["filename"], md5=archive["md5"], path=payload["archivePath"]))
        out.actions.extend(actions)
        if not actions and not any(s.get("state") == DIFFERENT for s in states.values()):
            out.in_sync.append(want.address)
    return out
