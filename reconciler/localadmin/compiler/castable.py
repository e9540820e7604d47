"""Literal type compatibility: can a value of the upstream type be bound to the downstream type?

The rules of flytepropeller's ``validators/typing.go`` (``AreTypesCastable``): the downstream type picks the
checker (collection, map, blob, schema, union, structured dataset, none, or exact match ignoring
structure/metadata/annotation); strings and enums cast both ways; a one-variant union upstream is unwrapped.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flyteidl.core import types_pb2
from flyteidl.core.types_pb2 import LiteralType
from google.protobuf import json_format, struct_pb2

_NONE = types_pb2.NONE
_STRING = types_pb2.STRING
_STRUCT = types_pb2.STRUCT
_SCHEMA_TO_SIMPLE = {
    types_pb2.SchemaType.SchemaColumn.INTEGER: types_pb2.INTEGER,
    types_pb2.SchemaType.SchemaColumn.FLOAT: types_pb2.FLOAT,
    types_pb2.SchemaType.SchemaColumn.STRING: types_pb2.STRING,
    types_pb2.SchemaType.SchemaColumn.BOOLEAN: types_pb2.BOOLEAN,
    types_pb2.SchemaType.SchemaColumn.DATETIME: types_pb2.DATETIME,
    types_pb2.SchemaType.SchemaColumn.DURATION: types_pb2.DURATION,
}


def _kind(t: LiteralType | None) -> str | None:
    return None if t is None else t.WhichOneof("type")


def is_none_type(t: LiteralType | None) -> bool:
    return _kind(t) == "simple" and t.simple == _NONE  # type: ignore[union-attr]


def _tag(t: LiteralType) -> str:
    return t.structure.tag if t.HasField("structure") else ""


def _schema_props(meta: struct_pb2.Struct) -> dict:
    return json.loads(json_format.MessageToJson(meta))  # type: ignore[no-any-return]


def _json_subsumes(target: object, source: object) -> bool:
    """Whether every value of JSON schema ``source`` is valid for ``target`` (the subset of
    json-schema-compare's checks that dataclass schemas use: type, properties, required, items)."""
    if not isinstance(target, dict) or not isinstance(source, dict):
        return target == source
    if "type" in target and target.get("type") != source.get("type"):
        return False
    if not set(target.get("required", [])) <= set(source.get("required", [])):
        return False
    source_props = source.get("properties", {})
    for name, prop in target.get("properties", {}).items():
        if name in source_props and not _json_subsumes(prop, source_props[name]):
            return False
    return "items" not in target or _json_subsumes(target["items"], source.get("items", {}))


def _structs_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    if not upstream.HasField("metadata") or not downstream.HasField("metadata"):
        return True
    if upstream.metadata == downstream.metadata:
        return True
    return _json_subsumes(_schema_props(downstream.metadata), _schema_props(upstream.metadata))


def _trivial(downstream: LiteralType, upstream: LiteralType) -> bool:
    if upstream.HasField("enum_type") and _kind(downstream) == "simple" and downstream.simple == _STRING:
        return True
    if downstream.HasField("enum_type") and _kind(upstream) == "simple" and upstream.simple == _STRING:
        return True
    if _tag(upstream) and _tag(downstream) != _tag(upstream):
        return False
    if _kind(upstream) == "simple" and upstream.simple == _STRUCT and _kind(downstream) == "simple" \
            and downstream.simple == _STRUCT:
        return _structs_castable(upstream, downstream)
    extras = ("structure", "metadata", "annotation")
    if not any(upstream.HasField(f) or downstream.HasField(f) for f in extras):
        return upstream == downstream
    up, down = LiteralType(), LiteralType()
    up.CopyFrom(upstream)
    down.CopyFrom(downstream)
    for field in extras:
        up.ClearField(field)
        down.ClearField(field)
    return up == down


def _container(kind: str) -> Callable[[LiteralType, LiteralType], bool]:
    """Collections and maps: the element types must cast; an upstream NONE element (empty) fits anything."""
    def check(downstream: LiteralType, upstream: LiteralType) -> bool:
        if _kind(upstream) != kind:
            return False
        element = getattr(upstream, kind)
        return is_none_type(element) or _checker(getattr(downstream, kind))(element)
    return check


def _blob(downstream: LiteralType, upstream: LiteralType) -> bool:
    if _kind(upstream) != "blob":
        return False
    if not upstream.blob.format or not downstream.blob.format:
        return True
    return upstream.blob.format == downstream.blob.format


def _columns_match(up_columns: dict, down_columns: list, match: Callable[[object, object], bool]) -> bool:
    if not up_columns or not down_columns:
        return True
    for name, down_type in down_columns:
        if name not in up_columns or not match(up_columns[name], down_type):
            return False
    return True


def _schema(downstream: LiteralType, upstream: LiteralType) -> bool:
    down = downstream.schema
    if _kind(upstream) == "schema":
        return _columns_match({c.name: c.type for c in upstream.schema.columns},
                              [(c.name, c.type) for c in down.columns], lambda u, d: u == d)
    if _kind(upstream) != "structured_dataset_type":
        return False
    sd = upstream.structured_dataset_type
    if sd.format and sd.format.lower() != "parquet":
        return False
    return _columns_match({c.name: c.literal_type.simple for c in sd.columns},
                          [(c.name, c.type) for c in down.columns],
                          lambda u, d: _SCHEMA_TO_SIMPLE.get(d) == u)  # type: ignore[call-overload]


def _structured_dataset(downstream: LiteralType, upstream: LiteralType) -> bool:
    if is_none_type(upstream):
        return True
    down = downstream.structured_dataset_type
    if _kind(upstream) == "schema":
        if down.format and down.format.lower() != "parquet":
            return False
        return _columns_match({c.name: c.type for c in upstream.schema.columns},
                              [(c.name, c.literal_type.simple) for c in down.columns],
                              lambda u, d: _SCHEMA_TO_SIMPLE.get(u) == d)  # type: ignore[call-overload]
    if _kind(upstream) != "structured_dataset_type":
        return False
    up = upstream.structured_dataset_type
    if up.format and down.format and up.format.lower() != down.format.lower():
        return False
    return _columns_match({c.name: c.literal_type for c in up.columns},
                          [(c.name, c.literal_type) for c in down.columns],
                          lambda u, d: _checker(d)(u))  # type: ignore[arg-type]


def _union(downstream: LiteralType, upstream: LiteralType) -> bool:
    variants = downstream.union_type.variants
    if _kind(upstream) == "union_type":
        return all(any(castable(u, d) for d in variants) for u in upstream.union_type.variants)
    return sum(1 for d in variants if castable(upstream, d)) == 1


_CHECKERS = {"collection_type": _container("collection_type"), "map_value_type": _container("map_value_type"),
             "blob": _blob, "schema": _schema,
             "union_type": _union, "structured_dataset_type": _structured_dataset}


def _checker(downstream: LiteralType) -> Callable[[LiteralType], bool]:
    check = _CHECKERS.get(_kind(downstream))  # type: ignore[arg-type]
    if check is not None:
        return lambda upstream: check(downstream, upstream)
    if is_none_type(downstream):
        return is_none_type
    return lambda upstream: _trivial(downstream, upstream)


def castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    """``AreTypesCastable(upstream, downstream)``."""
    check = _checker(downstream)
    if _kind(upstream) == "union_type" and len(upstream.union_type.variants) == 1 \
            and check(upstream.union_type.variants[0]):
        return True
    return check(upstream)
