"""flyteadmin's list-call grammar: filters, sort and decimal-offset page tokens (behaviour §7).

Filters are ``func(field,value)`` pieces joined by ``+``, each matched by the unanchored, greedy
``(.+)\\((.+),\\s?(.+)\\)``; ``value_in``/``value_not_in`` take ``;``-separated values. A field is
``column`` or ``<entity>.column`` where ``<entity>`` is one of flyteadmin's known prefixes; any other
dotted field is a column name of the primary entity (and so an invalid filter). Checks run in
flyteadmin's order: shape, entity allowed for the call, column known, then the function name.
Tokens are decimal offsets; the next token is ``offset + len(page)`` only when the page is full,
else ``""``. Sort keys must be columns of the primary entity.

API (also used by the executions list): ``parse_filters`` (pieces, no SQL), ``where_clauses`` (SQL
conditions + parameters for an entity→column map), ``condition``, ``parse_sort``, ``order_and_page``,
``parse_token``, ``next_token``. Pure functions: no database access, errors are ``AdminStatusError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
from flyteidl.admin import common_pb2

from reconciler.localadmin.service.status import AdminStatusError, invalid

_PIECE = re.compile(r"(.+)\((.+),\s?(.+)\)")
FUNCTIONS = ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_like", "value_in", "value_not_in")
# flyteadmin's field prefixes and the entity code its error messages print for each.
ENTITY_CODES = {"task": "t", "workflow": "w", "launch_plan": "l", "execution": "e", "node_execution": "ne",
                "task_execution": "te", "entities": "nen", "named_entity_metadata": "nem", "project": "p",
                "signal": "s", "admin_tag": "at", "execution_admin_tag": "eat", "execution_tag": "et"}
ENTITY_PREFIXES = tuple(ENTITY_CODES)
_OPERATORS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class Filter:
    function: str
    entity: str | None  # None: the call's primary entity
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """A filterable column: its SQL expression and how a filter value is converted for it."""

    sql: str
    timestamp: bool = False  # stored as epoch seconds; values are RFC 3339 text, as Postgres would cast them
    integer: bool = False  # an expression without column affinity (e.g. COALESCE) compared with a number


def parse_filters(text: str) -> list[Filter]:
    """Split ``text`` into filters. Only the shape is checked here (``invalid value for filters``);
    entity, column and function checks need the call's columns (``where_clauses``)."""
    result: list[Filter] = []
    if not text:
        return result
    for piece in text.split("+"):
        match = _PIECE.match(piece)
        if not match:
            raise invalid("invalid value for filters")
        function, field, value = match.group(1), match.group(2), match.group(3)
        entity = None
        prefix, dot, rest = field.partition(".")
        if dot and prefix in ENTITY_CODES:
            entity, field = prefix, rest
        values = tuple(value.split(";"))
        result.append(Filter(function, entity, field, values))
    return result


def condition(flt: Filter, column: str | Column) -> tuple[str, list[object]]:
    """SQL for one filter on ``column``; an unknown function → ``unrecognized filter function``."""
    col = column if isinstance(column, Column) else Column(column)
    values: list[object] = list(flt.values)
    if col.timestamp:
        values = [_timestamp_value(v) for v in flt.values]
    elif col.integer and flt.function not in ("contains", "not_like"):
        values = [_integer_value(v) for v in flt.values]
    if flt.function in _OPERATORS or flt.function in ("contains", "not_like"):
        if len(values) != 1:
            # flyteadmin hands Postgres a list for a scalar operator: a database error, not a validation one
            raise AdminStatusError(grpc.StatusCode.UNKNOWN, "failed database operation with ERROR: syntax error "
                                                            "at or near \",\" (SQLSTATE 42601)")
        if flt.function == "contains":
            return f"{col.sql} LIKE ?", [f"%{values[0]}%"]
        if flt.function == "not_like":
            return f"{col.sql} NOT LIKE ?", values
        return f"{col.sql} {_OPERATORS[flt.function]} ?", values
    if flt.function in ("value_in", "value_not_in"):
        marks = ", ".join("?" for _ in values)
        negate = "NOT " if flt.function == "value_not_in" else ""
        return f"{col.sql} {negate}IN ({marks})", values
    raise invalid(f"unrecognized filter function: {flt.function}")


