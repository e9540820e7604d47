"""Go's one-line protobuf text, as compile errors print types and identifiers."""

from __future__ import annotations

import pytest
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from reconciler.localadmin.compiler.gotext import go_float, go_text


def test_identifier_and_nil() -> None:
    ident = identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project="p", name='a"b', version="1")
    assert go_text(ident) == 'resource_type:LAUNCH_PLAN project:"p" name:"a\\"b" version:"1"'
    assert go_text(None) == "<nil>"


def test_nested_messages_repeated_fields_maps_and_declaration_order() -> None:
    t = types_pb2.LiteralType(enum_type=types_pb2.EnumType(values=["red", "blue"]))
    t.metadata.update({"b": True, "a": 1.5})
    t.structure.dataclass_type["z"].simple = types_pb2.INTEGER
    t.structure.dataclass_type["y"].simple = types_pb2.STRING
    assert go_text(t) == (
        'enum_type:{values:"red" values:"blue"} '
        'metadata:{fields:{key:"a" value:{number_value:1.5}} fields:{key:"b" value:{bool_value:true}}} '
        'structure:{dataclass_type:{key:"y" value:{simple:STRING}} dataclass_type:{key:"z" value:{simple:INTEGER}}}')


def test_oneof_zero_values_are_printed_when_set() -> None:
    assert go_text(types_pb2.LiteralType(simple=types_pb2.NONE)) == "simple:NONE"
    assert go_text(literals_pb2.Primitive(integer=0)) == "integer:0"
    assert go_text(types_pb2.LiteralType()) == ""


@pytest.mark.parametrize(("value", "text"), [
    (1.0, "1"), (0.75, "0.75"), (100.0, "100"), (123456.0, "123456"), (1234567.0, "1.234567e+06"),
    (1e6, "1e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"), (-2.5, "-2.5"), (1e21, "1e+21"),
    (float("inf"), "inf"), (float("nan"), "nan"),
])
def test_floats_as_go_formats_them(value: float, text: str) -> None:
    assert go_float(value) == text


def test_float32_uses_the_shortest_text_of_the_float32() -> None:
    assert go_float(0.10000000149011612, 32) == "0.1"
