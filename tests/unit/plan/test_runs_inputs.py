"""Run inputs convert exactly as launch plan inputs do, for the literal types the samples lack (enums,
optionals, unions, blobs, structs), and a wrong type names file:line and the field (offline)."""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.core import identifier_pb2, interface_pb2, types_pb2

from reconciler.admin.launchplans import WorkflowInfo, build_launch_plan_spec
from reconciler.admin.runs import RunIntent, _Entity, _inputs

SIMPLE = types_pb2.SimpleType
TYPES = {
    "colour": types_pb2.LiteralType(enum_type=types_pb2.EnumType(values=["red", "green"])),
    "maybe": types_pb2.LiteralType(union_type=types_pb2.UnionType(variants=[
        types_pb2.LiteralType(simple=SIMPLE.INTEGER), types_pb2.LiteralType(simple=SIMPLE.NONE)])),
    "either": types_pb2.LiteralType(union_type=types_pb2.UnionType(variants=[
        types_pb2.LiteralType(simple=SIMPLE.INTEGER), types_pb2.LiteralType(simple=SIMPLE.STRING)])),
    "file": types_pb2.LiteralType(blob=types_pb2.BlobType(dimensionality=types_pb2.BlobType.SINGLE)),
    "folder": types_pb2.LiteralType(blob=types_pb2.BlobType(dimensionality=types_pb2.BlobType.MULTIPART)),
    "config": types_pb2.LiteralType(simple=SIMPLE.STRUCT),
    "nested": types_pb2.LiteralType(map_value_type=types_pb2.LiteralType(
        collection_type=types_pb2.LiteralType(simple=SIMPLE.FLOAT))),
}
VALUES: dict[str, Any] = {"colour": "green", "maybe": None, "either": "text", "file": "s3://b/k.csv",
                          "folder": "s3://b/dir", "config": {"a": [1, {"b": True}]}, "nested": {"x": [1, 2.5]}}


def interface() -> interface_pb2.TypedInterface:
    return interface_pb2.TypedInterface(inputs=interface_pb2.VariableMap(variables={
        name: interface_pb2.Variable(type=t) for name, t in TYPES.items()}))


def test_every_type_converts_as_a_launch_plan_default_does() -> None:
    workflow = WorkflowInfo(id=identifier_pb2.Identifier(name="wf", version="v1"), interface=interface())
    lp_spec, _ = build_launch_plan_spec("launchplan/p/d/lp", {"defaultInputs": VALUES}, workflow)
    expected = {name: interface_pb2.Parameter(var=interface_pb2.Variable(type=t), required=True)
                for name, t in TYPES.items()}
    intent = RunIntent(address="run/p/d/r", spec={"inputs": VALUES}, source="m.yaml:1")
    literals, errors = _inputs(intent, _Entity(identifier_pb2.Identifier(name="t"), expected), "task t@v1")
    assert errors == []
    for name in TYPES:
        assert literals.literals[name] == lp_spec.default_inputs.parameters[name].default, name


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("colour", "blue", "one of red, green"),
    ("maybe", "x", "optional[int]"),
    ("file", 3, "a URI string"),
    ("config", [1], "a mapping"),
    ("nested", {"x": ["a"]}, "a number"),
])
def test_a_wrong_type_names_file_line_and_field(name: str, value: Any, expected: str) -> None:
    parameters = {name: interface_pb2.Parameter(var=interface_pb2.Variable(type=TYPES[name]))}
    intent = RunIntent(address="run/p/d/r", spec={"inputs": {name: value}}, source="m.yaml:1",
                       sources={f"spec.inputs.{name}": "m.yaml:9"})
    _literals, errors = _inputs(intent, _Entity(identifier_pb2.Identifier(name="t"), parameters), "task t@v1")
    (error,) = errors
    assert error.startswith(f"m.yaml:9: Run run/p/d/r: spec.inputs.{name}: input {name!r}: ") and expected in error
