"""YAML values ↔ Flyte literals, driven by the workflow interface's ``LiteralType``.

``to_literal(value, literal_type, name)`` converts what a manifest says — ints, floats (ints
accepted, and for float inputs YAML 1.2 spellings such as ``1e-3`` that PyYAML reads as strings),
strings, bools, datetimes (ISO 8601 strings or YAML timestamps; naive means UTC),
durations (``1h30m``, ``90s``, ``PT1H`` or int seconds), lists, string-keyed maps, enums, optionals
and unions, blob URIs (file/directory) and generic JSON structs — into the literal Admin expects,
raising ``LiteralError`` that names the input, the value and the expected type. Conversion is
strict otherwise (``"5"`` is not an integer): a manifest should say what it means.

``literal_to_value(literal)`` is the reverse, for display and diffs: JSON-able, datetimes as
ISO 8601 with ``Z``, durations in the canonical ``1h30m`` spelling. This module never performs I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any

from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict

from reconciler.errors import PlanError

_INT64 = (-(2**63), 2**63 - 1)
# PyYAML reads YAML 1.1, whose floats need a dot and a signed exponent: `1e-3`, `2E5`, `1e+3` arrive as
# strings. Where the declared type is a float, such a string (a float in YAML 1.2) means that float. A
# string YAML 1.1 would itself have read as a number (`"1.5"`, `"3"`) can only have been quoted on purpose,
# so it stays refused.
_YAML12_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_YAML11_NUMBER = re.compile(r"^[-+]?(([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?|[0-9][0-9_]*)$")
_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION = re.compile(rf"^(?:{_NUMBER}d)?(?:{_NUMBER}h)?(?:{_NUMBER}m)?(?:{_NUMBER}s)?$")
_ISO_DURATION = re.compile(rf"^P(?:{_NUMBER}D)?(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$")
_SIMPLE_NAMES = {types_pb2.INTEGER: "int", types_pb2.FLOAT: "float", types_pb2.STRING: "str",
                 types_pb2.BOOLEAN: "bool", types_pb2.DATETIME: "datetime", types_pb2.DURATION: "duration",
                 types_pb2.STRUCT: "json", types_pb2.NONE: "none", types_pb2.BINARY: "binary",
                 types_pb2.ERROR: "error"}


class LiteralError(PlanError):
    """A manifest value does not fit the workflow input's type."""


class _Mismatch(ValueError):
    """Internal: carries what was expected; turned into ``LiteralError`` at the public edge."""


def type_name(t: types_pb2.LiteralType) -> str:
    """A short, Python-like spelling of a literal type: ``int``, ``list[str]``, ``dict[str, float]``."""
    kind = t.WhichOneof("type")
    if kind == "simple":
        return _SIMPLE_NAMES.get(t.simple, types_pb2.SimpleType.Name(t.simple).lower())
    if kind == "collection_type":
        return f"list[{type_name(t.collection_type)}]"
    if kind == "map_value_type":
        return f"dict[str, {type_name(t.map_value_type)}]"
    if kind == "enum_type":
        return "enum(" + "|".join(t.enum_type.values) + ")"
    if kind == "union_type":
        variants = [type_name(v) for v in t.union_type.variants]
        if len(variants) == 2 and "none" in variants:  # the common Optional[...] spelling
            return f"optional[{next(v for v in variants if v != 'none')}]"
        return "union[" + ", ".join(variants) + "]"
    if kind == "blob":
        return "directory" if t.blob.dimensionality == types_pb2.BlobType.MULTIPART else "file"
    if kind == "structured_dataset_type":
        return "structured_dataset"
    return kind or "unknown"


