"""What a workflow references: task ids and launch-plan ids (flytepropeller ``requirements.go``).

Looks inside branches (then, elif, else) and array nodes, and the failure node; follows sub-workflow
references into the spec's sub-workflows when asked to, reporting the ones that are missing.
"""

from __future__ import annotations

from flyteidl.core import compiler_pb2, identifier_pb2, workflow_pb2

from reconciler.localadmin.compiler import errors as e
from reconciler.localadmin.compiler.errors import ErrorScope
from reconciler.localadmin.compiler.gotext import go_text
from reconciler.localadmin.compiler.graph import IdKey, id_key

Found = dict[IdKey, identifier_pb2.Identifier]


def _node(node: workflow_pb2.Node, subs: dict[IdKey, compiler_pb2.CompiledWorkflow], tasks: Found, plans: Found,
          follow: set[IdKey] | None, errs: ErrorScope) -> None:
    kind = node.WhichOneof("target")
    if kind == "task_node":
        if node.task_node.HasField("reference_id"):
            tasks[id_key(node.task_node.reference_id)] = node.task_node.reference_id
    elif kind == "workflow_node":
        workflow_node = node.workflow_node
        if workflow_node.HasField("launchplan_ref"):
            plans[id_key(workflow_node.launchplan_ref)] = workflow_node.launchplan_ref
        elif workflow_node.HasField("sub_workflow_ref") and follow is not None:
            key = id_key(workflow_node.sub_workflow_ref)
            sub = subs.get(key)
            if sub is None:
                e.workflow_not_found(errs, node.id, go_text(workflow_node.sub_workflow_ref))
            elif key not in follow:  # (Go recurses without this guard and overflows on a recursive spec)
                follow.add(key)
                _workflow(sub.template, subs, tasks, plans, follow, errs)
    elif kind == "branch_node":
        if_else = node.branch_node.if_else
        _node(if_else.case.then_node, subs, tasks, plans, follow, errs)
        for other in if_else.other:
            _node(other.then_node, subs, tasks, plans, follow, errs)
        if if_else.HasField("else_node"):
            _node(if_else.else_node, subs, tasks, plans, follow, errs)
    elif kind == "array_node":
        _node(node.array_node.node, subs, tasks, plans, follow, errs)


def _workflow(template: workflow_pb2.WorkflowTemplate, subs: dict[IdKey, compiler_pb2.CompiledWorkflow],
              tasks: Found, plans: Found, follow: set[IdKey] | None, errs: ErrorScope) -> None:
    for node in template.nodes:
        _node(node, subs, tasks, plans, follow, errs)
    if template.HasField("failure_node"):
        _node(template.failure_node, subs, tasks, plans, follow, errs)


def references(template: workflow_pb2.WorkflowTemplate, subs: dict[IdKey, compiler_pb2.CompiledWorkflow],
               follow_sub_workflows: bool, errs: ErrorScope
               ) -> tuple[list[identifier_pb2.Identifier], list[identifier_pb2.Identifier]]:
    """(task ids, launch plan ids), each sorted by resource type, project, domain, name, version."""
    tasks: Found = {}
    plans: Found = {}
    _workflow(template, subs, tasks, plans, set() if follow_sub_workflows else None, errs)
    return [tasks[k] for k in sorted(tasks)], [plans[k] for k in sorted(plans)]
