"""The workflow and launch plan flyteadmin creates for a single-task execution (behaviour §11).

Launching a task (``spec.launch_plan`` with resource type TASK) makes flyteadmin register, once per task
version, a workflow and a launch plan named ``.flytegen.<task name>`` in the task's project and domain,
with the task's version: one node calling the task, its inputs bound to the workflow's and its outputs to
the node's (``util.CreateOrGetWorkflowModel`` / ``CreateOrGetLaunchPlan``). They appear in ListWorkflows
and ListLaunchPlans; the execution's ``closure.workflow_id`` names the workflow. Their creation is not
undone when the execution is then refused, as in flyteadmin.
"""

from __future__ import annotations

import re
from typing import Any

import grpc
from flyteidl.admin import launch_plan_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2

from reconciler.localadmin.service.status import AdminStatusError

PREFIX = ".flytegen."
START_NODE = "start-node"


def workflow_id(task: identifier_pb2.Identifier) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.WORKFLOW, project=task.project,
                                     domain=task.domain, name=PREFIX + task.name, version=task.version)


def _node_id(task_name: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", task_name.lower())


def ensure(servicer: Any, task: Any) -> None:
    """Register the ``.flytegen`` workflow and launch plan of ``task`` (a stored Task) unless they exist."""
    template = task.closure.compiled_task.template
    node = _node_id(task.id.name)
    wf_id = workflow_id(task.id)

    def promise(node_id: str, var: str) -> literals_pb2.BindingData:
        return literals_pb2.BindingData(promise=types_pb2.OutputReference(node_id=node_id, var=var))

    wf_template = core_workflow_pb2.WorkflowTemplate(
        id=wf_id, interface=template.interface,
        nodes=[core_workflow_pb2.Node(
            id=node, metadata=core_workflow_pb2.NodeMetadata(name=node),
            inputs=[literals_pb2.Binding(var=name, binding=promise(START_NODE, name))
                    for name in sorted(template.interface.inputs.variables)],
            task_node=core_workflow_pb2.TaskNode(reference_id=task.id))],
        outputs=[literals_pb2.Binding(var=name, binding=promise(node, name))
                 for name in sorted(template.interface.outputs.variables)])
    lp_id = identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=wf_id.project,
                                      domain=wf_id.domain, name=wf_id.name, version=wf_id.version)
    cls = type(servicer)
    for create, request in (
            (cls.CreateWorkflow, workflow_pb2.WorkflowCreateRequest(
                id=wf_id, spec=workflow_pb2.WorkflowSpec(template=wf_template))),
            (cls.CreateLaunchPlan, launch_plan_pb2.LaunchPlanCreateRequest(
                id=lp_id, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf_id)))):
        try:
            create.__wrapped__(servicer, request, None)  # the servicer method itself, not its gRPC guard
        except AdminStatusError as exc:
            if exc.code != grpc.StatusCode.ALREADY_EXISTS:
                raise
