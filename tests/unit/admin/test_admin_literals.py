"""YAML values → Flyte literals by interface type, and back for display."""

from __future__ import annotations

import datetime as dt

import pytest
from flyteidl.core import literals_pb2, types_pb2
from hypothesis import given
from hypothesis import strategies as st

from reconciler.admin.literals import (
    LiteralError,
    format_duration,
    literal_to_value,
    parse_duration,
    to_literal,
    type_name,
)
from reconciler.errors import PlanError

INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
FLOAT = types_pb2.LiteralType(simple=types_pb2.FLOAT)
STR = types_pb2.LiteralType(simple=types_pb2.STRING)
BOOL = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
DATETIME = types_pb2.LiteralType(simple=types_pb2.DATETIME)
DURATION = types_pb2.LiteralType(simple=types_pb2.DURATION)
STRUCT = types_pb2.LiteralType(simple=types_pb2.STRUCT)
NONE = types_pb2.LiteralType(simple=types_pb2.NONE)


def list_of(t: types_pb2.LiteralType) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(collection_type=t)


def map_of(t: types_pb2.LiteralType) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(map_value_type=t)


def union_of(*variants: types_pb2.LiteralType) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(union_type=types_pb2.UnionType(variants=list(variants)))


ENUM = types_pb2.LiteralType(enum_type=types_pb2.EnumType(values=["red", "green"]))
FILE = types_pb2.LiteralType(blob=types_pb2.BlobType(format="csv", dimensionality=types_pb2.BlobType.SINGLE))
DIRECTORY = types_pb2.LiteralType(blob=types_pb2.BlobType(dimensionality=types_pb2.BlobType.MULTIPART))


def test_type_names_are_short_and_python_like() -> None:
    assert [type_name(t) for t in (INT, FLOAT, STR, BOOL, DATETIME, DURATION, STRUCT)] == [
        "int", "float", "str", "bool", "datetime", "duration", "json"]
    assert type_name(list_of(STR)) == "list[str]"
    assert type_name(map_of(list_of(INT))) == "dict[str, list[int]]"
    assert type_name(union_of(INT, NONE)) == "optional[int]"
    assert type_name(union_of(INT, STR)) == "union[int, str]"
    assert type_name(ENUM) == "enum(red|green)"
    assert (type_name(FILE), type_name(DIRECTORY)) == ("file", "directory")


def test_primitives() -> None:
    assert to_literal(5, INT, "n").scalar.primitive.integer == 5
    assert to_literal(2, FLOAT, "x").scalar.primitive.float_value == 2.0  # ints are accepted as floats
    assert to_literal(0.25, FLOAT, "x").scalar.primitive.float_value == 0.25
    assert to_literal("eu", STR, "s").scalar.primitive.string_value == "eu"
    assert to_literal(False, BOOL, "b").scalar.primitive.HasField("boolean")


@pytest.mark.parametrize("value", [
    "2024-01-01T06:00:00Z", "2024-01-01T07:00:00+01:00", "2024-01-01T06:00:00",
    dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC), dt.datetime(2024, 1, 1, 6)])
def test_datetimes_are_normalised_to_utc(value: object) -> None:
    literal = to_literal(value, DATETIME, "run_date")
    assert literal_to_value(literal) == "2024-01-01T06:00:00Z"


def test_yaml_dates_mean_midnight_utc() -> None:
    assert literal_to_value(to_literal(dt.date(2024, 3, 1), DATETIME, "d")) == "2024-03-01T00:00:00Z"


@pytest.mark.parametrize(("value", "canonical"), [
    ("1h", "1h"), ("30m", "30m"), ("90s", "1m30s"), ("1h30m", "1h30m"), ("PT1H", "1h"), ("P1DT2H", "1d2h"),
    (3600, "1h"), (0.5, "0.5s"), ("2d", "2d"), (0, "0s")])
def test_durations(value: object, canonical: str) -> None:
    assert literal_to_value(to_literal(value, DURATION, "timeout")) == canonical


def test_collections_maps_and_structs() -> None:
    tables = to_literal(["events", "users"], list_of(STR), "tables")
    assert literal_to_value(tables) == ["events", "users"]
    params = to_literal({"b": "2", "a": "1"}, map_of(STR), "params")
    assert literal_to_value(params) == {"a": "1", "b": "2"}
    nested = to_literal({"k": [1, 2]}, map_of(list_of(INT)), "nested")
    assert literal_to_value(nested) == {"k": [1, 2]}
    struct = to_literal({"a": {"b": [1, "x", True]}, "when": dt.date(2024, 1, 1)}, STRUCT, "config")
    assert struct.scalar.HasField("generic")
    assert literal_to_value(struct) == {"a": {"b": [1.0, "x", True]}, "when": "2024-01-01"}


