"""Checks across documents: duplicate addresses, references, scope, domains, and warnings.

Runs after every document validated on its own; appends errors to the run's problem list and
returns warnings (severity "warning", never fatal). Pure: no files, no network.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from reconciler.backfill.schedule import kickoff_times
from reconciler.errors import ManifestProblem, PlanError
from reconciler.manifests.config import RunConfig
from reconciler.manifests.models import ATTRIBUTE_KEYS
from reconciler.manifests.quantity import parse_quantity
from reconciler.model.address import Address, launch_plan_address

RESOURCE_NAMES = ("cpu", "gpu", "memory", "storage", "ephemeralStorage")


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
        addresses = [doc.address] if doc.address else []  # no address: its metadata problem is reported below
        if doc.kind == "Attributes" and doc.address:
            spec = doc.model.spec
            level = Address.parse(doc.address)
            addresses = [str(dataclasses.replace(level, attr_type=t))
                         for key, t in ATTRIBUTE_KEYS.items() if getattr(spec, key) is not None]
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
        if doc.kind == "LaunchPlan":
            warnings += _launch_plan_checks(doc, domains, problems)
        if doc.kind == "Attributes" and doc.model.spec.taskResources is not None:
            _limits_cover_defaults(doc, problems)
        if doc.kind == "Backfill" and doc.model.spec.from_ >= doc.model.spec.to:
            spec = doc.model.spec
            problems.append(_problem(doc, ("spec", "to"), "spec.to", f"to ({spec.to.isoformat()}) is not after from "
                                     f"({spec.from_.isoformat()})", "from is inclusive, to exclusive: from < to"))
        if doc.kind == "Backfill":
            lp_address = launch_plan_address(meta.project, meta.domain, doc.model.spec.launchPlan)
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
                problems.append(_problem(doc, ("spec", "inputs", fixed[0]), "spec.inputs",
                                         f"{', '.join(fixed)} are fixed inputs of {lp.address} and cannot be "
                                         "overridden", "only default inputs"))
            if lp.model.spec.schedule is not None and doc.model.spec.from_ < doc.model.spec.to:
                _backfill_size(doc, lp, problems)
            kickoff = lp.model.spec.schedule.kickoffTimeInput if lp.model.spec.schedule else None
            if kickoff and kickoff in doc.model.spec.inputs:
                problems.append(_problem(doc, ("spec", "inputs", kickoff), f"spec.inputs.{kickoff}",
                                         f"{kickoff!r} is the kickoff input of {lp.address}; each run sets it to "
                                         "its scheduled time", "leave it out of the backfill inputs"))
    return warnings


def _backfill_size(doc: Any, lp: Any, problems: list[ManifestProblem]) -> None:
    """Count the kickoff times offline (stopping at maxExecutions + 1), so an absurd range is refused
    here, with its line, before anything is contacted."""
    spec = doc.model.spec
    schedule = lp.model.spec.schedule.model_dump(mode="json", exclude_none=True)
    try:
        kickoff_times(schedule, spec.from_, spec.to, spec.timezone, limit=spec.maxExecutions)
    except PlanError as exc:
        problems.append(_problem(doc, ("spec", "to"), "spec.to", exc.message,
                                 "a narrower from/to, or a larger spec.maxExecutions (at most 100000)"))


def _limits_cover_defaults(doc: Any, problems: list[ManifestProblem]) -> None:
    resources = doc.model.spec.taskResources
    if resources.defaults is None or resources.limits is None:
        return
    for name in RESOURCE_NAMES:
        default, limit = getattr(resources.defaults, name), getattr(resources.limits, name)
        if default is not None and limit is not None and parse_quantity(limit) < parse_quantity(default):
            path = ("spec", "taskResources", "limits", name)
            problems.append(_problem(doc, path, ".".join(path), f"limit {limit} is lower than defaults.{name} "
                                     f"{default}", "a limit at least as large as its default"))


def _launch_plan_checks(doc: Any, domains: set[str], problems: list[ManifestProblem]) -> list[ManifestProblem]:
    spec = doc.model.spec
    for name in sorted(set(spec.fixedInputs) & set(spec.defaultInputs)):
        problems.append(_problem(doc, ("spec", "defaultInputs", name), f"spec.defaultInputs.{name}",
                                 f"{name!r} is also a fixed input; Admin accepts this, but every execution of "
                                 "the launch plan would then fail", "each input in fixedInputs or defaultInputs"))
    kickoff = spec.schedule.kickoffTimeInput if spec.schedule else None
    if kickoff and kickoff in spec.fixedInputs:
        problems.append(_problem(doc, ("spec", "schedule", "kickoffTimeInput"), "spec.schedule.kickoffTimeInput",
                                 f"kickoff input {kickoff!r} is a fixed input; the scheduler sets it on every run",
                                 "a free input (not in fixedInputs)"))
    if spec.workflow.domain is not None and spec.workflow.domain not in domains:
        problems.append(_problem(doc, ("spec", "workflow", "domain"), "spec.workflow.domain",
                                 f"unknown domain {spec.workflow.domain!r}", f"one of: {', '.join(sorted(domains))}"))
    schedule = spec.schedule
    if schedule is not None and schedule.rate is not None and schedule.kickoffTimeInput:
        # flytescheduler's executor binds the kickoff input only when the schedule has a cron expression.
        return [_problem(doc, ("spec", "schedule", "kickoffTimeInput"), "spec.schedule.kickoffTimeInput",
                         "Flyte's native scheduler sets the kickoff input only for cron schedules, so fixed-rate "
                         "runs leave it unset", "a cron schedule, or a default for that input", severity="warning")]
    return []