def _integer_value(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise AdminStatusError(grpc.StatusCode.UNKNOWN, "failed database operation with ERROR: invalid input "
                                                        f'syntax for type integer: "{value}" (SQLSTATE 22P02)'
                               ) from None


def _timestamp_value(value: str) -> float:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AdminStatusError(grpc.StatusCode.UNKNOWN, "failed database operation with ERROR: invalid input "
                                                        f'syntax for type timestamp: "{value}" (SQLSTATE 22007)'
                               ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def where_clauses(text: str, primary: str, columns: Mapping[str, Mapping[str, str | Column]]
                  ) -> tuple[list[str], list[object]]:
    """SQL conditions for ``text``. ``columns[entity][field]`` is the SQL expression (or ``Column``) of a
    filterable column; the entities in ``columns`` are the ones the call allows."""
    clauses: list[str] = []
    args: list[object] = []
    for flt in parse_filters(text):
        entity = flt.entity or primary
        code = ENTITY_CODES.get(entity, entity)
        allowed = columns.get(entity)
        if allowed is None:
            raise invalid(f"'{code}' entity is not allowed in filters")
        column = allowed.get(flt.field)
        if column is None:
            raise invalid(f"'{code}.{flt.field}' is invalid filter")
        sql, values = condition(flt, column)
        clauses.append(sql)
        args.extend(values)
    return clauses, args


def filters_field(text: str, field: str) -> bool:
    """Whether ``text`` has a filter on ``field`` of the primary entity (for defaults a filter replaces)."""
    return any(f.entity is None and f.field == field for f in parse_filters(text))


def parse_token(token: str, rpc: str) -> int:
    if not token:
        return 0
    try:
        offset = int(token, 10)
    except ValueError:
        offset = -1
    if offset < 0 or not token.lstrip("+-").isdigit():
        raise invalid(f"invalid pagination token {token} for {rpc}")
    return offset


def next_token(offset: int, count: int, limit: int) -> str:
    """The next page's token: only a full page has one (with ``limit=0`` only an empty page does)."""
    return str(offset + count) if count == limit else ""


def parse_sort(sort_by: common_pb2.Sort, columns: Iterable[str] | Mapping[str, str | Column],
               prefix: str = "") -> str:
    """``<column> ASC|DESC``. With a mapping, the key's SQL expression is used; else ``prefix + key``."""
    known = columns if isinstance(columns, Mapping) else set(columns)
    if sort_by.key not in known:
        raise invalid(f"invalid sort key '{sort_by.key}'")
    if sort_by.direction not in (common_pb2.Sort.DESCENDING, common_pb2.Sort.ASCENDING):
        raise invalid(f"invalid sort order specified: {sort_by.direction}")
    direction = "ASC" if sort_by.direction == common_pb2.Sort.ASCENDING else "DESC"
    if isinstance(columns, Mapping):
        target = columns[sort_by.key]
        return f"{target.sql if isinstance(target, Column) else target} {direction}"
    return f"{prefix}{sort_by.key} {direction}"


def order_and_page(request: object, columns: Iterable[str] | Mapping[str, str | Column], rpc: str,
                   prefix: str = "", default: str = "") -> tuple[str, int]:
    """`` ORDER BY …`` (or the default, or nothing) and the offset for a list request."""
    offset = parse_token(getattr(request, "token", ""), rpc)
    order = default
    if request.HasField("sort_by"):  # type: ignore[attr-defined]
        order = parse_sort(request.sort_by, columns, prefix)  # type: ignore[attr-defined]
    return (f" ORDER BY {order}" if order else ""), offset
