"""YAML values ↔ Flyte literals, driven by the workflow interface's ``LiteralType``.

``to_literal(value, literal_type, name)`` converts what a manifest says (ints, floats, strings, bools,
ISO 8601 / YAML timestamps, durations like ``1h30m`` or ``PT1H``, lists, maps, enums, optionals and
unions, blob URIs, JSON structs) into the literal Admin expects, raising ``LiteralError`` naming the
input and what was expected. ``to_value(literal)`` is the reverse, for display and diffs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2

from reconciler.errors import PlanError


class LiteralError(PlanError):
    """A manifest value does not fit the workflow input's type."""


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")
_ISO_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                           r"(?:(\d+(?:\.\d+)?)S)?)?$")


def type_name(t: types_pb2.LiteralType) -> str:
    kind = t.WhichOneof("type")
    if kind == "simple":
        return types_pb2.SimpleType.Name(t.simple).lower()
    if kind == "collection_type":
        return f"list[{type_name(t.collection_type)}]"
    if kind == "map_value_type":
        return f"dict[str, {type_name(t.map_value_type)}]"
    if kind == "enum_type":
        return "enum(" + "|".join(t.enum_type.values) + ")"
    if kind == "union_type":
        return " | ".join(type_name(v) for v in t.union_type.variants)
    if kind == "blob":
        return "directory" if t.blob.dimensionality == types_pb2.BlobType.MULTIPART else "file"
    if kind == "schema":
        return "schema"
    if kind == "structured_dataset_type":
        return "structured_dataset"
    return kind or "unknown"


def parse_duration(value: Any) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    text = str(value).strip()
    match = _DURATION.match(text) if text else None
    if not match or not any(match.groups()):
        match = _ISO_DURATION.match(text)
        if not match or not any(match.groups()):
            raise ValueError(f"not a duration: {value!r}")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(delta: dt.timedelta) -> str:
    total = delta.total_seconds()
    if total == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        count = int(total // size)
        if count:
            parts.append(f"{count}{unit}")
            total -= count * size
    if total:
        parts.append(f"{total:g}s")
    return "".join(parts)


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip().replace("Z", "+00:00")
        moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _primitive(value: Any, simple: int) -> literals_pb2.Primitive:
    if simple == types_pb2.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("an integer")
        return literals_pb2.Primitive(integer=value)
    if simple == types_pb2.FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("a number")
        return literals_pb2.Primitive(float_value=float(value))
    if simple == types_pb2.STRING:
        if not isinstance(value, str):
            raise ValueError("a string")
        return literals_pb2.Primitive(string_value=value)
    if simple == types_pb2.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("true or false")
        return literals_pb2.Primitive(boolean=value)
    if simple == types_pb2.DATETIME:
        prim = literals_pb2.Primitive()
        prim.datetime.FromDatetime(parse_datetime(value).replace(tzinfo=None))
        return prim
    if simple == types_pb2.DURATION:
        prim = literals_pb2.Primitive()
        prim.duration.FromTimedelta(parse_duration(value))
        return prim
    raise ValueError(f"a {types_pb2.SimpleType.Name(simple).lower()}")


def _convert(value: Any, t: types_pb2.LiteralType) -> literals_pb2.Literal:
    kind = t.WhichOneof("type")
    if kind == "simple":
        if t.simple == types_pb2.NONE:
            if value is not None:
                raise ValueError("null")
            return literals_pb2.Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))
        if t.simple == types_pb2.STRUCT:
            struct = struct_pb2.Struct()
            if not isinstance(value, dict):
                raise ValueError("a mapping (JSON object)")
            struct.update(json.loads(json.dumps(value, default=str)))
            return literals_pb2.Literal(scalar=literals_pb2.Scalar(generic=struct))
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=_primitive(value, t.simple)))
    if kind == "collection_type":
        if not isinstance(value, list):
            raise ValueError("a list")
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(
            literals=[_convert(v, t.collection_type) for v in value]))
    if kind == "map_value_type":
        if not isinstance(value, dict):
            raise ValueError("a mapping")
        return literals_pb2.Literal(map=literals_pb2.LiteralMap(
            literals={str(k): _convert(v, t.map_value_type) for k, v in value.items()}))
    if kind == "enum_type":
        if value not in t.enum_type.values:
            raise ValueError("one of " + ", ".join(t.enum_type.values))
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value)))
    if kind == "union_type":
        for variant in t.union_type.variants:
            try:
                inner = _convert(value, variant)
            except ValueError:
                continue
            return literals_pb2.Literal(scalar=literals_pb2.Scalar(union=literals_pb2.Union(value=inner, type=variant)))
        raise ValueError(type_name(t))
    if kind == "blob":
        if not isinstance(value, str):
            raise ValueError("a URI string")
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(blob=literals_pb2.Blob(
            uri=value, metadata=literals_pb2.BlobMetadata(type=t.blob))))
    raise ValueError(f"a value of a supported type (inputs of type {kind} cannot be set from a manifest)")


def to_literal(value: Any, literal_type: types_pb2.LiteralType, name: str) -> literals_pb2.Literal:
    try:
        return _convert(value, literal_type)
    except ValueError as exc:
        raise LiteralError(f"input {name!r}: {value!r} does not fit type {type_name(literal_type)} "
                           f"(expected {exc})") from exc


def to_value(literal: literals_pb2.Literal) -> Any:
    kind = literal.WhichOneof("value")
    if kind == "collection":
        return [to_value(v) for v in literal.collection.literals]
    if kind == "map":
        return {k: to_value(v) for k, v in sorted(literal.map.literals.items())}
    if kind != "scalar":
        return None
    scalar = literal.scalar
    skind = scalar.WhichOneof("value")
    if skind == "primitive":
        prim = scalar.primitive
        pkind = prim.WhichOneof("value")
        if pkind == "datetime":
            return prim.datetime.ToDatetime(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")
        if pkind == "duration":
            return format_duration(prim.duration.ToTimedelta())
        if pkind == "float_value":
            return prim.float_value
        return getattr(prim, pkind) if pkind else None
    if skind == "none_type":
        return None
    if skind == "union":
        return to_value(scalar.union.value)
    if skind == "blob":
        return scalar.blob.uri
    if skind == "generic":
        return json.loads(json.dumps(dict(scalar.generic)))
    return None
