"""Plan projects: register missing ones, update changed ones, archive last (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.model.address import Address, project_address
from reconciler.model.state import State
from reconciler.plan.actions import Action, ArchiveProject, CreateProject, UpdateProject
from reconciler.plan.diff import diff_bodies
from reconciler.plan.model import Unmanaged
from reconciler.plan.options import PlanOptions
from reconciler.plan.result import KindPlan


def _effective(desired: Mapping[str, Any], actual: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Admin cannot clear a project's description (UpdateProject skips empty strings): keep the live one."""
    body = dict(desired)
    warnings = []
    if not body.get("description") and actual.get("description"):
        body["description"] = actual["description"]
        warnings.append(
            f"{project_address(body['id'])}: Admin cannot clear a project description; "
            "the live one stays (set a new text to change it)"
        )
    return body, warnings


def plan_projects(desired: State, actual: State, options: PlanOptions) -> KindPlan:
    out = KindPlan()
    for want in desired.of_kind("project"):
        have = actual.get(want.address)
        if have is None:
            out.actions.append(CreateProject(address=want.address, reason="not registered in Admin",
                                             after=dict(want.body)))
            continue
        body, warnings = _effective(want.body, have.body)
        out.warnings.extend(warnings)
        changes = diff_bodies(dict(have.body), body)
        if not changes:
            out.in_sync.append(want.address)
        elif body["state"] == "archived" and have.body["state"] != "archived":
            out.actions.append(ArchiveProject(address=want.address, reason="manifest sets state: archived",
                                              before=dict(have.body), after=body, changes=changes))
        else:
            out.actions.append(UpdateProject(address=want.address, reason="live project differs from manifest",
                                             before=dict(have.body), after=body, changes=changes))
    for have in actual.of_kind("project"):
        if have.address in desired or not options.in_scope(have.body["id"]):
            continue
        if have.body.get("state") == "archived":
            continue
        pruned = options.prune.projects
        out.unmanaged.append(Unmanaged(address=have.address, detail="project in scope but not in manifests",
                                       pruned=pruned))
        if pruned:
            after = {**have.body, "state": "archived"}
            out.actions.append(ArchiveProject(address=have.address, reason="not in manifests (prune: projects)",
                                              before=dict(have.body), after=after,
                                              changes=diff_bodies(dict(have.body), after)))
    return out




# Writes Admin refuses in a project that is not active ("project [p] is not active", behaviour §1.7, §9.8);
# activation, metadata and terminations are not gated.
GATED_BY_PROJECT_STATE = frozenset({"register_launch_plan", "update_attributes", "delete_attributes",
                                    "launch_execution", "recover_execution", "register_package_entity"})
_SHOWN = 5


def writes_into_inactive_projects(desired: State, actual: State, actions: Iterable[Action]) -> list[str]:
    """One error per project that stays archived after this plan but would receive writes Admin refuses.

    A project stays archived when Admin has it archived and the manifests do not declare it active
    (the plan un-archives a project declared ``state: active`` before any other write).
    """
    blocked: dict[str, list[str]] = {}
    for action in actions:
        if action.type not in GATED_BY_PROJECT_STATE:
            continue
        project = Address.parse(action.address).project
        live = actual.get(project_address(project))
        wanted = desired.get(project_address(project))
        if live is None or live.body.get("state", "active") == "active":
            continue
        if wanted is not None and wanted.body.get("state") == "active":
            continue
        blocked.setdefault(project, []).append(action.address)
    errors = []
    for project, addresses in sorted(blocked.items()):
        unique = sorted(set(addresses))
        shown = ", ".join(unique[:_SHOWN]) + (f" and {len(unique) - _SHOWN} more" if len(unique) > _SHOWN else "")
        declared = "declared archived in the manifests" if desired.get(project_address(project)) else \
            "not declared in the manifests"
        errors.append(f"{project_address(project)} is archived in Admin ({declared}), and Admin refuses writes "
                      f"into an archived project: {shown}. Declare the project with `state: active` to "
                      f"un-archive it first, or remove these objects from the manifests")
    return errors
