"""flyteadmin's list-call grammar: filters, sort and decimal-offset page tokens (behaviour §7).

Filters are ``func(field,value)`` pieces joined by ``+``, each matched by the unanchored, greedy
``(.+)\\((.+),\\s?(.+)\\)``; ``value_in``/``value_not_in`` take ``;``-separated values; a field is
``column`` or ``entity.column``. Tokens are decimal offsets; the next token is ``offset + len(page)``
only when the page is full, else ``""``. Sort keys must be columns of the primary entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flyteidl.admin import common_pb2

from reconciler.localadmin.status import invalid

_PIECE = re.compile(r"(.+)\((.+),\s?(.+)\)")
FUNCTIONS = ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_like", "value_in", "value_not_in")
ENTITY_PREFIXES = ("task", "workflow", "launch_plan", "execution", "node_execution", "task_execution", "entities",
                   "named_entity_metadata", "project", "signal", "admin_tag", "execution_admin_tag", "execution_tag")
ENTITY_CODES = {"task": "t", "workflow": "w", "launch_plan": "l", "execution": "e", "node_execution": "ne",
                "task_execution": "te", "entities": "ne", "named_entity_metadata": "nem", "project": "p",
                "signal": "s", "admin_tag": "at", "execution_admin_tag": "eat", "execution_tag": "et"}
_OPERATORS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class Filter:
    function: str
    entity: str | None  # None: the call's primary entity
    field: str
    values: tuple[str, ...]


def parse_filters(text: str) -> list[Filter]:
    result = []
    if not text:
        return result
    for piece in text.split("+"):
        match = _PIECE.match(piece)
        if not match:
            raise invalid("invalid value for filters")
        function, field, value = match.group(1), match.group(2), match.group(3)
        if function not in FUNCTIONS:
            raise invalid(f"unrecognized filter function: {function}")
        entity = None
        if "." in field:
            prefix, field = field.split(".", 1)
            if prefix not in ENTITY_PREFIXES:
                raise invalid(f"'{prefix}' entity is not allowed in filters")
            entity = prefix
        values = tuple(value.split(";")) if function in ("value_in", "value_not_in") else (value,)
        result.append(Filter(function, entity, field, values))
    return result


def condition(flt: Filter, column_sql: str) -> tuple[str, list[object]]:
    if flt.function in _OPERATORS:
        return f"{column_sql} {_OPERATORS[flt.function]} ?", [flt.values[0]]
    if flt.function == "contains":
        return f"{column_sql} LIKE ?", [f"%{flt.values[0]}%"]
    if flt.function == "not_like":
        return f"{column_sql} NOT LIKE ?", [flt.values[0]]
    marks = ", ".join("?" for _ in flt.values)
    negate = "NOT " if flt.function == "value_not_in" else ""
    return f"{column_sql} {negate}IN ({marks})", list(flt.values)


def where_clauses(text: str, primary: str, columns: Mapping[str, Mapping[str, str]]) -> tuple[list[str], list[object]]:
    """SQL conditions for ``text``; ``columns[entity][field]`` is the SQL expression of an allowed column."""
    clauses: list[str] = []
    args: list[object] = []
    for flt in parse_filters(text):
        entity = flt.entity or primary
        allowed = columns.get(entity)
        if allowed is None:
            raise invalid(f"'{ENTITY_CODES.get(entity, entity)}' entity is not allowed in filters")
        column = allowed.get(flt.field)
        if column is None:
            raise invalid(f"'{ENTITY_CODES.get(entity, entity)}.{flt.field}' is invalid filter")
        sql, values = condition(flt, column)
        clauses.append(sql)
        args.extend(values)
    return clauses, args


def parse_token(token: str, rpc: str) -> int:
    if not token:
        return 0
    try:
        offset = int(token)
    except ValueError:
        offset = -1
    if offset < 0:
        raise invalid(f"invalid pagination token {token} for {rpc}")
    return offset


def next_token(offset: int, count: int, limit: int) -> str:
    return str(offset + count) if limit and count == limit else ""


def parse_sort(sort_by: common_pb2.Sort, columns: Iterable[str], prefix: str = "") -> str:
    if sort_by.key not in set(columns):
        raise invalid(f"invalid sort key '{sort_by.key}'")
    if sort_by.direction not in (common_pb2.Sort.DESCENDING, common_pb2.Sort.ASCENDING):
        raise invalid(f"invalid sort order specified: {sort_by.direction}")
    direction = "ASC" if sort_by.direction == common_pb2.Sort.ASCENDING else "DESC"
    return f"{prefix}{sort_by.key} {direction}"


def order_and_page(request: common_pb2.ResourceListRequest | object, columns: Iterable[str], rpc: str,
                   prefix: str = "", default: str = "") -> tuple[str, int]:
    """ORDER BY clause (or the default) and the offset for a list request."""
    offset = parse_token(getattr(request, "token", ""), rpc)
    order = default
    if request.HasField("sort_by"):  # type: ignore[attr-defined]
        order = parse_sort(request.sort_by, columns, prefix)  # type: ignore[attr-defined]
    return (f" ORDER BY {order}" if order else ""), offset
