"""flyteadmin's list grammar (behaviour §7) and cron parsing (§3.1 g), without a server."""

from __future__ import annotations

import grpc
import pytest
from flyteidl.admin import common_pb2

from reconciler.localadmin.service import filters, schedules
from reconciler.localadmin.service.status import AdminStatusError

COLUMNS = {"launch_plan": {"name": "name", "version": "version", "state": "state",
                           "created_at": filters.Column("created_at", timestamp=True)},
           "workflow": {"name": "w.name"}}


def where(text: str) -> tuple[list[str], list[object]]:
    return filters.where_clauses(text, "launch_plan", COLUMNS)


def rejected(text: str) -> AdminStatusError:
    with pytest.raises(AdminStatusError) as info:
        where(text)
    return info.value


def test_functions_map_to_sql() -> None:
    clauses, args = where("eq(name,a)+ne(version, b)+gt(state,1)+gte(state,1)+lt(state,2)+lte(state,2)"
                          "+contains(name,x)+not_like(name,.flytegen%)+value_in(version,a;b)+value_not_in(name,c)")
    assert clauses == ["name = ?", "version <> ?", "state > ?", "state >= ?", "state < ?", "state <= ?",
                       "name LIKE ?", "name NOT LIKE ?", "version IN (?, ?)", "name NOT IN (?)"]
    assert args == ["a", "b", "1", "1", "2", "2", "%x%", ".flytegen%", "a", "b", "c"]


def test_prefixes_whitespace_and_greedy_groups() -> None:
    assert where("eq(workflow.name,w)") == (["w.name = ?"], ["w"])
    assert where("eq(name,  two spaces )")[1] == [" two spaces "]  # one optional space after the comma
    assert rejected("eq(name,a,b)").message == "'l.name,a' is invalid filter"  # greedy field group
    assert rejected("eq(foo.bar,x)").message == "'l.foo.bar' is invalid filter"  # unknown prefix: a column name
    assert rejected("eq(task.name,x)").message == "'t' entity is not allowed in filters"
    assert rejected("eq(entities.name,x)").message == "'nen' entity is not allowed in filters"


def test_check_order_shape_entity_column_then_function() -> None:
    assert rejected("eq(name)").message == "invalid value for filters"
    assert rejected("eq(name,a)+").message == "invalid value for filters"
    assert rejected("foo(nope,a)").message == "'l.nope' is invalid filter"
    assert rejected("foo(name,a)").message == "unrecognized filter function: foo"
    assert rejected(" eq(name,a)").message == "unrecognized filter function:  eq"


def test_value_lists_in_scalar_functions_and_timestamps_are_database_errors() -> None:
    assert rejected("eq(name,a;b)").code == grpc.StatusCode.UNKNOWN
    assert rejected("gte(created_at,yesterday)").code == grpc.StatusCode.UNKNOWN
    assert where("gte(created_at,1970-01-02T00:00:00Z)")[1] == [86400.0]
    assert where("gte(created_at,1970-01-02)")[1] == [86400.0]  # naive: UTC


@pytest.mark.parametrize(("token", "offset"), [("", 0), ("0", 0), ("17", 17), ("+3", 3)])
def test_tokens(token: str, offset: int) -> None:
    assert filters.parse_token(token, "ListX") == offset


@pytest.mark.parametrize("token", ["-1", "x", "1.5", " 1", "1_000"])
def test_bad_tokens(token: str) -> None:
    with pytest.raises(AdminStatusError) as info:
        filters.parse_token(token, "ListX")
    assert info.value.message == f"invalid pagination token {token} for ListX"


def test_next_token_only_after_a_full_page() -> None:
    assert filters.next_token(4, 2, 2) == "6"
    assert filters.next_token(4, 1, 2) == ""
    assert filters.next_token(4, 0, 0) == "4"  # ListProjects' limit-0 quirk
    assert filters.next_token(0, 3, 0) == ""


def test_sort() -> None:
    mapped = {"created_at": filters.Column("lp.created_at", timestamp=True), "name": "lp.name"}
    assert filters.parse_sort(common_pb2.Sort(key="name"), mapped) == "lp.name DESC"  # DESCENDING is 0
    assert filters.parse_sort(common_pb2.Sort(key="created_at", direction=1), mapped) == "lp.created_at ASC"
    assert filters.parse_sort(common_pb2.Sort(key="phase"), {"phase"}, prefix="e.") == "e.phase DESC"
    with pytest.raises(AdminStatusError, match="invalid sort key 'nope'"):
        filters.parse_sort(common_pb2.Sort(key="nope"), mapped)


@pytest.mark.parametrize("spec", ["* * * * *", "0 6 * * MON-FRI", "*/5 0-23/2 1,15 jan-DEC sun", "0 0 ? * *",
                                  "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                                  "@every 90s", "@every 1h30m", "TZ=America/New_York 0 6 * * *",
                                  "CRON_TZ=UTC @daily", "5/10 * * * *"])
def test_cron_accepts_what_the_go_parser_accepts(spec: str) -> None:
    assert schedules.cron_error(spec) is None


@pytest.mark.parametrize(("spec", "message"), [
    ("", "empty spec string"),
    ("0 6 * *", "expected exactly 5 fields, found 4: [0 6 * *]"),
    ("0 0 6 * * ?", "expected exactly 5 fields, found 6: [0 0 6 * * ?]"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("1/2/3 * * * *", "too many slashes: 1/2/3"),
    ("* * L * *", 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'),
    ("* * * * 1#2", 'failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax'),
    ("@every soon", 'failed to parse duration @every soon: time: invalid duration "soon"'),
    ("@reboot", "unrecognized descriptor: @reboot"),
    ("TZ=Nowhere/City 0 6 * * *", "provided bad location Nowhere/City: unknown time zone Nowhere/City"),
])
def test_cron_rejects_with_the_go_parser_message(spec: str, message: str) -> None:
    assert schedules.cron_error(spec) == message
