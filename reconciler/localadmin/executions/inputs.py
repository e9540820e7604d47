"""Execution inputs as flyteadmin checks and computes them (flyteadmin-behaviour.md §6.1 step 6, §6.3).

``validate_literal_map`` is the request-level check (keys, literal presence, datetime range);
``compute_inputs`` merges the user's inputs with a launch plan's expected inputs (defaults filled, required
ones enforced, types checked) and fixed inputs. Types are inferred from literals and compared the way
flytepropeller's validators do it for the types a launch form can carry (simple types, collections, maps,
unions, enums, blobs); structured types are accepted when their kind matches. Messages mirror flyteadmin's,
with LiteralTypes printed in Go's compact prototext form (``simple:STRING``).

Pure functions: no database, no gRPC context. Errors are ``AdminStatusError(INVALID_ARGUMENT)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc
from flyteidl.core import interface_pb2, literals_pb2, types_pb2

from reconciler.localadmin.compiler.gotext import go_text  # Go's text format, shared with the compiler
from reconciler.localadmin.service.status import AdminStatusError

__all__ = ["castable", "compute_inputs", "go_text", "literal_type_of", "validate_literal_map"]

ST = types_pb2.SimpleType
_PRIMITIVE_TYPES = {"integer": ST.INTEGER, "float_value": ST.FLOAT, "string_value": ST.STRING,
                    "boolean": ST.BOOLEAN, "datetime": ST.DATETIME, "duration": ST.DURATION}
# google.protobuf.Timestamp's valid range (0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z).
_MIN_SECONDS = -62135596800
_MAX_SECONDS = 253402300799


def _invalid(message: str) -> AdminStatusError:
    return AdminStatusError(grpc.StatusCode.INVALID_ARGUMENT, message)


def validate_literal_map(literals: literals_pb2.LiteralMap, field_name: str) -> None:
    """flyteadmin's validateLiteralMap: keys present, every literal has a value, datetimes in range."""
    for name in sorted(literals.literals):
        literal = literals.literals[name]
        if name == "":
            raise _invalid(f"missing key in {field_name}")
        if literal.WhichOneof("value") is None:
            raise _invalid(f"missing valid literal in {field_name} {name}")
        primitive = literal.scalar.primitive
        if literal.WhichOneof("value") == "scalar" and primitive.WhichOneof("value") == "datetime":
            stamp = primitive.datetime
            if not _MIN_SECONDS <= stamp.seconds <= _MAX_SECONDS or not 0 <= stamp.nanos < 1_000_000_000:
                raise _invalid(f"invalid datetime for {field_name} {name}: timestamp "
                               f"(seconds:{stamp.seconds} nanos:{stamp.nanos}) is out of range")


def compute_inputs(user_inputs: literals_pb2.LiteralMap, fixed_inputs: literals_pb2.LiteralMap,
                   expected: interface_pb2.ParameterMap) -> literals_pb2.LiteralMap:
    """CheckAndFetchInputsForExecution: the full input map of an execution (flyteadmin iterates Go maps,
    i.e. in random order; we go by sorted name so the reported error is stable)."""
    params: Mapping[str, interface_pb2.Parameter] = expected.parameters
    result: dict[str, literals_pb2.Literal] = {}
    for name in sorted(user_inputs.literals):
        if name not in params:
            raise _invalid(f"invalid input {name}")
        result[name] = user_inputs.literals[name]
    for name in sorted(params):
        param = params[name]
        if name not in result:
            if param.required:
                raise _invalid(f"expected_inputs {name} missing")
            result[name] = param.default
            continue
        got = literal_type_of(result[name])
        if not castable(got, param.var.type):
            raise _invalid(f"invalid {name} input wrong type. Expected {go_text(param.var.type)}, "
                           f"but got {go_text(got)}")
    for name in sorted(fixed_inputs.literals):
        if name in result:
            raise _invalid(f"fixed_inputs {name} cannot be overridden")
        result[name] = fixed_inputs.literals[name]
    return literals_pb2.LiteralMap(literals=result)


