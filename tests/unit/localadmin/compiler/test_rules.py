"""The compiler's rules on hand-written workflows, one rule per test (the golden cases cover flytekit's output)."""

from __future__ import annotations

from flyteidl.core import condition_pb2, identifier_pb2, interface_pb2, literals_pb2, types_pb2
from flyteidl.core import workflow_pb2 as wf
from google.protobuf import duration_pb2

from reconciler.localadmin.compiler import CompileErrors, LaunchPlanInterface, compile_workflow, workflow_requirements
from tests.unit.localadmin.compiler.build import (
    BOOL,
    INT,
    NONE,
    STR,
    collection,
    compare,
    compile_,
    enum,
    errors_of,
    ident,
    list_of,
    promise,
    scalar,
    task,
    task_node,
    template,
    union,
)

ADD = task("add", {"a": INT, "b": INT}, {"o": INT})
SAY = task("say", {"msg": STR}, {"o": STR})
NUMS = task("nums", {}, {"o": list_of(INT)})
OPT = task("opt", {"a": INT, "b": union(INT, NONE)}, {"o": INT})
GT = condition_pb2.ComparisonExpression.GT


def chain() -> wf.WorkflowTemplate:
    return template("chain", [task_node("n0", "add", a=promise("", "x"), b=scalar(1)),
                              task_node("n1", "add", a=promise("n0", "o"), b=promise("", "x"))],
                    inputs={"x": INT}, outputs={"o": INT}, o=promise("n1", "o"))


def test_compiled_template_has_start_and_end_nodes_resolved_promises_and_connections() -> None:
    closure = compile_(chain(), [ADD])
    nodes = closure.primary.template.nodes
    assert [n.id for n in nodes] == ["start-node", "end-node", "n0", "n1"]
    assert [b.binding.promise.node_id for b in nodes[3].inputs] == ["n0", "start-node"]
    assert nodes[1].inputs[0].binding.promise.node_id == "n1"  # the end node's inputs are the outputs
    connections = closure.primary.connections
    assert {k: list(v.ids) for k, v in connections.downstream.items()} == {
        "start-node": ["n0", "n1"], "n0": ["n1"], "n1": ["end-node"]}
    assert {k: list(v.ids) for k, v in connections.upstream.items()} == {
        "n0": ["start-node"], "n1": ["n0", "start-node"], "end-node": ["n1"]}
    assert [t.template.id.name for t in closure.tasks] == ["add"]


def test_the_input_template_is_not_changed() -> None:
    original = chain()
    before = original.SerializeToString(deterministic=True)
    compile_(original, [ADD])
    assert original.SerializeToString(deterministic=True) == before


def test_missing_interface_sides_become_empty_maps() -> None:
    tmpl = template("t", [task_node("n0", "say", msg=scalar("hi"))])
    tmpl.ClearField("interface")
    closure = compile_(tmpl, [SAY])
    assert closure.primary.template.interface.HasField("inputs")
    assert closure.primary.template.interface.HasField("outputs")
    # a node nothing depends on still leads to end-node; one with no upstream hangs off start-node
    assert list(closure.primary.connections.downstream["n0"].ids) == ["end-node"]
    assert list(closure.primary.connections.upstream["n0"].ids) == ["start-node"]


def test_upstream_node_ids_are_sorted_and_add_edges() -> None:
    tmpl = template("t", [task_node("b", "say", msg=scalar("x")), task_node("a", "say", msg=scalar("y")),
                          task_node("c", "say", ("b", "a"), msg=scalar("z"))])
    closure = compile_(tmpl, [SAY])
    assert list(closure.primary.template.nodes[4].upstream_node_ids) == ["a", "b"]
    assert list(closure.primary.connections.upstream["c"].ids) == ["a", "b"]


def test_unbound_required_input_and_optional_input() -> None:
    assert errors_of(template("t", [task_node("n0", "add", a=scalar(1))]), [ADD]) == [("ParameterNotBound", "n0")]
    compile_(template("t", [task_node("n0", "opt", a=scalar(1))]), [OPT])  # Optional b may stay unbound


def test_unknown_input_and_input_bound_twice() -> None:
    node = task_node("n0", "say", msg=scalar("a"), nope=scalar("b"))
    assert errors_of(template("t", [node]), [SAY]) == [("VariableNameNotFound", "n0")]
    node = task_node("n0", "say", msg=scalar("a"))
    node.inputs.add().CopyFrom(node.inputs[0])
    assert errors_of(template("t", [node]), [SAY]) == [("ParameterBoundMoreThanOnce", "n0")]


