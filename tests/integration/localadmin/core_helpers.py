"""Request builders and assertions for the core fidelity tests (projects, tasks, workflows, launch plans).

Every test registers what it needs into an empty admin (``fresh_stub`` from tests/conftest.py), so the
expectations below do not depend on the sample workflows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import grpc
import pytest
from flyteidl.admin import launch_plan_pb2, project_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_wf
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from google.protobuf import any_pb2, duration_pb2
from google.rpc import status_pb2

P, D = "demo", "development"
ST = types_pb2.SimpleType
WF_INPUTS = {"run_date": ST.DATETIME, "limit": ST.INTEGER, "region": ST.STRING}


def error(call: Callable[[Any], Any], request: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value


def details(err: grpc.RpcError) -> list[any_pb2.Any]:
    """The typed status details (``grpc-status-details-bin``) of a failed call."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return list(status_pb2.Status.FromString(value).details)
    return []


def ident(kind: int, name: str, version: str = "v1", project: str = P, domain: str = D
          ) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=kind, project=project, domain=domain, name=name, version=version)


def variables(types: Mapping[str, int]) -> interface_pb2.VariableMap:
    return interface_pb2.VariableMap(variables={
        n: interface_pb2.Variable(type=types_pb2.LiteralType(simple=t), description=f"the {n}")
        for n, t in types.items()})


def interface(inputs: Mapping[str, int] | None = None, outputs: Mapping[str, int] | None = None
              ) -> interface_pb2.TypedInterface:
    return interface_pb2.TypedInterface(inputs=variables(inputs or {}), outputs=variables(outputs or {"o": ST.STRING}))


def task_template(image: str = "python:3.11", **overrides: Any) -> tasks_pb2.TaskTemplate:
    fields: dict[str, Any] = {"type": "python-task", "metadata": tasks_pb2.TaskMetadata(),
                              "interface": interface(WF_INPUTS),
                              "container": tasks_pb2.Container(image=image, args=["run"])}
    fields.update(overrides)
    return tasks_pb2.TaskTemplate(**{k: v for k, v in fields.items() if v is not None})


def create_task(stub: AdminServiceStub, name: str = "t.one", version: str = "v1", **template: Any) -> None:
    stub.CreateTask(task_pb2.TaskCreateRequest(id=ident(identifier_pb2.TASK, name, version),
                                               spec=task_pb2.TaskSpec(template=task_template(**template))))


def _from_workflow_inputs(names: Mapping[str, int]) -> list[literals_pb2.Binding]:
    return [literals_pb2.Binding(var=n, binding=literals_pb2.BindingData(promise=types_pb2.OutputReference(var=n)))
            for n in names]


def workflow_template(tasks: list[identifier_pb2.Identifier] = (), inputs: Mapping[str, int] | None = None,
                      plans: list[identifier_pb2.Identifier] = ()) -> core_wf.WorkflowTemplate:
    """A workflow that compiles: every node takes the task's (or launch plan's) inputs from the workflow inputs
    of the same name, the output ``o`` is a literal; without tasks or plans it waits on a sleep gate."""
    wf_inputs = WF_INPUTS if inputs is None else inputs
    bound = _from_workflow_inputs({n: t for n, t in WF_INPUTS.items() if n in wf_inputs})
    nodes = [core_wf.Node(id=f"n{i}", task_node=core_wf.TaskNode(reference_id=t), inputs=bound)
             for i, t in enumerate(tasks)]
    nodes += [core_wf.Node(id=f"lp{i}", workflow_node=core_wf.WorkflowNode(launchplan_ref=p), inputs=bound)
              for i, p in enumerate(plans)]
    if not nodes:
        nodes = [core_wf.Node(id="wait", gate_node=core_wf.GateNode(
            sleep=core_wf.SleepCondition(duration=duration_pb2.Duration(seconds=1))))]
    done = literals_pb2.BindingData(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="ok")))
    return core_wf.WorkflowTemplate(interface=interface(wf_inputs), nodes=nodes,
                                    outputs=[literals_pb2.Binding(var="o", binding=done)])


def create_workflow(stub: AdminServiceStub, name: str = "wf.daily", version: str = "v1", **template: Any) -> None:
    stub.CreateWorkflow(workflow_pb2.WorkflowCreateRequest(
        id=ident(identifier_pb2.WORKFLOW, name, version),
        spec=workflow_pb2.WorkflowSpec(template=workflow_template(**template))))


def lp_request(name: str = "lp.daily", version: str = "v1", wf: str = "wf.daily", wf_version: str = "v1",
               **spec: Any) -> launch_plan_pb2.LaunchPlanCreateRequest:
    return launch_plan_pb2.LaunchPlanCreateRequest(
        id=ident(identifier_pb2.LAUNCH_PLAN, name, version),
        spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=ident(identifier_pb2.WORKFLOW, wf, wf_version), **spec))


def create_lp(stub: AdminServiceStub, name: str = "lp.daily", version: str = "v1", **spec: Any) -> None:
    stub.CreateLaunchPlan(lp_request(name, version, **spec))


def lp_id(name: str = "lp.daily", version: str = "v1") -> identifier_pb2.Identifier:
    return ident(identifier_pb2.LAUNCH_PLAN, name, version)


def activate(stub: AdminServiceStub, name: str, version: str, state: int = launch_plan_pb2.ACTIVE) -> None:
    stub.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id(name, version), state=state))


def string(value: str) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value)))


def integer(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value)))


def fixed(**values: literals_pb2.Literal) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(literals=values)


def register_project(stub: AdminServiceStub, project_id: str = P, name: str = "Demo", **fields: Any) -> None:
    stub.RegisterProject(project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=project_id, name=name, **fields)))


def seeded(stub: AdminServiceStub) -> AdminServiceStub:
    """The project, one task, and a workflow calling it (inputs run_date, limit, region)."""
    register_project(stub)
    create_task(stub)
    create_workflow(stub, tasks=[ident(identifier_pb2.TASK, "t.one")])
    return stub
