"""Plan launch plans: register the desired version, make exactly it active (or none), repair races.

Launch plan versions are immutable; the desired version is content-addressed (or pinned), so
"in sync" means: the desired version is registered and the active set is exactly {it} (or empty
for ``active: false``). Two concurrent activations can leave two versions active: every active
version other than the desired one is deactivated explicitly. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from reconciler.model.address import Address
from reconciler.model.state import Resource, State
from reconciler.plan.actions import (
    ActivateLaunchPlan,
    DeactivateLaunchPlan,
    RegisterLaunchPlan,
    UpdateMetadata,
)
from reconciler.plan.diff import diff_bodies
from reconciler.plan.model import Unmanaged
from reconciler.plan.options import PlanOptions
from reconciler.plan.result import KindPlan


def _ids(address: str) -> tuple[str, str, str]:
    parsed = Address.parse(address)
    return parsed.project, str(parsed.domain), str(parsed.name)


def _plan_one(want: Resource, have: Resource | None) -> KindPlan:
    out = KindPlan()
    project, domain, name = _ids(want.address)
    body = want.body
    version: str = body["version"]
    actual: dict[str, Any] = dict(have.body) if have else {"activeVersions": [], "versions": {}, "description": None}
    active: list[str] = list(actual.get("activeVersions", []))
    versions: dict[str, Any] = dict(actual.get("versions", {}))

    if version not in versions:
        if want.payload is None or body.get("spec") is None:
            out.errors.append(f"{want.address}: version {version} must be registered but its spec was not built")
            return out
        before_spec = versions.get(active[0]) if active else None
        out.actions.append(RegisterLaunchPlan(
            address=want.address, reason="new version" if active else "not registered in Admin",
            before=before_spec, after=body["spec"], changes=diff_bodies(before_spec, body["spec"], prefix="spec"),
            version=version, spec=want.payload["spec"],
                project=project, domain=domain, name=name,
        ))
    elif body.get("pinned") and body.get("spec") is not None and versions[version] is not None:
        changes = diff_bodies(versions[version], body["spec"], prefix="spec")
        if changes:
            fields = ", ".join(c.path for c in changes[:5])
            out.errors.append(
                f"{want.address}: pinned version {version!r} is already registered with a different spec "
                f"({fields}); launch plan versions are immutable: change `version:` or remove the pin"
            )
            return out

    others = [v for v in active if v != version]
    if body["active"]:
        if version not in active:
            out.actions.append(ActivateLaunchPlan(
                address=want.address, reason="desired version is not active",
                before={"activeVersions": active}, after={"activeVersions": [version]}, version=version,
                project=project, domain=domain, name=name,
            ))
            # Admin deactivates the previously active version itself; with several active (left by a
            # race) it picks one arbitrarily, so deactivate them all explicitly (idempotent).
            leftovers = [] if len(others) <= 1 else others
        else:
            leftovers = others
        for extra in leftovers:
            out.actions.append(DeactivateLaunchPlan(
                address=want.address,
                reason=f"more than one version active; only {version} should be",
                before={"activeVersions": active}, after={"activeVersions": [version]}, version=extra,
                project=project, domain=domain, name=name,
            ))
    else:
        for extra in active:
            out.actions.append(DeactivateLaunchPlan(
                address=want.address, reason="manifest sets active: false",
                before={"activeVersions": active}, after={"activeVersions": []}, version=extra,
                project=project, domain=domain, name=name,
            ))

    description = body.get("description")
    if description and description != actual.get("description"):
        out.actions.append(UpdateMetadata(
            address=want.address, reason="launch plan description differs",
            before={"description": actual.get("description")}, after={"description": description},
            changes=diff_bodies({"description": actual.get("description")}, {"description": description}),
            resource_type="launch_plan", description=description, state="active",
                project=project, domain=domain, name=name,
        ))
    if not out.actions and not out.errors:
        out.in_sync.append(want.address)
    return out


def plan_launch_plans(desired: State, actual: State, options: PlanOptions) -> KindPlan:
    out = KindPlan()
    for want in desired.of_kind("launchplan"):
        out.extend(_plan_one(want, actual.get(want.address)))
    for have in actual.of_kind("launchplan"):
        project, domain, name = _ids(have.address)
        active = list(have.body.get("activeVersions", []))
        if have.address in desired or not active or not options.in_scope(project, domain):
            continue
        pruned = options.prune.launch_plans
        out.unmanaged.append(Unmanaged(
            address=have.address, pruned=pruned,
            detail=f"active launch plan (version {', '.join(active)}) not in manifests",
        ))
        if pruned:
            for version in active:
                out.actions.append(DeactivateLaunchPlan(
                    address=have.address, reason="not in manifests (prune: launchPlans)",
                    before={"activeVersions": active}, after={"activeVersions": []},
                    project=project, domain=domain, name=name, version=version,
                ))
    return out
