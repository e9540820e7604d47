"""Small builders for hand-written compiler cases (protobuf is verbose)."""

from __future__ import annotations

from flyteidl.core import (
    compiler_pb2,
    condition_pb2,
    identifier_pb2,
    interface_pb2,
    literals_pb2,
    tasks_pb2,
    types_pb2,
)
from flyteidl.core import workflow_pb2 as wf

from reconciler.localadmin.compiler import CompileErrors, LaunchPlanInterface, compile_workflow

ST = types_pb2.SimpleType
INT = types_pb2.LiteralType(simple=ST.INTEGER)
STR = types_pb2.LiteralType(simple=ST.STRING)
FLOAT = types_pb2.LiteralType(simple=ST.FLOAT)
BOOL = types_pb2.LiteralType(simple=ST.BOOLEAN)
NONE = types_pb2.LiteralType(simple=ST.NONE)


def ident(kind: int, name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=kind, project="p", domain="d", name=name, version="v1")


def list_of(t: types_pb2.LiteralType) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(collection_type=t)


def map_of(t: types_pb2.LiteralType) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(map_value_type=t)


def union(*variants: types_pb2.LiteralType) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(union_type=types_pb2.UnionType(variants=variants))


def enum(*values: str) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(enum_type=types_pb2.EnumType(values=values))


def variables(**types: types_pb2.LiteralType) -> interface_pb2.VariableMap:
    return interface_pb2.VariableMap(variables={n: interface_pb2.Variable(type=t) for n, t in types.items()})


def task(name: str, inputs: dict | None = None, outputs: dict | None = None) -> compiler_pb2.CompiledTask:
    return compiler_pb2.CompiledTask(template=tasks_pb2.TaskTemplate(
        id=ident(identifier_pb2.TASK, name), type="python-task",
        interface=interface_pb2.TypedInterface(inputs=variables(**(inputs or {})),
                                               outputs=variables(**(outputs or {})))))


def promise(node_id: str, var: str) -> literals_pb2.BindingData:
    return literals_pb2.BindingData(promise=types_pb2.OutputReference(node_id=node_id, var=var))


def scalar(value: object) -> literals_pb2.BindingData:
    if isinstance(value, bool):
        primitive = literals_pb2.Primitive(boolean=value)
    elif isinstance(value, int):
        primitive = literals_pb2.Primitive(integer=value)
    elif isinstance(value, float):
        primitive = literals_pb2.Primitive(float_value=value)
    else:
        primitive = literals_pb2.Primitive(string_value=str(value))
    return literals_pb2.BindingData(scalar=literals_pb2.Scalar(primitive=primitive))


def collection(*items: literals_pb2.BindingData) -> literals_pb2.BindingData:
    return literals_pb2.BindingData(collection=literals_pb2.BindingDataCollection(bindings=items))


def bindings(**values: literals_pb2.BindingData) -> list[literals_pb2.Binding]:
    return [literals_pb2.Binding(var=k, binding=v) for k, v in values.items()]


def task_node(node_id: str, task_name: str, upstream: tuple[str, ...] = (), **inputs: literals_pb2.BindingData
              ) -> wf.Node:
    return wf.Node(id=node_id, task_node=wf.TaskNode(reference_id=ident(identifier_pb2.TASK, task_name)),
                   inputs=bindings(**inputs), upstream_node_ids=upstream)


def template(name: str, nodes: list[wf.Node], inputs: dict | None = None, outputs: dict | None = None,
             **out_bindings: literals_pb2.BindingData) -> wf.WorkflowTemplate:
    return wf.WorkflowTemplate(
        id=ident(identifier_pb2.WORKFLOW, name), nodes=nodes, outputs=bindings(**out_bindings),
        interface=interface_pb2.TypedInterface(inputs=variables(**(inputs or {})),
                                               outputs=variables(**(outputs or {}))))


def compare(left: str, op: int, right: object) -> condition_pb2.BooleanExpression:
    operand = condition_pb2.Operand(primitive=scalar(right).scalar.primitive)
    return condition_pb2.BooleanExpression(comparison=condition_pb2.ComparisonExpression(
        left_value=condition_pb2.Operand(var=left), operator=op, right_value=operand))


def compile_(tmpl: wf.WorkflowTemplate, tasks: list[compiler_pb2.CompiledTask] = (),
             subs: list[wf.WorkflowTemplate] = (), plans: list[LaunchPlanInterface] = ()
             ) -> compiler_pb2.CompiledWorkflowClosure:
    return compile_workflow(tmpl, subs, tasks, plans)


def errors_of(tmpl: wf.WorkflowTemplate, tasks: list[compiler_pb2.CompiledTask] = (),
              subs: list[wf.WorkflowTemplate] = (), plans: list[LaunchPlanInterface] = ()) -> list[tuple[str, str]]:
    """(code, node id) of every compile error; fails the test when the workflow compiles."""
    try:
        compile_workflow(tmpl, subs, tasks, plans)
    except CompileErrors as errs:
        return [(e.code, e.node_id) for e in errs.errors]
    raise AssertionError("the workflow compiled")
