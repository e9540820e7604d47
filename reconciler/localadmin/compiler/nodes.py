"""Node validation and edges (flytepropeller ``validators/node.go``, ``condition.go``, ``AddEdges``)."""

from __future__ import annotations

from flyteidl.core import condition_pb2

from reconciler.localadmin.compiler import errors as e
from reconciler.localadmin.compiler.bindings import (
    effective_outputs,
    literal_type_for_primitive,
    type_text,
    validate_bindings,
)
from reconciler.localadmin.compiler.errors import ErrorScope
from reconciler.localadmin.compiler.gotext import go_text
from reconciler.localadmin.compiler.graph import (
    BIDIRECTIONAL,
    DOWNSTREAM,
    END_NODE,
    START_NODE,
    UPSTREAM,
    NodeBuilder,
    WorkflowBuilder,
    id_key,
)
from reconciler.localadmin.compiler.interfaces import underlying_interface


def add_edges(w: WorkflowBuilder, node: NodeBuilder, direction: int, errs: ErrorScope) -> None:
    """Edges from ``upstream_node_ids`` (not for branch sub-nodes) and from the node's bindings."""
    if node.interface is None:  # its interface failed: no edges
        return
    if direction in (BIDIRECTIONAL, DOWNSTREAM):
        for up in node.proto.upstream_node_ids:
            w.add_execution_edge(up, node.id)
    validate_bindings(w, node, node.inputs, node.interface.inputs, True, direction, errs.scope())


def _operand_type(node: NodeBuilder, name: str, operand: condition_pb2.Operand, errs: ErrorScope) -> object:
    kind = operand.WhichOneof("val")
    if kind == "primitive":
        return literal_type_for_primitive(operand.primitive)
    if kind == "var" and operand.var:
        if node.interface is None:
            e.value_required(errs, node.id, operand.var)
            return None
        inputs = node.interface.inputs
        if inputs is not None and operand.var in inputs.variables:
            return inputs.variables[operand.var].type
        if not any(b.var == operand.var for b in node.inputs):  # type: ignore[attr-defined]
            e.variable_not_found(errs, node.id, operand.var)
        return None
    e.value_required(errs, node.id, f"{name}.Val")
    return None


def validate_condition(node: NodeBuilder, expression: condition_pb2.BooleanExpression | None,
                       errs: ErrorScope) -> None:
    if expression is None:
        errs.collect("BranchNodeHasNoCondition", node.id, "One of the branches on the node doesn't have a condition.")
        return
    kind = expression.WhichOneof("expr")
    if kind == "comparison":
        comparison = expression.comparison
        right_errs, left_errs = errs.scope(), errs.scope()
        right = left = None
        if comparison.HasField("right_value"):
            right = _operand_type(node, "RightValue", comparison.right_value, right_errs)
        else:
            e.value_required(right_errs, node.id, "RightValue")
        if comparison.HasField("left_value"):
            left = _operand_type(node, "LeftValue", comparison.left_value, left_errs)
        else:
            e.value_required(left_errs, node.id, "LeftValue")
        if not right_errs.has_errors and not left_errs.has_errors and right is not None and left is not None \
                and right != left:
            e.mismatching_types(errs, node.id, "RightValue", type_text(right), type_text(left))  # type: ignore
    elif kind == "conjunction":
        conjunction = expression.conjunction
        validate_condition(node, conjunction.left_expression if conjunction.HasField("left_expression") else None,
                           errs.scope())
        validate_condition(node, conjunction.right_expression if conjunction.HasField("right_expression") else None,
                           errs.scope())
    else:
        e.value_required(errs, node.id, "Expr")


def _validate_branch(w: WorkflowBuilder, node: NodeBuilder, errs: ErrorScope) -> list[NodeBuilder] | None:
    if_else = node.proto.branch_node.if_else
    if not if_else.HasField("case"):
        errs.collect("BranchNodeHasNoCondition", node.id, "One of the branches on the node doesn't have a condition.")
    blocks = [if_else.case] if if_else.HasField("case") else []
    blocks += list(if_else.other)
    keys = [key for key, _ in node.branch_cases()]
    subs = []
    for key, block in zip(keys, blocks, strict=True):
        validate_condition(node, block.condition if block.HasField("condition") else None, errs.scope())
        if not block.HasField("then_node"):
            errs.collect("BranchNodeIdNotFound", node.id, "BranchNode not assigned")
        else:
            subs.append(node.child(key, block.then_node))
    if if_else.HasField("else_node"):
        subs.append(node.child(("else",), if_else.else_node))
    elif if_else.WhichOneof("default") is None:
        errs.collect("BranchNodeHasNoDefault", node.id,
                     "Branch Node must have either the else case set or a default error.")
    found = [sub for sub in subs if validate_node(w, sub, errs.scope())]
    return found if not errs.has_errors else None


def validate_node(w: WorkflowBuilder, node: NodeBuilder, errs: ErrorScope) -> bool:
    """``ValidateNode``: interface, outputs, sorted upstream ids, branches, sub-workflows, task references."""
    if not node.id:
        e.value_required(errs, "<node>", "Id")
    if node.id in (START_NODE, END_NODE):
        return True
    if underlying_interface(w, node, errs.scope()) is not None:
        effective_outputs(node, errs.scope())
    upstream = node.proto.upstream_node_ids
    if len(upstream) > 1:
        ordered = sorted(upstream)
        del upstream[:]
        upstream.extend(ordered)
    kind = node.kind
    if kind == "branch_node":
        found = _validate_branch(w, node, errs.scope())
        for branch_case in found or ():
            add_edges(w, branch_case, UPSTREAM, errs.scope())
    elif kind == "workflow_node" and node.proto.workflow_node.HasField("sub_workflow_ref"):
        ref = node.proto.workflow_node.sub_workflow_ref
        key = id_key(ref)
        if key not in w.compiled_subs:
            sub = w.context.sub_workflows.get(key)
            if sub is None:
                e.workflow_not_found(errs, node.id, go_text(ref))
            elif node.sub_workflow is None:
                from reconciler.localadmin.compiler.workflow import validate_workflow  # mutual recursion
                compiled = validate_workflow(w.context, sub, errs.scope())
                if compiled is not None:
                    node.sub_workflow = compiled
                    w.compiled_subs.add(key)
    elif kind == "task_node" and node.proto.task_node.HasField("reference_id"):
        task = w.tasks.get(id_key(node.proto.task_node.reference_id))
        if task is not None:
            node.task = task
        else:
            e.task_not_found(errs, node.id, go_text(node.proto.task_node.reference_id))
    return not errs.has_errors
