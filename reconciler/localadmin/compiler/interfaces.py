"""The interface of each kind of node (flytepropeller ``validators/interface.go`` and ``branch.go``).

Task nodes take their task's interface, launch-plan nodes the launch plan's expected inputs (required ones
and bound ones) and outputs, sub-workflow nodes the sub-workflow's interface, branch nodes the outputs every
case has in common, gate nodes what they wait for, array nodes the interface of their sub-node.
"""

from __future__ import annotations

from flyteidl.core.interface_pb2 import VariableMap

from reconciler.localadmin.compiler import errors as e
from reconciler.localadmin.compiler.bindings import type_text, validate_bindings
from reconciler.localadmin.compiler.errors import ErrorScope
from reconciler.localadmin.compiler.gotext import go_text
from reconciler.localadmin.compiler.graph import UPSTREAM, Iface, NodeBuilder, WorkflowBuilder, empty_iface, id_key


def validate_interface(node_id: str, iface: Iface, errs: ErrorScope) -> bool:
    """Fill a missing or empty side with an empty map (in the message it belongs to); check names and types."""
    if iface.checked:
        return True
    for side in ("inputs", "outputs"):
        variables = getattr(iface, side)
        if variables is not None and len(variables.variables):
            for name, variable in variables.variables.items():
                if not name:
                    e.value_required(errs, node_id, "paramName")
                if not variable.HasField("type"):
                    e.value_required(errs, node_id, "param.Type")
        elif iface.backing is not None:
            getattr(iface.backing, side).SetInParent()
            setattr(iface, side, getattr(iface.backing, side))
        else:
            setattr(iface, side, VariableMap())
    return not errs.has_errors


def _launch_plan_iface(w: WorkflowBuilder, node: NodeBuilder, errs: ErrorScope) -> Iface | None:
    ref = node.proto.workflow_node.launchplan_ref
    plan = w.launch_plans.get(id_key(ref))
    if plan is None:
        e.workflow_not_found(errs, node.id, go_text(ref))
        return None
    if plan.expected_inputs is None:
        e.value_required(errs, node.id, "WorkflowNode.ExpectedInputs")
    if plan.expected_outputs is None:
        e.value_required(errs, node.id, "WorkflowNode.ExpectedOutputs")
    bound = {b.var for b in node.inputs}  # type: ignore[attr-defined]
    exposed = VariableMap()
    for name, parameter in (plan.expected_inputs.parameters.items() if plan.expected_inputs is not None else ()):
        if parameter.required or name in bound:
            exposed.variables[name].CopyFrom(parameter.var)
    return Iface(exposed, plan.expected_outputs)


def _workflow_iface(w: WorkflowBuilder, node: NodeBuilder, errs: ErrorScope) -> Iface | None:
    workflow_node = node.proto.workflow_node
    reference = workflow_node.WhichOneof("reference")
    if reference == "launchplan_ref" and id_key(workflow_node.launchplan_ref) == id_key(w.template.id):
        if not w.template.HasField("interface"):
            e.value_required(errs, node.id, "WorkflowNode.Interface")
            return None
        return Iface.of(w.template.interface)
    if reference == "launchplan_ref":
        return _launch_plan_iface(w, node, errs)
    if reference == "sub_workflow_ref":
        sub = w.context.sub_workflows.get(id_key(workflow_node.sub_workflow_ref))
        if sub is None:
            e.workflow_not_found(errs, node.id, go_text(workflow_node.sub_workflow_ref))
            return None
        if not sub.template.HasField("interface"):
            e.value_required(errs, node.id, "WorkflowNode.Template.Interface")
            return None
        return Iface.of(sub.template.interface)
    e.workflow_not_found(errs, node.id, "<nil>/<nil>")
    return None


def _gate_iface(w: WorkflowBuilder, node: NodeBuilder, errs: ErrorScope) -> Iface | None:
    gate = node.proto.gate_node
    condition = gate.WhichOneof("condition")
    if condition == "approve":
        resolved = validate_bindings(w, node, node.inputs, VariableMap(), False, UPSTREAM, errs.scope(), resolve=True)
        return Iface(resolved, resolved)
    if condition == "signal":
        if not gate.signal.HasField("type"):
            e.value_required(errs, node.id, "GateNode.Signal.Type")
            return None
        if not gate.signal.output_variable_name:
            e.value_required(errs, node.id, "GateNode.Signal.OutputVariableName")
            return None
        outputs = VariableMap()
        outputs.variables[gate.signal.output_variable_name].type.CopyFrom(gate.signal.type)
        return Iface(VariableMap(), outputs)
    if condition == "sleep":
        return empty_iface()
    errs.collect("NoConditionFound", node.id, f"Can't find any condition in gate node [{node.id}].")
    return None