def test_literal_of_the_wrong_type() -> None:
    tmpl = template("t", [task_node("n0", "say", msg=scalar(3))])
    try:
        compile_(tmpl, [SAY])
    except CompileErrors as errs:
        assert str(errs) == ("Collected Errors: 1\n\tError 0: Code: MismatchingTypes, Node Id: n0, Description: "
                             "Variable [msg] (type [simple:INTEGER]) doesn't match expected type [simple:STRING].\n")
    else:
        raise AssertionError("compiled")


def test_enum_literal_must_be_one_of_the_values() -> None:
    color = task("paint", {"c": enum("red", "blue")})
    compile_(template("t", [task_node("n0", "paint", c=scalar("red"))]), [color])
    assert errors_of(template("t", [task_node("n0", "paint", c=scalar("green"))]), [color]) == [
        ("IllegalEnumValue", "n0")]


def test_collections_of_promises_and_mismatching_bindings() -> None:
    total = task("total", {"xs": list_of(INT)}, {"o": INT})
    ok = template("t", [task_node("n0", "add", a=scalar(1), b=scalar(2)),
                        task_node("n1", "total", xs=collection(promise("n0", "o"), scalar(3)))])
    closure = compile_(ok, [ADD, total])
    assert list(closure.primary.connections.upstream["n1"].ids) == ["n0"]
    wrong = template("t", [task_node("n0", "add", a=collection(scalar(1)), b=scalar(2))])
    assert errors_of(wrong, [ADD]) == [("MismatchingBindings", "n0")]


def test_collection_bound_to_a_union_picks_the_one_variant_that_fits() -> None:
    either = task("either", {"v": union(list_of(INT), STR)})
    compile_(template("t", [task_node("n0", "either", v=collection(scalar(1)))]), [either])
    both = task("both", {"v": union(list_of(INT), list_of(INT))})
    assert errors_of(template("t", [task_node("n0", "both", v=collection(scalar(1)))]), [both]) == [
        ("AmbiguousBindingUnionValue", "n0")]
    neither = task("neither", {"v": union(STR, INT)})
    assert errors_of(template("t", [task_node("n0", "neither", v=collection(scalar(1)))]), [neither]) == [
        ("IncompatibleBindingUnionValue", "n0")]


def test_promises_to_missing_nodes_and_outputs() -> None:
    tmpl = template("t", [task_node("n0", "say", msg=promise("ghost", "o"))])
    assert errors_of(tmpl, [SAY]) == [("NodeReferenceNotFound", "ghost"), ("ParameterNotBound", "n0")]
    tmpl = template("t", [task_node("n0", "say", msg=promise("", "nope"))], inputs={"x": STR})
    assert errors_of(tmpl, [SAY]) == [("ParameterNotBound", "n0"), ("VariableNameNotFound", "start-node")]


def test_promise_variable_syntax_and_list_index() -> None:
    tmpl = template("t", [task_node("n0", "say", msg=promise("", "a.b"))], inputs={"a": STR})
    assert errors_of(tmpl, [SAY]) == [("SyntaxError", "n0")]
    first = template("t", [task_node("n0", "nums"), task_node("n1", "add", a=promise("n0", "[0].o"), b=scalar(1))])
    compile_(first, [NUMS, ADD])
    not_a_list = template("t", [task_node("n0", "add", a=scalar(1), b=scalar(1)),
                                task_node("n1", "add", a=promise("n0", "[0].o"), b=scalar(1))])
    assert ("MismatchingTypes", "n1") in errors_of(not_a_list, [ADD])


def test_output_aliases_rename_outputs() -> None:
    producer = task_node("n0", "say", msg=scalar("hi"))
    producer.output_aliases.add(var="o", alias="greeting")
    good = template("t", [producer, task_node("n1", "say", msg=promise("n0", "greeting"))])
    compile_(good, [SAY])
    bad = template("t", [producer, task_node("n1", "say", msg=promise("n0", "o"))])
    assert ("VariableNameNotFound", "n0") in errors_of(bad, [SAY])
    producer.output_aliases.add(var="o", alias="again")
    twice = template("t", [producer, task_node("n1", "say", msg=promise("n0", "greeting"))])
    assert ("DuplicateAlias", "n0") in errors_of(twice, [SAY])