def test_enums_unions_and_blobs() -> None:
    assert literal_to_value(to_literal("green", ENUM, "colour")) == "green"
    optional = union_of(INT, NONE)
    none = to_literal(None, optional, "limit")
    assert none.scalar.union.value.scalar.HasField("none_type")
    assert none.scalar.union.type == NONE
    assert literal_to_value(none) is None
    three = to_literal(3, optional, "limit")
    assert three.scalar.union.type == INT and literal_to_value(three) == 3
    either = union_of(INT, STR)
    assert to_literal("x", either, "v").scalar.union.type == STR  # first variant that converts
    blob = to_literal("s3://bucket/data.csv", FILE, "data")
    assert blob.scalar.blob.metadata.type.format == "csv"
    assert blob.scalar.blob.metadata.type.dimensionality == types_pb2.BlobType.SINGLE
    folder = to_literal("s3://bucket/dir/", DIRECTORY, "data")
    assert folder.scalar.blob.metadata.type.dimensionality == types_pb2.BlobType.MULTIPART
    assert literal_to_value(folder) == "s3://bucket/dir/"


@pytest.mark.parametrize(("value", "literal_type", "expected"), [
    ("5", INT, "expected an integer"),
    (True, INT, "expected an integer"),
    (1.5, INT, "expected an integer"),
    (2**64, INT, "64-bit range"),
    ("1.5", FLOAT, "expected a number"),
    (5, STR, "expected a string"),
    ("yes", BOOL, "expected true or false"),
    ("yesterday", DATETIME, "ISO 8601 datetime"),
    (True, DATETIME, "ISO 8601 datetime"),
    ("soon", DURATION, "a duration such as 1h30m"),
    ("events", list_of(STR), "a list (list[str])"),
    ({1: "a"}, map_of(STR), "string keys"),
    ("blue", ENUM, "one of red, green"),
    ("x", union_of(INT, NONE), "optional[int]"),
    (3, FILE, "a URI string"),
    ([1], STRUCT, "a mapping (JSON object)"),
    (None, INT, "null is only allowed for optional inputs"),
    (["a", 2], list_of(STR), "expected a string"),
])
def test_mismatches_name_the_input_and_what_was_expected(value: object, literal_type: types_pb2.LiteralType,
                                                         expected: str) -> None:
    with pytest.raises(LiteralError) as info:
        to_literal(value, literal_type, "my_input")
    message = str(info.value)
    assert "input 'my_input'" in message and expected in message
    assert isinstance(info.value, PlanError)


def test_literal_kinds_a_manifest_cannot_express_display_as_none() -> None:
    assert literal_to_value(literals_pb2.Literal()) is None
    assert literal_to_value(literals_pb2.Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))) is None


def test_format_duration_is_exact_for_sub_seconds() -> None:
    assert format_duration(dt.timedelta(microseconds=1)) == "0.000001s"
    assert parse_duration(format_duration(dt.timedelta(microseconds=1))) == dt.timedelta(microseconds=1)
    assert format_duration(dt.timedelta(seconds=-90)) == "-1m30s"


# -- round trips (property) ----------------------------------------------------------------------
_utc_datetimes = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(9999, 1, 1),
                              timezones=st.just(dt.UTC))
_durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3650))


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_int_round_trip(value: int) -> None:
    assert literal_to_value(to_literal(value, INT, "n")) == value


@given(st.floats(allow_nan=False))
def test_float_round_trip(value: float) -> None:
    assert literal_to_value(to_literal(value, FLOAT, "x")) == value


@given(st.text())
def test_str_round_trip(value: str) -> None:
    assert literal_to_value(to_literal(value, STR, "s")) == value


@given(st.booleans())
def test_bool_round_trip(value: bool) -> None:
    assert literal_to_value(to_literal(value, BOOL, "b")) is value


@given(_utc_datetimes)
def test_datetime_round_trip(value: dt.datetime) -> None:
    shown = literal_to_value(to_literal(value, DATETIME, "d"))
    assert shown.endswith("Z")
    assert dt.datetime.fromisoformat(shown) == value
    assert literal_to_value(to_literal(shown, DATETIME, "d")) == shown  # the display value converts back


@given(_durations)
def test_duration_round_trip(value: dt.timedelta) -> None:
    shown = literal_to_value(to_literal(value, DURATION, "t"))
    assert parse_duration(shown) == value
    assert literal_to_value(to_literal(shown, DURATION, "t")) == shown


@given(st.dictionaries(st.text(), st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1))))
def test_nested_collection_round_trip(value: dict[str, list[int]]) -> None:
    assert literal_to_value(to_literal(value, map_of(list_of(INT)), "m")) == value
