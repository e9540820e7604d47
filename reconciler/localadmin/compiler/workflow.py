"""Compiling one workflow template into a graph (flytepropeller ``workflow_compiler.go``).

``validate_workflow`` turns a template into its compiled form in place: ``start-node`` and ``end-node``
first, the other nodes in request order (a repeated id keeps the first node), promises resolved, upstream
ids sorted, and the connections (sorted id lists): nodes without upstream hang off ``start-node``, nodes
without downstream lead to ``end-node``. Every node must be reachable from ``start-node``.
"""

from __future__ import annotations

from flyteidl.core import compiler_pb2, workflow_pb2

from reconciler.localadmin.compiler.bindings import validate_bindings
from reconciler.localadmin.compiler.errors import ErrorScope
from reconciler.localadmin.compiler.gotext import go_text
from reconciler.localadmin.compiler.graph import (
    BIDIRECTIONAL,
    END_NODE,
    START_NODE,
    UPSTREAM,
    Context,
    Iface,
    NodeBuilder,
    WorkflowBuilder,
    id_key,
)
from reconciler.localadmin.compiler.interfaces import validate_interface
from reconciler.localadmin.compiler.nodes import add_edges, validate_node
from reconciler.localadmin.compiler.requirements import references


def _visible_references(w: WorkflowBuilder) -> None:
    """The tasks and launch plans this workflow's own nodes reference (not its sub-workflows')."""
    task_ids, plan_ids = references(w.template, w.context.sub_workflows, False, ErrorScope())
    for key in map(id_key, task_ids):
        if key in w.context.tasks:
            w.tasks[key] = w.context.tasks[key]
    for key in map(id_key, plan_ids):
        if key in w.context.launch_plans:
            w.launch_plans[key] = w.context.launch_plans[key]


def _check_reachable(w: WorkflowBuilder, errs: ErrorScope) -> None:
    visited: set[str] = set()
    visiting: list[str] = []
    done: set[str] = set()  # explored without finding a cycle: no need to walk it again

    def visit(node_id: str) -> list[str] | None:  # the cycle found from here, if any
        if node_id in visiting:
            return []
        if node_id in done:
            return None
        visiting.append(node_id)
        visited.add(node_id)
        for following in sorted(w.downstream.get(node_id, ())):
            cycle = visit(following)
            if cycle is not None:
                return [following, *cycle]
        visiting.pop()
        done.add(node_id)
        return None

    cycle = visit(START_NODE)
    if cycle is not None:
        path = ">".join([START_NODE, *cycle])
        errs.collect("CycleDetected", START_NODE, f"A cycle has been detected while traversing the Workflow [{path}].")
        return
    unreachable = set(w.nodes) - visited - {END_NODE}
    if len(visited) != len(w.nodes) and unreachable:
        errs.collect("UnreachableNodes", START_NODE,
                     f"The Workflow contain unreachable nodes [{','.join(sorted(unreachable))}].")


def _write_back(w: WorkflowBuilder, start: workflow_pb2.Node, end: workflow_pb2.Node) -> None:
    """Store the compiled node list and the connections in ``w.core``."""
    template = w.template
    end.inputs.extend(template.outputs)
    nodes = [start, end]
    for builder in list(w.nodes.values())[2:]:
        copy = workflow_pb2.Node()
        copy.CopyFrom(builder.proto)
        nodes.append(copy)
    del template.nodes[:]
    template.nodes.extend(nodes)
    connections = w.core.connections
    connections.SetInParent()
    for target, edges in ((connections.downstream, w.downstream), (connections.upstream, w.upstream)):
        target.clear()
        for node_id, ids in edges.items():
            target[node_id].ids.extend(sorted(ids))


def validate_workflow(context: Context, core: compiler_pb2.CompiledWorkflow, errs: ErrorScope
                      ) -> WorkflowBuilder | None:
    """``ValidateWorkflow``: compile ``core.template`` in place; None when it has errors."""
    template = core.template
    if not len(template.nodes):
        text = go_text(template.id) if template.HasField("id") else "<nil>"
        errs.collect("NoNodesFound", text, f"Can't find any nodes in workflow [{text}].")
        return None
    w = WorkflowBuilder(core, context)
    _visible_references(w)
    template.interface.SetInParent()
    workflow_iface = Iface.of(template.interface)
    if not validate_interface(START_NODE, workflow_iface, errs.scope()):
        return None

    start = workflow_pb2.Node(id=START_NODE)
    end = workflow_pb2.Node(id=END_NODE)
    w.nodes[START_NODE] = start_builder = NodeBuilder(start)
    start_builder.interface = Iface(None, workflow_iface.inputs)
    w.nodes[END_NODE] = end_builder = NodeBuilder(end, template.outputs)
    end_builder.interface = Iface(workflow_iface.outputs, None)

    top_level: set[str] = set()
    for proto in template.nodes:
        top_level.add(proto.id)
        builder = NodeBuilder(proto)
        if proto.id not in w.nodes:
            w.nodes[proto.id] = builder
        validate_node(w, builder, errs.scope())

    ordered = sorted(w.nodes)
    for node_id in ordered:
        if node_id != START_NODE:
            add_edges(w, w.nodes[node_id], BIDIRECTIONAL, errs.scope())

    if template.HasField("failure_node"):
        failure = NodeBuilder(template.failure_node)
        validate_node(w, failure, errs.scope())
        add_edges(w, failure, UPSTREAM, errs.scope())

    for node_id in ordered:
        if node_id in (START_NODE, END_NODE) or node_id not in top_level:
            continue
        if node_id not in w.upstream:
            w.add_execution_edge(START_NODE, node_id)
        if node_id not in w.downstream:
            w.add_execution_edge(node_id, END_NODE)

    output_iface = end_builder.interface
    if validate_interface(END_NODE, output_iface, errs.scope()):
        validate_bindings(w, end_builder, end_builder.inputs, output_iface.inputs, True, BIDIRECTIONAL,
                          errs.scope())
    _check_reachable(w, errs.scope())
    if errs.has_errors:
        return None
    _write_back(w, start, end)
    return w