def test_a_cycle_reachable_from_the_start_is_a_cycle_else_unreachable_nodes() -> None:
    loop = template("t", [task_node("n0", "say", ("n1",), msg=promise("", "x")),
                          task_node("n1", "say", msg=promise("n0", "o"))], inputs={"x": STR})
    assert errors_of(loop, [SAY]) == [("CycleDetected", "start-node")]
    detached = template("t", [task_node("n0", "say", msg=promise("n1", "o")),
                              task_node("n1", "say", msg=promise("n0", "o"))])
    assert errors_of(detached, [SAY]) == [("UnreachableNodes", "start-node")]


def test_no_nodes_and_missing_references() -> None:
    assert errors_of(template("t", [])) == [("NoNodesFound", 'resource_type:WORKFLOW project:"p" domain:"d" '
                                                           'name:"t" version:"v1"')]
    assert errors_of(template("t", [task_node("n0", "say", msg=scalar("a"))])) == [
        ("TaskReferenceNotFound", "start-node")]
    lp_node = wf.Node(id="n0", workflow_node=wf.WorkflowNode(launchplan_ref=ident(identifier_pb2.LAUNCH_PLAN, "lp")))
    assert errors_of(template("t", [lp_node])) == [("WorkflowReferenceNotFound", "start-node")]


def _lp(inputs: dict[str, tuple], outputs: dict) -> LaunchPlanInterface:
    params = interface_pb2.ParameterMap(parameters={
        n: interface_pb2.Parameter(var=interface_pb2.Variable(type=t), required=required)
        for n, (t, required) in inputs.items()})
    outs = interface_pb2.VariableMap(variables={n: interface_pb2.Variable(type=t) for n, t in outputs.items()})
    return LaunchPlanInterface(ident(identifier_pb2.LAUNCH_PLAN, "lp"), params, outs)


def test_launch_plan_nodes_expose_required_and_bound_inputs() -> None:
    plan = _lp({"x": (INT, True), "y": (INT, False)}, {"o": INT})

    def lp_node(**inputs: literals_pb2.BindingData) -> wf.Node:
        return wf.Node(id="n0", workflow_node=wf.WorkflowNode(launchplan_ref=plan.id),
                       inputs=[literals_pb2.Binding(var=k, binding=v) for k, v in inputs.items()])

    compile_(template("t", [lp_node(x=scalar(1))], outputs={"o": INT}, o=promise("n0", "o")), plans=[plan])
    compile_(template("t", [lp_node(x=scalar(1), y=scalar(2))]), plans=[plan])  # a defaulted input may be bound
    assert errors_of(template("t", [lp_node(y=scalar(2))]), plans=[plan]) == [("ParameterNotBound", "n0")]
    assert errors_of(template("t", [lp_node(x=scalar("s"))]), plans=[plan]) == [("MismatchingTypes", "n0")]
    fixed = _lp({}, {})  # a fixed input is not among the expected inputs: binding it is an error
    fixed.id = plan.id
    assert errors_of(template("t", [lp_node(x=scalar(1))]), plans=[fixed]) == [("VariableNameNotFound", "n0")]


def _branch(else_node: wf.Node | None = None, error: bool = False) -> wf.Node:
    if_else = wf.IfElseBlock(case=wf.IfBlock(condition=compare(".x", GT, 0),
                                             then_node=task_node("n0", "say", msg=promise("", "m"))))
    if else_node is not None:
        if_else.else_node.CopyFrom(else_node)
    if error:
        if_else.error.message = "negative"
    return wf.Node(id="b", branch_node=wf.BranchNode(if_else=if_else),
                   inputs=[literals_pb2.Binding(var=".x", binding=promise("", "x"))])


def test_branches_rename_sub_nodes_and_output_their_common_outputs() -> None:
    tmpl = template("t", [_branch(task_node("n1", "say", msg=scalar("neg")))], inputs={"x": INT, "m": STR},
                    outputs={"o": STR}, o=promise("b", "o"))
    closure = compile_(tmpl, [SAY])
    branch = closure.primary.template.nodes[2].branch_node.if_else
    assert (branch.case.then_node.id, branch.else_node.id) == ("b-n0", "b-n1")
    assert branch.case.then_node.inputs[0].binding.promise.node_id == "start-node"
    # sub-node bindings add upstream edges only: the sub-nodes are not in the downstream map
    assert list(closure.primary.connections.upstream["b-n0"].ids) == ["start-node"]
    assert "b-n1" not in closure.primary.connections.upstream
    assert list(closure.primary.connections.downstream["start-node"].ids) == ["b"]
    inputs = {"x": INT, "m": STR}
    compile_(template("t", [_branch(error=True)], inputs=inputs), [SAY])  # an error is a default too
    assert errors_of(template("t", [_branch()], inputs=inputs), [SAY]) == [("BranchNodeHasNoDefault", "b")]


