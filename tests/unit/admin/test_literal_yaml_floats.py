"""Float inputs accept what YAML 1.2 calls a float, though PyYAML (YAML 1.1) reads it as a string."""

from __future__ import annotations

import pytest
import yaml
from flyteidl.core import types_pb2

from reconciler.admin.literals import LiteralError, to_literal

FLOAT = types_pb2.LiteralType(simple=types_pb2.FLOAT)
STRING = types_pb2.LiteralType(simple=types_pb2.STRING)


@pytest.mark.parametrize(("text", "expected"), [
    ("learning_rate: 1e-3", 0.001), ("learning_rate: 2E5", 200000.0), ("learning_rate: 1e+3", 1000.0),
    ("learning_rate: -5e-1", -0.5), ("learning_rate: 1.5e3", 1500.0), ("learning_rate: .5", 0.5),
    ("learning_rate: 3", 3.0),
])
def test_float_inputs_take_yaml_1_2_floats(text: str, expected: float) -> None:
    value = yaml.safe_load(text)["learning_rate"]
    assert to_literal(value, FLOAT, "learning_rate").scalar.primitive.float_value == expected


@pytest.mark.parametrize("quoted", ['"1.5"', '"3"', '".5"', '"1e"', '"ten"', '" 1e-3"'])
def test_strings_yaml_1_1_reads_as_numbers_were_quoted_on_purpose(quoted: str) -> None:
    value = yaml.safe_load(f"x: {quoted}")["x"]
    assert isinstance(value, str)
    with pytest.raises(LiteralError):
        to_literal(value, FLOAT, "x")


def test_strings_elsewhere_stay_strings() -> None:
    assert yaml.safe_load("v: 1e-3")["v"] == "1e-3"
    assert to_literal("1e-3", STRING, "v").scalar.primitive.string_value == "1e-3"
