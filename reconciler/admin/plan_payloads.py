"""The serialized payloads of a saved plan are the objects it shows (the check that needs protobuf).

A ``register_launch_plan`` action sends ``spec`` (a serialized LaunchPlanSpec in base64) and shows
``after`` (that spec's readable body). Both come from one message at plan time; here the payload is
decoded and converted with the same function that made ``after`` (``launch_plan_spec_body``), and
any difference refuses the plan: what a reviewer read is what Admin will be sent. No I/O.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from google.protobuf.json_format import ParseDict, ParseError
from google.protobuf.message import DecodeError
from pydantic_core import to_jsonable_python

from reconciler.admin.convert import launch_plan_spec_body
from reconciler.admin.packages import Entity, summary
from reconciler.model.address import Address
from reconciler.plan import actions as A
from reconciler.plan.model import Plan


def _decoded(spec: str | dict[str, Any]) -> launch_plan_pb2.LaunchPlanSpec:
    if isinstance(spec, str):
        return launch_plan_pb2.LaunchPlanSpec.FromString(base64.b64decode(spec, validate=True))
    return ParseDict(spec, launch_plan_pb2.LaunchPlanSpec())


def payload_problems(plan: Plan) -> list[str]:
    """Every register action whose payload is not the spec it shows (empty: all agree)."""
    from reconciler.admin.runs import run_payload_problems

    problems = run_payload_problems(plan)
    for action in plan.actions:
        if isinstance(action, A.RegisterPackageEntity | A.UploadPackageArchive):
            problems += _package_problems(action)
        if not isinstance(action, A.RegisterLaunchPlan):
            continue
        try:
            # As the plan file holds it: the JSON form pydantic wrote ``after`` in.
            body = to_jsonable_python(launch_plan_spec_body(_decoded(action.spec)))
        except (binascii.Error, ValueError, DecodeError, ParseError) as exc:
            problems.append(f"{action.address}: the launch plan spec to register cannot be decoded ({exc})")
            continue
        if body != action.after:
            workflow = body.get("workflow", {})
            problems.append(f"{action.address}: the spec that would be registered (workflow {workflow.get('name')} "
                            f"{workflow.get('version')}) is not the spec the plan shows")
    return problems


def _package_problems(action: A.RegisterPackageEntity | A.UploadPackageArchive) -> list[str]:
    """A package action writes into the project-domain its address names, and a registration sends the
    entity (kind, name, version, summary) it shows."""
    address = Address.parse(action.address)
    if (address.kind, address.project, address.domain) != ("package", action.project, action.domain):
        return [f"{action.address}: the {action.type} action writes into {action.project}/{action.domain}"]
    if isinstance(action, A.UploadPackageArchive):
        return []
    message_type = _PACKAGE_REQUESTS[action.entity_kind]
    try:
        request = message_type.FromString(base64.b64decode(action.request, validate=True))
    except (binascii.Error, ValueError, DecodeError) as exc:
        return [f"{action.address}: the {action.entity_kind} to register cannot be decoded ({exc})"]
    ident = request.id
    entity = Entity(action.entity_kind, ident.name, "", request)
    shown = {"version": action.version, **to_jsonable_python(summary(entity))}
    if (ident.project, ident.domain, ident.name, ident.version) != (
            action.project, action.domain, action.entity, action.version) or shown != action.after:
        return [f"{action.address}: the {action.entity_kind} that would be registered "
                f"({ident.name}@{ident.version}) is not the one the plan shows ({action.entity}@{action.version})"]
    return []


_PACKAGE_REQUESTS = {"task": task_pb2.TaskCreateRequest, "workflow": workflow_pb2.WorkflowCreateRequest,
                     "launchplan": launch_plan_pb2.LaunchPlanCreateRequest}