def test_branch_cases_must_agree_on_output_types_and_conditions_on_types() -> None:
    mixed = template("t", [_branch(task_node("n1", "add", a=scalar(1), b=scalar(2)))], inputs={"x": INT, "m": STR})
    # as in Go, the failed branch interface cascades: its condition finds no interface and, having only an
    # upstream edge from its binding, the branch node cannot be reached from start-node
    assert errors_of(mixed, [SAY, ADD]) == [("MismatchingTypes", "b-n1"), ("UnreachableNodes", "start-node"),
                                            ("ValueRequired", "b")]
    on_string = template("t", [_branch(task_node("n1", "say", msg=scalar("neg")))], inputs={"x": STR, "m": STR})
    assert errors_of(on_string, [SAY]) == [("MismatchingTypes", "b")]  # .x is a string, 0 an integer


def test_gate_nodes() -> None:
    sleep = wf.Node(id="g", gate_node=wf.GateNode(sleep=wf.SleepCondition(duration=duration_pb2.Duration(seconds=5))))
    compile_(template("t", [sleep]))
    signal = wf.Node(id="g", gate_node=wf.GateNode(signal=wf.SignalCondition(
        signal_id="ok", type=BOOL, output_variable_name="approved")))
    compile_(template("t", [signal], outputs={"o": BOOL}, o=promise("g", "approved")))
    approve = wf.Node(id="g", gate_node=wf.GateNode(approve=wf.ApproveCondition(signal_id="go")),
                      inputs=[literals_pb2.Binding(var="v", binding=promise("", "x"))])
    closure = compile_(template("t", [approve], inputs={"x": INT}, outputs={"o": INT}, o=promise("g", "v")))
    assert list(closure.primary.connections.upstream["end-node"].ids) == ["g"]
    assert errors_of(template("t", [wf.Node(id="g", gate_node=wf.GateNode())])) == [("NoConditionFound", "g")]


def test_array_nodes_take_the_sub_node_interface_and_keep_its_bindings() -> None:
    sub = task_node("n0", "add", a=promise("", "a"), b=scalar(1))
    array = wf.Node(id="m", array_node=wf.ArrayNode(node=sub, parallelism=2),
                    inputs=[literals_pb2.Binding(var="a", binding=promise("", "x")),
                            literals_pb2.Binding(var="b", binding=scalar(1))])
    closure = compile_(template("t", [array], inputs={"x": INT}), [ADD])
    compiled = closure.primary.template.nodes[2]
    assert compiled.inputs[0].binding.promise.node_id == "start-node"
    assert compiled.array_node.node.inputs[0].binding.promise.node_id == ""  # kept as sent
    assert [t.template.id.name for t in closure.tasks] == ["add"]


def test_failure_node_bindings_add_upstream_edges_only() -> None:
    tmpl = template("t", [task_node("n0", "say", msg=promise("", "x"))], inputs={"x": STR})
    tmpl.failure_node.CopyFrom(task_node("fn", "say", msg=promise("n0", "o")))
    closure = compile_(tmpl, [SAY])
    assert list(closure.primary.connections.upstream["fn"].ids) == ["n0"]
    assert "fn" not in closure.primary.connections.downstream["n0"].ids
    assert closure.primary.template.failure_node.inputs[0].binding.promise.node_id == "n0"
    assert [n.id for n in closure.primary.template.nodes] == ["start-node", "end-node", "n0"]


