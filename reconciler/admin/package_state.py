"""What Admin already holds of a package's entities at the package's version.

Reads per package: one ``ListTasks``, one ``ListWorkflows`` and one ``ListLaunchPlans`` of the
project-domain filtered on the version (paged), then one ``GetWorkflow`` per workflow found (list
results carry only a workflow's interface, §2.5). Each entity is then ``absent``, ``identical`` or
``different`` — compared as Admin stores it, after undoing what Admin adds: a workflow's compiled
``start-node``/``end-node`` and its ``start-node`` promises; a launch plan's augmented required
inputs (§3.1 h). Versions are immutable, so ``different`` is an error before any write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flyteidl.admin import common_pb2, launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

from reconciler.admin.packages import Entity
from reconciler.admin.pages import PAGE_SIZE, paginate

ABSENT, IDENTICAL, DIFFERENT = "absent", "identical", "different"
START_NODE, END_NODE = "start-node", "end-node"


def _dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _listed(client: Any, method: str, items: str, project: str, domain: str, version: str, target: str
            ) -> dict[str, Any]:
    request: Callable[[str], Any] = lambda token: common_pb2.ResourceListRequest(  # noqa: E731
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain), limit=PAGE_SIZE, token=token,
        filters=f"eq(version,{version})", sort_by=common_pb2.Sort(key="name", direction=common_pb2.Sort.ASCENDING))
    return {item.id.name: item for item in paginate(client, method, request, items, target=target)}


def _strip_compiled(template: dict[str, Any]) -> dict[str, Any]:
    """A compiled primary template as it was sent: no start/end nodes, workflow inputs as promises of ""."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: walk(v) for k, v in value.items()}
            if "promise" in out and isinstance(out["promise"], dict) and out["promise"].get("node_id") == START_NODE:
                promise = dict(out["promise"])
                promise.pop("node_id")
                out["promise"] = promise
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    stripped = walk(template)
    stripped["nodes"] = [n for n in stripped.get("nodes", []) if n.get("id") not in (START_NODE, END_NODE)]
    if not stripped["nodes"]:
        stripped.pop("nodes")
    return stripped


def _launch_plan_as_sent(stored: launch_plan_pb2.LaunchPlanSpec, sent: launch_plan_pb2.LaunchPlanSpec
                         ) -> dict[str, Any]:
    body = _dict(stored)
    sent_params = set(sent.default_inputs.parameters)
    params = body.get("default_inputs", {}).get("parameters", {})
    for name in [n for n, p in params.items() if n not in sent_params and p.get("required")]:
        params.pop(name)  # added by Admin's augmentation, never sent
    if "default_inputs" in body and not params:
        body["default_inputs"].pop("parameters", None)
        if not body["default_inputs"] and not sent.HasField("default_inputs"):
            body.pop("default_inputs")
    return body


def entity_states(client: Any, entities: list[Entity], target: str) -> dict[str, tuple[str, Any, Any]]:
    """``key → (state, stored, sent)`` for every entity; ``stored``/``sent`` are comparable dicts when
    the entity is registered (shown as the field difference when they differ)."""
    if not entities:
        return {}
    first = entities[0].request.id  # type: ignore[attr-defined]
    project, domain, version = first.project, first.domain, first.version
    tasks = _listed(client, "ListTasks", "tasks", project, domain, version, target) \
        if any(e.kind == "task" for e in entities) else {}
    workflows = _listed(client, "ListWorkflows", "workflows", project, domain, version, target) \
        if any(e.kind == "workflow" for e in entities) else {}
    plans = _listed(client, "ListLaunchPlans", "launch_plans", project, domain, version, target) \
        if any(e.kind == "launchplan" for e in entities) else {}
    states: dict[str, tuple[str, Any, Any]] = {}
    for entity in entities:
        request: Any = entity.request
        if entity.kind == "task":
            found = tasks.get(entity.name)
            if found is None:
                states[entity.key] = (ABSENT, None, None)
                continue
            sent_template = task_pb2.TaskSpec()
            sent_template.CopyFrom(request.spec)
            sent_template.template.id.CopyFrom(request.id)
            stored, sent = _dict(found.closure.compiled_task.template), _dict(sent_template.template)
        elif entity.kind == "workflow":
            if entity.name not in workflows:
                states[entity.key] = (ABSENT, None, None)
                continue
            workflow = client.call("GetWorkflow", common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.WORKFLOW, project=project, domain=domain, name=entity.name,
                version=version)), target=target)
            sent_spec = workflow_pb2.WorkflowSpec()
            sent_spec.CopyFrom(request.spec)
            sent_spec.template.id.CopyFrom(request.id)
            stored = _strip_compiled(_dict(workflow.closure.compiled_workflow.primary.template))
            sent = _dict(sent_spec.template)
        else:
            found = plans.get(entity.name)
            if found is None:
                states[entity.key] = (ABSENT, None, None)
                continue
            stored, sent = _launch_plan_as_sent(found.spec, request.spec), _dict(request.spec)
        states[entity.key] = (IDENTICAL if stored == sent else DIFFERENT, stored, sent)
    return states