def underlying_interface(w: WorkflowBuilder, node: NodeBuilder, errs: ErrorScope) -> Iface | None:
    """``ValidateUnderlyingInterface``: the node's interface, computed once; None when it has errors."""
    if node.interface is not None:
        return node.interface
    kind = node.kind
    iface: Iface | None = None
    if kind == "task_node":
        task_node = node.proto.task_node
        if not task_node.HasField("reference_id"):
            e.value_required(errs, node.id, "TaskNode.ReferenceId")
        else:
            key = id_key(task_node.reference_id)
            task = w.tasks.get(key)
            if task is None:
                e.task_not_found(errs, node.id, go_text(task_node.reference_id))
            else:
                iface = Iface.of(task.interface) if task.HasField("interface") else empty_iface()
                if key in w.context.checked_tasks:
                    iface.checked = True
                elif task.HasField("interface") and validate_interface(node.id, iface, ErrorScope()):
                    w.context.checked_tasks.add(key)
    elif kind == "workflow_node":
        iface = _workflow_iface(w, node, errs)
    elif kind == "branch_node":
        iface = _branch_iface(w, node, errs.scope())
    elif kind == "gate_node":
        iface = _gate_iface(w, node, errs)
    elif kind == "array_node":
        sub = node.child(("array",), node.proto.array_node.node)
        iface = underlying_interface(w, sub, errs.scope())
    else:
        e.value_required(errs, node.id, "Target")
    if iface is not None:
        validate_interface(node.id, iface, errs.scope())
    if not errs.has_errors:
        node.interface = iface
    return iface if not errs.has_errors else None


def _branch_iface(w: WorkflowBuilder, node: NodeBuilder, errs: ErrorScope) -> Iface | None:
    if not node.proto.HasField("branch_node"):
        e.value_required(errs, node.id, "Branch")
        return None
    branch = node.proto.branch_node
    if not branch.HasField("if_else"):
        e.value_required(errs, node.id, "Branch.IfElse")
        return None
    if not branch.if_else.HasField("case"):
        e.value_required(errs, node.id, "Branch.IfElse.Case")
        return None
    if not branch.if_else.case.HasField("then_node"):
        e.value_required(errs, node.id, "Branch.IfElse.Case.ThenNode")
        return None
    blocks = []
    for key, then_node in node.branch_cases():
        if then_node is None:
            e.value_required(errs, node.id, "IfElse.Case.ThenNode")
            continue
        blocks.append(node.child(key, then_node))
    if branch.if_else.HasField("else_node"):
        blocks.append(node.child(("else",), branch.if_else.else_node))

    first: VariableMap | None = None
    common: set[str] = set()
    for sub in blocks:
        sub.proto.id = f"{node.id}-{sub.id}"
        sub_iface = underlying_interface(w, sub, errs.scope())
        if sub_iface is None:
            continue
        outputs = sub_iface.outputs
        names = set(outputs.variables) if outputs is not None else set()
        if first is None:
            first = outputs if outputs is not None else VariableMap()
            common = names
            continue
        common &= names
        for name in sorted(common):
            mine, theirs = first.variables[name], outputs.variables[name]  # type: ignore[union-attr]
            if mine.type != theirs.type:
                e.mismatching_types(errs, sub.id, name, type_text(mine.type), type_text(theirs.type))
            elif theirs.type != mine.type:
                e.mismatching_types(errs, sub.id, name, type_text(theirs.type), type_text(mine.type))

    inputs = validate_bindings(w, node, node.inputs, VariableMap(), False, UPSTREAM, errs.scope(), resolve=True)
    if errs.has_errors or first is None:
        return None
    outputs = VariableMap()
    for name in common:
        outputs.variables[name].CopyFrom(first.variables[name])
    return Iface(inputs, outputs)