def test_sub_workflows_are_compiled_in_the_closure() -> None:
    inner = template("inner", [task_node("n0", "say", msg=promise("", "m"))], inputs={"m": STR},
                     outputs={"o": STR}, o=promise("n0", "o"))
    unused = template("unused", [task_node("n0", "say", msg=scalar("x"))])
    sub_node = wf.Node(id="s", workflow_node=wf.WorkflowNode(sub_workflow_ref=inner.id),
                       inputs=[literals_pb2.Binding(var="m", binding=scalar("hi"))])
    outer = template("outer", [sub_node], outputs={"o": STR}, o=promise("s", "o"))
    closure = compile_(outer, [SAY], [inner, unused])
    compiled_inner, as_sent = closure.sub_workflows
    assert [n.id for n in compiled_inner.template.nodes] == ["start-node", "end-node", "n0"]
    assert list(compiled_inner.connections.upstream["end-node"].ids) == ["n0"]
    assert as_sent.template == unused and not as_sent.HasField("connections")  # never referenced: as sent
    assert errors_of(outer, [SAY], [inner, inner]) == [("DuplicateId", 'resource_type:WORKFLOW project:"p" '
                                                                       'domain:"d" name:"inner" version:"v1"')]


def test_requirements_follow_branches_arrays_failure_nodes_and_sub_workflows() -> None:
    inner = template("inner", [task_node("n0", "say", msg=scalar("x"))])
    nodes = [_branch(task_node("n1", "add", a=scalar(1), b=scalar(2))),
             wf.Node(id="m", array_node=wf.ArrayNode(node=task_node("n0", "nums"))),
             wf.Node(id="s", workflow_node=wf.WorkflowNode(sub_workflow_ref=inner.id)),
             wf.Node(id="l", workflow_node=wf.WorkflowNode(launchplan_ref=ident(identifier_pb2.LAUNCH_PLAN, "lp")))]
    tmpl = template("t", nodes)
    tmpl.failure_node.CopyFrom(task_node("fn", "opt"))
    tasks, plans = workflow_requirements(tmpl, [inner])
    assert [t.name for t in tasks] == ["add", "nums", "opt", "say"]  # sorted by id
    assert [p.name for p in plans] == ["lp"]
    try:
        workflow_requirements(tmpl, [])
    except CompileErrors as errs:
        assert [(e.code, e.node_id) for e in errs.errors] == [("WorkflowReferenceNotFound", "s")]
    else:
        raise AssertionError("no error")


def test_errors_are_listed_sorted_by_code_then_text() -> None:
    tmpl = template("t", [task_node("n1", "add", a=scalar("s")), task_node("n0", "add", b=scalar(1))],
                    outputs={"o": INT})
    try:
        compile_workflow(tmpl, [], [ADD], [])
    except CompileErrors as errs:
        assert str(errs).splitlines() == [
            "Collected Errors: 4",
            "\tError 0: Code: MismatchingTypes, Node Id: n1, Description: Variable [a] (type [simple:STRING]) "
            "doesn't match expected type [simple:INTEGER].",
            "\tError 1: Code: ParameterNotBound, Node Id: end-node, Description: Parameter not bound [o].",
            "\tError 2: Code: ParameterNotBound, Node Id: n0, Description: Parameter not bound [a].",
            "\tError 3: Code: ParameterNotBound, Node Id: n1, Description: Parameter not bound [b].",
        ]
    else:
        raise AssertionError("compiled")


def test_a_structured_dataset_literal_without_metadata_fits_no_input() -> None:
    frame = task("frame", {"df": types_pb2.LiteralType(structured_dataset_type=types_pb2.StructuredDatasetType())})
    typed = literals_pb2.BindingData(scalar=literals_pb2.Scalar(structured_dataset=literals_pb2.StructuredDataset(
        uri="s3://x", metadata=literals_pb2.StructuredDatasetMetadata())))
    compile_(template("t", [task_node("n0", "frame", df=typed)]), [frame])
    untyped = literals_pb2.BindingData(scalar=literals_pb2.Scalar(
        structured_dataset=literals_pb2.StructuredDataset(uri="s3://x")))
    assert errors_of(template("t", [task_node("n0", "frame", df=untyped)]), [frame]) == [("MismatchingTypes", "n0")]


def test_a_condition_on_a_scalar_operand_is_refused_as_go_1_16_8_does() -> None:
    """flytekit's ``is_none()`` compares with a ``scalar`` operand, which v1.16.8's compiler does not read."""
    branch = _branch(task_node("n1", "say", msg=scalar("neg")))
    right = branch.branch_node.if_else.case.condition.comparison.right_value
    right.scalar.none_type.SetInParent()
    tmpl = template("t", [branch], inputs={"x": INT, "m": STR})
    assert errors_of(tmpl, [SAY]) == [("ValueRequired", "b")]
