"""Checks across documents: duplicate addresses, references, scope, domains, and warnings."""

from __future__ import annotations

from typing import Any

from reconciler.errors import ManifestProblem
from reconciler.manifests.config import RunConfig
from reconciler.manifests.models import ATTRIBUTE_KEYS


def _problem(doc: Any, path: tuple[Any, ...], field: str, problem: str, expected: str = "",
             severity: str = "error") -> ManifestProblem:
    return ManifestProblem(doc.file, doc.line_of(path), doc.kind, doc.address, field, problem, expected, severity)


def cross_check(documents: list[Any], config: RunConfig, problems: list[ManifestProblem]) -> list[ManifestProblem]:
    """Append errors to ``problems``; return warnings."""
    warnings: list[ManifestProblem] = []
    seen: dict[str, Any] = {}
    declared_projects = {d.model.metadata.name for d in documents if d.kind == "Project"}
    known_projects = declared_projects | set(config.scope.projects)
    launch_plans = {d.address: d for d in documents if d.kind == "LaunchPlan"}
    domains = set(config.domains)

    for doc in documents:
        addresses = [doc.address]
        if doc.kind == "Attributes":
            spec = doc.model.spec
            addresses = [f"{doc.address}/{t}" for key, t in ATTRIBUTE_KEYS.items() if getattr(spec, key) is not None]
        for address in addresses:
            if address in seen:
                first = seen[address]
                problems.append(_problem(doc, (), "metadata", f"{address} is declared twice (also at {first.source})",
                                         "each object declared once"))
            else:
                seen[address] = doc
        meta = doc.model.metadata
        if doc.kind != "Project":
            if meta.project not in known_projects:
                problems.append(_problem(doc, ("metadata", "project"), "metadata.project",
                                         f"project {meta.project!r} is neither declared nor in the configured scope",
                                         "a Project manifest or scope.projects in flyte-reconciler.yaml"))
            domain = getattr(meta, "domain", None)
            if domain is not None and domain not in domains:
                problems.append(_problem(doc, ("metadata", "domain"), "metadata.domain",
                                         f"unknown domain {domain!r}", f"one of: {', '.join(config.domains)}"))
        if doc.kind == "Attributes":
            spec = doc.model.spec
            if meta.workflow and not meta.domain:
                problems.append(_problem(doc, ("metadata", "workflow"), "metadata.domain",
                                         "workflow-level attributes need a domain", "metadata.domain"))
            if spec.pluginOverrides is not None and not meta.domain:
                problems.append(_problem(doc, ("spec", "pluginOverrides"), "spec.pluginOverrides",
                                         "Flyte Admin cannot write plugin overrides at project level (its merge "
                                         "path fails with INTERNAL)", "declare them per domain"))
            tr = spec.taskResources
            if tr is not None and (tr.defaults is None) != (tr.limits is None):
                given = "defaults" if tr.defaults is not None else "limits"
                warnings.append(_problem(doc, ("spec", "taskResources"), "spec.taskResources",
                                         f"only {given} given: Admin replaces the whole task-resource value at this "
                                         "level, so the other part falls back to platform defaults",
                                         "both defaults and limits", severity="warning"))
        if doc.kind == "Backfill":
            lp_address = f"launchplan/{meta.project}/{meta.domain}/{doc.model.spec.launchPlan}"
            lp = launch_plans.get(lp_address)
            if lp is None:
                problems.append(_problem(doc, ("spec", "launchPlan"), "spec.launchPlan",
                                         f"launch plan {doc.model.spec.launchPlan!r} is not declared in "
                                         f"{meta.project}/{meta.domain}", "a LaunchPlan manifest with that name"))
                continue
            if lp.model.spec.schedule is None:
                problems.append(_problem(doc, ("spec", "launchPlan"), "spec.launchPlan",
                                         f"launch plan {lp.address} has no schedule to backfill",
                                         "a launch plan with spec.schedule"))
            fixed = sorted(set(doc.model.spec.inputs) & set(lp.model.spec.fixedInputs))
            if fixed:
                problems.append(_problem(doc, ("spec", "inputs"), "spec.inputs",
                                         f"{', '.join(fixed)} are fixed inputs of {lp.address} and cannot be "
                                         "overridden", "only default inputs"))
    return warnings
