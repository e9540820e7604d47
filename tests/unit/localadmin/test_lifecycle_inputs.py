"""Execution inputs are computed and type-checked as flyteadmin does (pure functions, no server)."""

from __future__ import annotations

import grpc
import pytest
from flyteidl.core import interface_pb2, literals_pb2, types_pb2

from reconciler.localadmin.executions.inputs import (
    castable,
    compute_inputs,
    go_text,
    literal_type_of,
    validate_literal_map,
)
from reconciler.localadmin.service.status import AdminStatusError

ST = types_pb2.SimpleType


def lit(value: object) -> literals_pb2.Literal:
    primitive = literals_pb2.Primitive()
    if isinstance(value, bool):
        primitive.boolean = value
    elif isinstance(value, int):
        primitive.integer = value
    elif isinstance(value, float):
        primitive.float_value = value
    elif isinstance(value, str):
        primitive.string_value = value
    elif isinstance(value, list):
        return literals_pb2.Literal(
            collection=literals_pb2.LiteralCollection(literals=[lit(v) for v in value])
        )
    elif isinstance(value, dict):
        return literals_pb2.Literal(
            map=literals_pb2.LiteralMap(literals={k: lit(v) for k, v in value.items()})
        )
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=primitive))


def simple(kind: int) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(simple=kind)


def params(**spec: tuple[types_pb2.LiteralType, object]) -> interface_pb2.ParameterMap:
    out = {}
    for name, (kind, default) in spec.items():
        var = interface_pb2.Variable(type=kind)
        out[name] = (
            interface_pb2.Parameter(var=var, required=True)
            if default is None
            else interface_pb2.Parameter(var=var, default=lit(default))
        )
    return interface_pb2.ParameterMap(parameters=out)


EXPECTED = params(
    run_date=(simple(ST.STRING), None), region=(simple(ST.STRING), "us"), limit=(simple(ST.INTEGER), 100)
)


def lmap(**values: object) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(literals={k: lit(v) for k, v in values.items()})


def error_of(fn, *args) -> AdminStatusError:  # type: ignore[no-untyped-def]
    with pytest.raises(AdminStatusError) as info:
        fn(*args)
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    return info.value


def message(error: AdminStatusError) -> str:
    return str(getattr(error, "message", None) or error)


def test_defaults_are_filled_and_fixed_inputs_added() -> None:
    result = compute_inputs(lmap(run_date="2024-01-01", limit=5), lmap(mode="fast"), EXPECTED)
    assert {k: v.scalar.primitive.WhichOneof("value") for k, v in result.literals.items()} == {
        "run_date": "string_value",
        "region": "string_value",
        "limit": "integer",
        "mode": "string_value",
    }
    assert result.literals["region"].scalar.primitive.string_value == "us"
    assert result.literals["limit"].scalar.primitive.integer == 5


@pytest.mark.parametrize(
    ("user", "fixed", "expected"),
    [
        ({"nope": 1}, {}, "invalid input nope"),
        (
            {"run_date": "x", "mode": "y"},
            {"mode": "fast"},
            "invalid input mode",
        ),  # a fixed name is not expected
        ({}, {}, "expected_inputs run_date missing"),
        (
            {"run_date": "x", "limit": "many"},
            {},
            "invalid limit input wrong type. Expected simple:INTEGER, but got simple:STRING",
        ),
        ({"run_date": "x"}, {"region": "eu"}, "fixed_inputs region cannot be overridden"),
    ],
)
def test_input_errors(user: dict, fixed: dict, expected: str) -> None:
    assert message(error_of(compute_inputs, lmap(**user), lmap(**fixed), EXPECTED)) == expected


def test_literal_map_checks() -> None:
    assert message(error_of(validate_literal_map, lmap(**{"": 1}), "inputs")) == "missing key in inputs"
    empty = literals_pb2.LiteralMap(literals={"a": literals_pb2.Literal()})
    assert message(error_of(validate_literal_map, empty, "inputs")) == "missing valid literal in inputs a"
    bad_date = literals_pb2.Literal()
    bad_date.scalar.primitive.datetime.seconds = -(10**12)
    assert "datetime" in message(
        error_of(validate_literal_map, literals_pb2.LiteralMap(literals={"d": bad_date}), "inputs")
    )
    validate_literal_map(lmap(a=1, b=[1, 2]), "inputs")


@pytest.mark.parametrize(
    ("value", "target", "ok"),
    [
        (1, simple(ST.INTEGER), True),
        (1, simple(ST.FLOAT), False),
        ("a", types_pb2.LiteralType(enum_type=types_pb2.EnumType(values=["a", "b"])), True),
        (["a", "b"], types_pb2.LiteralType(collection_type=simple(ST.STRING)), True),
        ([], types_pb2.LiteralType(collection_type=simple(ST.STRING)), True),
        ([1], types_pb2.LiteralType(collection_type=simple(ST.STRING)), False),
        ({}, types_pb2.LiteralType(map_value_type=simple(ST.STRING)), True),
        ({"k": "v"}, types_pb2.LiteralType(map_value_type=simple(ST.STRING)), True),
        ({"k": 1}, types_pb2.LiteralType(map_value_type=simple(ST.STRING)), False),
        (
            1,
            types_pb2.LiteralType(
                union_type=types_pb2.UnionType(variants=[simple(ST.STRING), simple(ST.INTEGER)])
            ),
            True,
        ),
    ],
)
def test_castability(value: object, target: types_pb2.LiteralType, ok: bool) -> None:
    assert castable(literal_type_of(lit(value)), target) is ok


def test_go_text_is_compact() -> None:
    assert (
        go_text(types_pb2.LiteralType(collection_type=simple(ST.STRING))) == "collection_type:{simple:STRING}"
    )