# -- scalars -------------------------------------------------------------------------------------
def parse_duration(value: Any) -> dt.timedelta:
    """``1h30m``, ``90s``, ``2d``, ``PT1H``, ``P1DT2H`` or a number of seconds."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError(f"not a duration: {value!r}")
    text = value.strip()
    match = _DURATION.match(text) if text else None
    if not match or not any(match.groups()):
        match = _ISO_DURATION.match(text)
        if not match or not any(match.groups()):
            raise ValueError(f"not a duration: {value!r}")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(delta: dt.timedelta) -> str:
    """The canonical spelling: largest units first, no zero parts (``1h30m``, ``0.5s``, ``0s``)."""
    micros = delta // dt.timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    parts = []
    for unit, size in (("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000)):
        count, micros = divmod(micros, size)
        if count:
            parts.append(f"{count}{unit}")
    if micros:
        seconds = format(Decimal(micros) / Decimal(1_000_000), "f")
        if "." in seconds:  # trailing zeros of a fraction only: 30 stays 30
            seconds = seconds.rstrip("0").rstrip(".")
        parts.append(f"{seconds}s")
    return sign + ("".join(parts) or "0s")


def parse_datetime(value: Any) -> dt.datetime:
    """An aware UTC datetime from a YAML timestamp/date or an ISO 8601 string; naive means UTC."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        moment = dt.datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not a datetime: {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _primitive(value: Any, simple: int) -> literals_pb2.Primitive:
    if simple == types_pb2.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Mismatch("an integer")
        if not _INT64[0] <= value <= _INT64[1]:
            raise _Mismatch("an integer within the 64-bit range")
        return literals_pb2.Primitive(integer=value)
    if simple == types_pb2.FLOAT:
        if isinstance(value, str) and _YAML12_FLOAT.match(value) and not _YAML11_NUMBER.match(value):
            return literals_pb2.Primitive(float_value=float(value))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Mismatch("a number")
        try:
            number = float(value)  # an int such as 10**400 overflows here
        except OverflowError:
            raise _Mismatch("a number within the 64-bit float range") from None
        if math.isnan(number):  # NaN equals nothing, not even itself: no input means it
            raise _Mismatch("a number, not .nan")
        return literals_pb2.Primitive(float_value=number)
    if simple == types_pb2.STRING:
        if not isinstance(value, str):
            raise _Mismatch("a string (quote it in YAML)")
        return literals_pb2.Primitive(string_value=value)
    if simple == types_pb2.BOOLEAN:
        if not isinstance(value, bool):
            raise _Mismatch("true or false")
        return literals_pb2.Primitive(boolean=value)
    if simple == types_pb2.DATETIME:
        try:
            moment = parse_datetime(value)
        except ValueError as exc:
            raise _Mismatch("an ISO 8601 datetime, e.g. 2024-01-01T00:00:00Z") from exc
        prim = literals_pb2.Primitive()
        prim.datetime.FromDatetime(moment.replace(tzinfo=None))
        return prim
    if simple == types_pb2.DURATION:
        try:
            delta = parse_duration(value)
        except ValueError as exc:
            raise _Mismatch("a duration such as 1h30m, 90s, PT1H or a number of seconds") from exc
        prim = literals_pb2.Primitive()
        prim.duration.FromTimedelta(delta)
        return prim
    raise _Mismatch(f"a {_SIMPLE_NAMES.get(simple, 'value')} (not settable from a manifest)")


def _scalar(**kwargs: Any) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(**kwargs))


def _convert(value: Any, t: types_pb2.LiteralType) -> literals_pb2.Literal:
    kind = t.WhichOneof("type")
    if kind == "simple":
        if t.simple == types_pb2.NONE:
            if value is not None:
                raise _Mismatch("null")
            return _scalar(none_type=literals_pb2.Void())
        if t.simple == types_pb2.STRUCT:
            if not isinstance(value, dict):
                raise _Mismatch("a mapping (JSON object)")
            struct = struct_pb2.Struct()
            # YAML timestamps and other non-JSON scalars become strings, as JSON would carry them.
            struct.update(json.loads(json.dumps(value, default=str)))
            return _scalar(generic=struct)
        if value is None:
            raise _Mismatch(f"a {type_name(t)} (null is only allowed for optional inputs)")
        return _scalar(primitive=_primitive(value, t.simple))
    if kind == "collection_type":
        if not isinstance(value, list):
            raise _Mismatch(f"a list ({type_name(t)})")
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(
            literals=[_convert(v, t.collection_type) for v in value]))
    if kind == "map_value_type":
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise _Mismatch(f"a mapping with string keys ({type_name(t)})")
        return literals_pb2.Literal(map=literals_pb2.LiteralMap(
            literals={k: _convert(v, t.map_value_type) for k, v in value.items()}))
    if kind == "enum_type":
        if not isinstance(value, str) or value not in t.enum_type.values:
            raise _Mismatch("one of " + ", ".join(t.enum_type.values))
        return _scalar(primitive=literals_pb2.Primitive(string_value=value))
    if kind == "union_type":
        for variant in t.union_type.variants:
            try:
                inner = _convert(value, variant)
            except _Mismatch:
                continue
            return _scalar(union=literals_pb2.Union(value=inner, type=variant))
        raise _Mismatch(type_name(t))
    if kind == "blob":
        if not isinstance(value, str) or not value:
            raise _Mismatch(f"a URI string ({type_name(t)}, e.g. s3://bucket/key)")
        return _scalar(blob=literals_pb2.Blob(uri=value, metadata=literals_pb2.BlobMetadata(type=t.blob)))
    raise _Mismatch(f"a supported type (inputs of type {type_name(t)} cannot be set from a manifest)")


def to_literal(value: Any, literal_type: types_pb2.LiteralType, name: str) -> literals_pb2.Literal:
    """Convert one manifest value for the input ``name``; ``LiteralError`` says what was expected."""
    try:
        return _convert(value, literal_type)
    except _Mismatch as exc:
        raise LiteralError(f"input {name!r}: {value!r} does not fit type {type_name(literal_type)} "
                           f"(expected {exc})") from exc


def literal_to_value(literal: literals_pb2.Literal) -> Any:
    """The JSON-able display value of a literal (the inverse of ``to_literal`` for manifest values)."""
    kind = literal.WhichOneof("value")
    if kind == "collection":
        return [literal_to_value(v) for v in literal.collection.literals]
    if kind == "map":
        return {k: literal_to_value(v) for k, v in sorted(literal.map.literals.items())}
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
        return getattr(prim, pkind) if pkind else None
    if skind == "union":
        return literal_to_value(scalar.union.value)
    if skind == "blob":
        return scalar.blob.uri
    if skind == "generic":
        return MessageToDict(scalar.generic)
    return None  # none_type, and kinds a manifest cannot express


to_value = literal_to_value  # the short name used inside the admin edge
