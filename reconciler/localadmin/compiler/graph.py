"""The compiler's working state: node builders, interfaces, and one workflow's graph under construction.

Messages are referenced, not copied, so that filling a promise's node id or renaming a branch sub-node changes
the template being compiled (as the Go compiler's pointers do).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flyteidl.core import compiler_pb2, identifier_pb2, interface_pb2, tasks_pb2, workflow_pb2

START_NODE = "start-node"
END_NODE = "end-node"

# Which edges a binding adds: both maps (top-level nodes), only downstream, or only upstream (branch sub-nodes,
# failure nodes).
BIDIRECTIONAL, DOWNSTREAM, UPSTREAM = range(3)

IdKey = tuple[int, str, str, str, str, str]


def id_key(ident: identifier_pb2.Identifier) -> IdKey:
    return ident.resource_type, ident.project, ident.domain, ident.name, ident.version, ident.org


@dataclass
class LaunchPlanInterface:
    """What a launch-plan node sees of the launch plan it calls: its closure's expected inputs and outputs."""
    id: identifier_pb2.Identifier
    expected_inputs: interface_pb2.ParameterMap | None
    expected_outputs: interface_pb2.VariableMap | None


class Iface:
    """A typed interface as references to variable maps; ``backing`` is the message they belong to, if any."""
    __slots__ = ("backing", "checked", "inputs", "outputs")

    def __init__(self, inputs: interface_pb2.VariableMap | None, outputs: interface_pb2.VariableMap | None,
                 backing: interface_pb2.TypedInterface | None = None) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.backing = backing
        self.checked = False  # known to pass validate_interface (a task's, checked for an earlier node)

    @classmethod
    def of(cls, message: interface_pb2.TypedInterface) -> Iface:
        return cls(message.inputs if message.HasField("inputs") else None,
                   message.outputs if message.HasField("outputs") else None, message)


def empty_iface() -> Iface:
    return Iface(interface_pb2.VariableMap(), interface_pb2.VariableMap())


class NodeBuilder:
    __slots__ = ("_children", "_inputs", "interface", "proto", "sub_workflow", "task")

    def __init__(self, proto: workflow_pb2.Node, inputs: object = None) -> None:
        self.proto = proto
        self._inputs = inputs  # the end node's inputs are the workflow's outputs
        self.interface: Iface | None = None
        self.task: tasks_pb2.TaskTemplate | None = None
        self.sub_workflow: WorkflowBuilder | None = None
        self._children: dict[object, NodeBuilder] = {}

    @property
    def id(self) -> str:
        return self.proto.id  # type: ignore[no-any-return]

    @property
    def inputs(self) -> list[object]:
        return self._inputs if self._inputs is not None else self.proto.inputs  # type: ignore[return-value]

    @property
    def has_metadata(self) -> bool:
        return self.proto.HasField("metadata")  # type: ignore[no-any-return]

    @property
    def kind(self) -> str | None:
        return self.proto.WhichOneof("target")  # type: ignore[no-any-return]

    def child(self, key: object, proto: workflow_pb2.Node) -> NodeBuilder:
        """The builder of a branch case or array sub-node, the same one every time it is asked for."""
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = NodeBuilder(proto)
        return found

    def branch_cases(self) -> list[tuple[object, workflow_pb2.Node | None]]:
        """(key, then node or None) for the if case and each elif case."""
        if_else = self.proto.branch_node.if_else
        cases: list[tuple[object, workflow_pb2.Node | None]] = []
        if if_else.HasField("case"):
            case = if_else.case
            cases.append((("case",), case.then_node if case.HasField("then_node") else None))
        for i, other in enumerate(if_else.other):
            cases.append((("other", i), other.then_node if other.HasField("then_node") else None))
        return cases


@dataclass
class Context:
    """Everything one compilation can reference: the spec's sub-workflows and the loaded tasks and launch plans."""
    sub_workflows: dict[IdKey, compiler_pb2.CompiledWorkflow]
    tasks: dict[IdKey, tasks_pb2.TaskTemplate]
    launch_plans: dict[IdKey, LaunchPlanInterface]
    checked_tasks: set[IdKey] = field(default_factory=set)  # tasks whose interface passed validate_interface


@dataclass
class WorkflowBuilder:
    core: compiler_pb2.CompiledWorkflow
    context: Context
    tasks: dict[IdKey, tasks_pb2.TaskTemplate] = field(default_factory=dict)
    launch_plans: dict[IdKey, LaunchPlanInterface] = field(default_factory=dict)
    nodes: dict[str, NodeBuilder] = field(default_factory=dict)
    downstream: dict[str, set[str]] = field(default_factory=dict)
    upstream: dict[str, set[str]] = field(default_factory=dict)
    compiled_subs: set[IdKey] = field(default_factory=set)

    @property
    def template(self) -> workflow_pb2.WorkflowTemplate:
        return self.core.template

    def add_upstream_edge(self, provider: str, dependent: str) -> None:
        self.upstream.setdefault(dependent, set()).add(provider or START_NODE)

    def add_downstream_edge(self, provider: str, dependent: str) -> None:
        self.downstream.setdefault(provider or START_NODE, set()).add(dependent)

    def add_execution_edge(self, provider: str, dependent: str) -> None:
        self.add_downstream_edge(provider, dependent)
        self.add_upstream_edge(provider, dependent)

    def add_edge(self, provider: str, dependent: str, direction: int) -> None:
        if direction == BIDIRECTIONAL:
            self.add_execution_edge(provider, dependent)
        elif direction == DOWNSTREAM:
            self.add_downstream_edge(provider, dependent)
        else:
            self.add_upstream_edge(provider, dependent)