def literal_type_of(literal: literals_pb2.Literal) -> types_pb2.LiteralType:
    """The type a literal carries (flytepropeller's LiteralTypeForLiteral, for the common kinds)."""
    kind = literal.WhichOneof("value")
    if kind == "collection":
        # as Go's literalTypeForLiterals, empty inner collections say nothing about the element type
        literals = [i for i in literal.collection.literals if i.WhichOneof("value") != "collection"
                    or len(i.collection.literals)] or list(literal.collection.literals)[:1]
        return types_pb2.LiteralType(collection_type=_common([literal_type_of(item) for item in literals]))
    if kind == "map":
        values = [literal_type_of(v) for _, v in sorted(literal.map.literals.items())]
        return types_pb2.LiteralType(map_value_type=_common(values))
    if kind == "offloaded_metadata":
        return literal.offloaded_metadata.inferred_type
    if kind != "scalar":
        return types_pb2.LiteralType(simple=ST.NONE)
    scalar = literal.scalar
    which = scalar.WhichOneof("value")
    if which == "primitive":
        kind_name = scalar.primitive.WhichOneof("value") or ""
        return types_pb2.LiteralType(simple=_PRIMITIVE_TYPES.get(kind_name, ST.NONE))
    if which == "none_type":
        return types_pb2.LiteralType(simple=ST.NONE)
    if which == "generic":
        return types_pb2.LiteralType(simple=ST.STRUCT)
    if which == "binary":
        return types_pb2.LiteralType(simple=ST.BINARY)
    if which == "error":
        return types_pb2.LiteralType(simple=ST.ERROR)
    if which == "blob":
        return types_pb2.LiteralType(blob=scalar.blob.metadata.type)
    if which == "schema":
        return types_pb2.LiteralType(schema=scalar.schema.type)
    if which == "structured_dataset":
        dataset = scalar.structured_dataset.metadata.structured_dataset_type
        return types_pb2.LiteralType(structured_dataset_type=dataset)
    if which == "union":
        return scalar.union.type
    return types_pb2.LiteralType(simple=ST.NONE)


def _common(types: list[types_pb2.LiteralType]) -> types_pb2.LiteralType:
    """Element type of a collection/map: NONE when empty, the shared type, else a union of the kinds."""
    if not types:
        return types_pb2.LiteralType(simple=ST.NONE)
    distinct: list[types_pb2.LiteralType] = []
    for t in types:
        if all(t != d for d in distinct):
            distinct.append(t)
    if len(distinct) == 1:
        return distinct[0]
    return types_pb2.LiteralType(union_type=types_pb2.UnionType(variants=distinct))


def castable(upstream: types_pb2.LiteralType, downstream: types_pb2.LiteralType) -> bool:
    """Whether a value of type ``upstream`` may be bound to an input of type ``downstream``."""
    down = downstream.WhichOneof("type")
    up = upstream.WhichOneof("type")
    if down == "union_type":
        if up == "union_type":
            return all(any(castable(u, d) for d in downstream.union_type.variants)
                       for u in upstream.union_type.variants)
        return any(castable(upstream, d) for d in downstream.union_type.variants)
    if up == "simple" and upstream.simple == ST.NONE:
        # An empty collection/map element type, or an explicit None: only NONE accepts it here.
        return down == "simple" and downstream.simple == ST.NONE
    if down == "simple":
        if downstream.simple == ST.STRUCT and up == "simple" and upstream.simple == ST.STRUCT:
            return True
        return up == "simple" and upstream.simple == downstream.simple
    if down == "collection_type":
        return up == "collection_type" and _element_castable(upstream.collection_type,
                                                             downstream.collection_type)
    if down == "map_value_type":
        return up == "map_value_type" and _element_castable(upstream.map_value_type,
                                                            downstream.map_value_type)
    if down == "enum_type":
        if up == "simple":
            return upstream.simple == ST.STRING
        return up == "enum_type" and set(upstream.enum_type.values) <= set(downstream.enum_type.values)
    if down == "blob":
        return up == "blob" and upstream.blob.dimensionality == downstream.blob.dimensionality
    return up == down


def _element_castable(upstream: types_pb2.LiteralType, downstream: types_pb2.LiteralType) -> bool:
    if upstream.WhichOneof("type") == "simple" and upstream.simple == ST.NONE:
        return True  # an empty collection or map fits any element type
    return castable(upstream, downstream)
