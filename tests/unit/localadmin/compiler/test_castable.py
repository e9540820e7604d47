"""Literal type compatibility, rule by rule (flytepropeller validators/typing.go)."""

from __future__ import annotations

import pytest
from flyteidl.core import types_pb2
from google.protobuf import struct_pb2

from reconciler.localadmin.compiler.castable import castable
from tests.unit.localadmin.compiler.build import BOOL, FLOAT, INT, NONE, STR, enum, list_of, map_of, union

LT = types_pb2.LiteralType


def blob(fmt: str = "", dimensionality: int = 0) -> LT:
    return LT(blob=types_pb2.BlobType(format=fmt, dimensionality=dimensionality))


def dataset(fmt: str = "", **columns: LT) -> LT:
    return LT(structured_dataset_type=types_pb2.StructuredDatasetType(format=fmt, columns=[
        types_pb2.StructuredDatasetType.DatasetColumn(name=n, literal_type=t) for n, t in columns.items()]))


def schema(**columns: int) -> LT:
    return LT(schema=types_pb2.SchemaType(columns=[
        types_pb2.SchemaType.SchemaColumn(name=n, type=t) for n, t in columns.items()]))


def struct(schema_json: dict | None = None, tag: str = "") -> LT:
    t = LT(simple=types_pb2.STRUCT)
    if schema_json is not None:
        t.metadata.update(schema_json)
    if tag:
        t.structure.tag = tag
    return t


SCHEMA_COL = types_pb2.SchemaType.SchemaColumn


@pytest.mark.parametrize(("upstream", "downstream", "expected"), [
    (INT, INT, True),
    (INT, STR, False),
    (INT, FLOAT, False),  # no numeric widening
    (STR, enum("a", "b"), True),  # strings and enums cast both ways
    (enum("a"), STR, True),
    (enum("a", "b"), enum("a", "b"), True),
    (enum("a"), enum("a", "b"), False),  # enums must be identical
    (NONE, NONE, True),
    (INT, NONE, False),
    (NONE, INT, False),
    (list_of(INT), list_of(INT), True),
    (list_of(NONE), list_of(STR), True),  # an empty collection fits any element type
    (list_of(INT), list_of(STR), False),
    (INT, list_of(INT), False),
    (map_of(INT), map_of(INT), True),
    (map_of(NONE), map_of(BOOL), True),
    (map_of(INT), list_of(INT), False),
    (list_of(list_of(INT)), list_of(list_of(INT)), True),
])
def test_simple_collections_maps_enums(upstream: LT, downstream: LT, expected: bool) -> None:
    assert castable(upstream, downstream) is expected


@pytest.mark.parametrize(("upstream", "downstream", "expected"), [
    (INT, union(INT, NONE), True),  # Optional[int]
    (NONE, union(INT, NONE), True),
    (STR, union(INT, NONE), False),
    (INT, union(INT, INT), False),  # more than one variant matches: ambiguous
    (union(INT, NONE), union(INT, STR, NONE), True),  # every upstream variant fits some downstream variant
    (union(INT, FLOAT), union(INT, NONE), False),
    (union(INT), INT, True),  # a one-variant union upstream is unwrapped
    (union(INT, NONE), INT, False),
    (list_of(INT), list_of(union(INT, NONE)), True),
])
def test_unions_and_optionals(upstream: LT, downstream: LT, expected: bool) -> None:
    assert castable(upstream, downstream) is expected


@pytest.mark.parametrize(("upstream", "downstream", "expected"), [
    (blob(), blob("csv"), True),  # an unspecified format matches anything
    (blob("csv"), blob(), True),
    (blob("csv"), blob("csv"), True),
    (blob("csv"), blob("parquet"), False),
    (blob("", 0), blob("", 1), True),  # dimensionality is not checked
    (STR, blob(), False),
    (dataset(), dataset("parquet"), True),
    (dataset("csv"), dataset("parquet"), False),
    (dataset("PARQUET"), dataset("parquet"), True),  # formats compare case-insensitively
    (dataset(a=INT, b=STR), dataset(a=INT), True),  # downstream columns must exist upstream
    (dataset(a=INT), dataset(a=INT, b=STR), False),
    (dataset(a=STR), dataset(a=INT), False),
    (dataset(), dataset(a=INT), True),  # no columns on either side: anything goes
    (NONE, dataset(a=INT), True),
    (schema(a=SCHEMA_COL.INTEGER), dataset(a=INT), True),
    (schema(a=SCHEMA_COL.STRING), dataset(a=INT), False),
    (dataset(a=INT), schema(a=SCHEMA_COL.INTEGER), True),
    (dataset("csv", a=INT), schema(a=SCHEMA_COL.INTEGER), False),  # a schema reads parquet only
    (schema(a=SCHEMA_COL.INTEGER), schema(a=SCHEMA_COL.INTEGER, b=SCHEMA_COL.FLOAT), False),
])
def test_blobs_datasets_and_schemas(upstream: LT, downstream: LT, expected: bool) -> None:
    assert castable(upstream, downstream) is expected


POINT = {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "number"}}, "required": ["x", "y"]}
POINT_X = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}


@pytest.mark.parametrize(("upstream", "downstream", "expected"), [
    (struct(), struct(POINT), True),  # metadata missing on one side: no check
    (struct(POINT), struct(POINT), True),
    (struct(POINT), struct(POINT_X), True),  # the source has every field the target needs
    (struct(POINT_X), struct(POINT), False),  # the target requires y, which the source lacks
    (struct(POINT, tag="a"), struct(POINT, tag="b"), False),  # tags must agree when the source has one
    (struct(POINT), struct(POINT, tag="b"), True),
    (struct(), INT, False),
])
def test_structs(upstream: LT, downstream: LT, expected: bool) -> None:
    assert castable(upstream, downstream) is expected


def test_exact_match_ignores_structure_metadata_and_annotation_outside_structs() -> None:
    annotated = LT(simple=types_pb2.INTEGER, metadata=struct_pb2.Struct())
    annotated.metadata.update({"anything": 1})
    annotated.annotation.annotations.update({"k": "v"})
    assert castable(annotated, INT)
    assert castable(INT, annotated)
