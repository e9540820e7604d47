"""Build the exact LaunchPlanSpec to register from a manifest's LaunchPlan spec and the workflow.

Inputs the manifest does not set take their defaults from the workflow's default launch plan (same
name and version, which ``pyflyte register`` creates with the Python defaults), as flytekit's
``LaunchPlan`` does; inputs with no default anywhere are sent as required, which is exactly Admin's
own augmentation, so the stored spec equals what we send. The message shape never varies for the
same manifest (Admin hashes the message: present-but-empty differs from absent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from flyteidl.admin import common_pb2, launch_plan_pb2, schedule_pb2
from flyteidl.core import execution_pb2, identifier_pb2, interface_pb2, types_pb2

from reconciler.admin.convert import launch_plan_spec_body, security_context
from reconciler.admin.literals import LiteralError, to_literal, type_name
from reconciler.errors import PlanError

_UNITS = {"minute": schedule_pb2.MINUTE, "hour": schedule_pb2.HOUR, "day": schedule_pb2.DAY}
_PHASES = {"succeeded": 4, "failed": 6, "timed_out": 8, "aborted": 7}
_TIERS = {"undefined": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class WorkflowInfo:
    id: identifier_pb2.Identifier
    interface: Any  # flyteidl.core.interface_pb2.TypedInterface
    default_launch_plan: launch_plan_pb2.LaunchPlanSpec | None = None

    @classmethod
    def detached(cls, id: identifier_pb2.Identifier, interface: Any,
                 default_launch_plan: launch_plan_pb2.LaunchPlanSpec | None = None) -> WorkflowInfo:
        """The same, holding copies: a sub-message keeps its whole parent alive (with upb, the message it
        was read from — a workflow's compiled closure, a launch plan's closure), which at thousands of
        workflows held tens of megabytes nobody reads."""
        spec = None
        if default_launch_plan is not None:
            spec = launch_plan_pb2.LaunchPlanSpec()
            spec.CopyFrom(default_launch_plan)
        copied = type(interface)()
        copied.CopyFrom(interface)
        return cls(id=identifier_pb2.Identifier(resource_type=id.resource_type, project=id.project, domain=id.domain,
                                                name=id.name, version=id.version, org=id.org),
                   interface=copied, default_launch_plan=spec)


def _literal(where: Callable[[], str], field: str, name: str, value: Any, var: Any) -> Any:
    """``where()`` words the field's location for an error (looked up only then)."""
    try:
        return to_literal(value, var.type, name)
    except LiteralError as exc:
        raise LiteralError(f"{where()}: spec.{field}.{name}: {exc}",
                           hint=f"give a value of type {type_name(var.type)}") from exc


def _schedule(spec: dict[str, Any]) -> schedule_pb2.Schedule | None:
    schedule = spec.get("schedule")
    if not schedule:
        return None
    result = schedule_pb2.Schedule(kickoff_time_input_arg=schedule.get("kickoffTimeInput") or "")
    if schedule.get("cron"):
        result.cron_schedule.CopyFrom(schedule_pb2.CronSchedule(schedule=schedule["cron"],
                                                                 offset=schedule.get("offset") or ""))
    elif schedule.get("rate"):
        rate = schedule["rate"]
        result.rate.CopyFrom(schedule_pb2.FixedRate(value=int(rate["value"]), unit=_UNITS[rate["unit"]]))
    return result


def _notifications(spec: dict[str, Any]) -> list[common_pb2.Notification]:
    notes = []
    for note in spec.get("notifications") or []:
        phases = [_PHASES[p] for p in note.get("phases", [])]
        n = common_pb2.Notification(phases=phases)
        if note.get("email"):
            n.email.CopyFrom(common_pb2.EmailNotification(recipients_email=list(note["email"])))
        elif note.get("slack"):
            n.slack.CopyFrom(common_pb2.SlackNotification(recipients_email=list(note["slack"])))
        elif note.get("pagerDuty"):
            n.pager_duty.CopyFrom(common_pb2.PagerDutyNotification(recipients_email=list(note["pagerDuty"])))
        notes.append(n)
    return notes


def _check_kickoff(where: Callable[[], str], spec: dict[str, Any], variables: Any) -> None:
    """Admin's own schedule checks (§3.1 g), made at plan time so they name the manifest field."""
    kickoff = (spec.get("schedule") or {}).get("kickoffTimeInput")
    if not kickoff:
        return
    if kickoff not in variables or kickoff in (spec.get("fixedInputs") or {}):
        raise PlanError(f"{where()}: spec.schedule.kickoffTimeInput: {kickoff!r} is not a free input of the workflow "
                        f"(its inputs: {', '.join(sorted(variables)) or 'none'}); name a datetime input that is "
                        "not in fixedInputs")
    simple = variables[kickoff].type
    if simple.WhichOneof("type") != "simple" or simple.simple != types_pb2.DATETIME:
        raise PlanError(f"{where()}: spec.schedule.kickoffTimeInput: input {kickoff!r} is a "
                        f"{type_name(simple)}, but the kickoff input must be a datetime")


