"""The embedded admin's workflow compiler: what flytepropeller's compiler does for flyteadmin's CreateWorkflow.

Pure functions from protobuf to protobuf (no I/O): ``workflow_requirements`` lists the tasks and launch plans
a spec needs (the caller loads them), ``compile_workflow`` produces the ``CompiledWorkflowClosure`` flyteadmin
stores, or raises ``CompileErrors`` whose text is the Go compiler's (``Collected Errors: N`` ...).
The rules and error texts follow ``flytepropeller/pkg/compiler`` at v1.16.8, its quirks included (a repeated
node id keeps the first node, a cycle no node can start is "unreachable nodes", a failed node interface
cascades into further errors). Modules: ``workflow`` (the graph), ``nodes``, ``interfaces``, ``bindings``,
``castable`` (type compatibility), ``requirements``, ``errors``, ``gotext`` (Go's text format for messages).

Deliberate differences:
- where Go iterates a map at random, this follows a fixed order: unreachable nodes are listed sorted, the
  cycle search visits neighbours sorted; Go's text format puts one or two spaces between fields, here one;
- a dataclass (STRUCT) type whose JSON schema differs from the input's is checked with a subset of
  json-schema-compare's rules (type, properties, required, items);
- a sub-workflow that references itself is walked once when listing requirements (Go recurses forever).
"""

from __future__ import annotations

from collections.abc import Iterable

from flyteidl.core import compiler_pb2, identifier_pb2, workflow_pb2

from reconciler.localadmin.compiler import errors as e
from reconciler.localadmin.compiler.errors import CompileError, CompileErrors, ErrorScope
from reconciler.localadmin.compiler.gotext import go_text
from reconciler.localadmin.compiler.graph import Context, IdKey, LaunchPlanInterface, id_key
from reconciler.localadmin.compiler.requirements import references
from reconciler.localadmin.compiler.workflow import validate_workflow

__all__ = ["CompileError", "CompileErrors", "LaunchPlanInterface", "compile_workflow", "go_text",
           "workflow_requirements"]


def _index(sub_workflows: Iterable[workflow_pb2.WorkflowTemplate], errs: ErrorScope
           ) -> tuple[list[compiler_pb2.CompiledWorkflow], dict[IdKey, compiler_pb2.CompiledWorkflow]]:
    compiled = [compiler_pb2.CompiledWorkflow(template=sub) for sub in sub_workflows]
    index: dict[IdKey, compiler_pb2.CompiledWorkflow] = {}
    for sub in compiled:
        if not sub.template.HasField("id"):
            raise CompileErrors(errs)
        key = id_key(sub.template.id)
        if key in index:
            text = go_text(sub.template.id)
            errs.collect("DuplicateId", text, "Trying to insert two nodes with the same id.")
        else:
            index[key] = sub
    if errs.has_errors:
        raise CompileErrors(errs)
    return compiled, index


def workflow_requirements(template: workflow_pb2.WorkflowTemplate,
                          sub_workflows: Iterable[workflow_pb2.WorkflowTemplate]
                          ) -> tuple[list[identifier_pb2.Identifier], list[identifier_pb2.Identifier]]:
    """(task ids, launch plan ids) the spec references, sub-workflows followed; sorted as the Go compiler does."""
    errs = ErrorScope()
    _, index = _index(sub_workflows, errs)
    found = references(template, index, True, errs)
    if errs.has_errors:
        raise CompileErrors(errs)
    return found


def compile_workflow(template: workflow_pb2.WorkflowTemplate, sub_workflows: Iterable[workflow_pb2.WorkflowTemplate],
                     tasks: Iterable[compiler_pb2.CompiledTask], launch_plans: Iterable[LaunchPlanInterface]
                     ) -> compiler_pb2.CompiledWorkflowClosure:
    """``CompileWorkflow``: the closure of ``template`` (whose id must be set); raises ``CompileErrors``."""
    errs = ErrorScope()
    closure = compiler_pb2.CompiledWorkflowClosure()
    closure.primary.template.CopyFrom(template)
    task_index = {}
    for task in tasks:
        if not task.HasField("template") or not task.template.HasField("id"):
            e.value_required(errs, "task", "Template.Id")
            raise CompileErrors(errs)
        key = id_key(task.template.id)
        if key not in task_index:
            task_index[key] = closure.tasks.add(template=task.template).template
    compiled, index = _index(sub_workflows, errs)
    plans = {id_key(plan.id): plan for plan in launch_plans}
    task_ids, plan_ids = references(closure.primary.template, index, True, errs.scope())
    for ident in plan_ids:
        if id_key(ident) not in plans:
            e.workflow_not_found(errs, "start-node", go_text(ident))
    for ident in task_ids:
        if id_key(ident) not in task_index:
            e.task_not_found(errs, "start-node", go_text(ident))
    if errs.has_errors:
        raise CompileErrors(errs)
    closure.sub_workflows.extend(compiled)
    context = Context(sub_workflows={id_key(s.template.id): s for s in closure.sub_workflows},
                      tasks=task_index, launch_plans=plans)
    if validate_workflow(context, closure.primary, errs.scope()) is None:
        raise CompileErrors(errs)
    return closure