def build_launch_plan_spec(address: str, spec: dict[str, Any], workflow: WorkflowInfo,
                           source: str = "", *, sources: Mapping[str, str] | None = None
                           ) -> tuple[launch_plan_pb2.LaunchPlanSpec, dict[str, Any]]:
    """Return ``(spec proto, spec body)``; raises PlanError naming the manifest field on a bad input, at the
    field's own ``file:line`` when ``sources`` has it (``"defaultInputs.limit"`` → ``"m.yaml:8"``)."""
    where = f"{address}{' (' + source + ')' if source else ''}"

    def at(path: str) -> str:
        located = (sources or {}).get(path)
        return f"{address} ({located})" if located else where
    variables = workflow.interface.inputs.variables
    fixed = spec.get("fixedInputs") or {}
    defaults = spec.get("defaultInputs") or {}
    for field, names in (("fixedInputs", fixed), ("defaultInputs", defaults)):
        for name in names:
            if name not in variables:
                known = ", ".join(sorted(variables)) or "none"
                raise PlanError(f"{at(field + '.' + name)}: spec.{field}.{name}: workflow {workflow.id.name!r} has no "
                                f"input {name!r} (its inputs: {known})")
    _check_kickoff(lambda: at("schedule.kickoffTimeInput"), spec, variables)
    base_defaults = workflow.default_launch_plan.default_inputs.parameters if workflow.default_launch_plan else {}
    result = launch_plan_pb2.LaunchPlanSpec(workflow_id=workflow.id)
    for name, value in sorted(fixed.items()):
        result.fixed_inputs.literals[name].CopyFrom(_literal(partial(at, f"fixedInputs.{name}"), "fixedInputs",
                                                             name, value, variables[name]))
    for name, var in sorted(variables.items()):
        if name in fixed:
            continue
        # The whole workflow Variable, as Admin's augmentation copies it for unbound inputs (§3.1 f).
        param = interface_pb2.Parameter(var=var)
        if name in defaults:
            param.default.CopyFrom(_literal(partial(at, f"defaultInputs.{name}"), "defaultInputs", name,
                                            defaults[name], var))
        elif name in base_defaults and base_defaults[name].HasField("default"):
            param.default.CopyFrom(base_defaults[name].default)
        else:
            param.required = True
        result.default_inputs.parameters[name].CopyFrom(param)
    result.entity_metadata.SetInParent()  # always present, as flytekit sends LaunchPlanMetadata
    schedule = _schedule(spec)
    kickoff = schedule.kickoff_time_input_arg if schedule else ""
    if schedule is not None:
        unbound = sorted(n for n, p in result.default_inputs.parameters.items() if p.required and n != kickoff)
        if unbound:
            raise PlanError(f"{at('schedule')}: spec.schedule: required input(s) {', '.join(unbound)} have no value; a "
                            "scheduled launch plan must bind every input except the kickoff input (set them in "
                            "fixedInputs or defaultInputs)")
        result.entity_metadata.schedule.CopyFrom(schedule)
    result.entity_metadata.notifications.extend(_notifications(spec))
    if spec.get("labels"):
        result.labels.values.update(spec["labels"])
    if spec.get("annotations"):
        result.annotations.values.update(spec["annotations"])
    if spec.get("serviceAccount") or spec.get("iamRole"):
        result.security_context.CopyFrom(security_context(spec))
    if spec.get("rawOutputDataPrefix"):
        result.raw_output_data_config.output_location_prefix = spec["rawOutputDataPrefix"]
    if spec.get("maxParallelism"):
        result.max_parallelism = int(spec["maxParallelism"])
    if spec.get("interruptible") is not None:
        result.interruptible.value = bool(spec["interruptible"])
    result.overwrite_cache = bool(spec.get("overwriteCache", False))
    for key, value in sorted((spec.get("envs") or {}).items()):
        result.envs.values.add(key=key, value=str(value))
    if spec.get("qualityOfService"):
        result.quality_of_service.CopyFrom(execution_pb2.QualityOfService(
            tier=_TIERS[str(spec["qualityOfService"].get("tier", "undefined")).lower()]))
    return result, launch_plan_spec_body(result)


