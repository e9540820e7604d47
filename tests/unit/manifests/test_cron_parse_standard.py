"""The shared cron parser against robfig/cron v3 ``ParseStandard`` (what Flyte Admin runs).

Every expected answer below follows the Go code of robfig/cron v3.0.1 (``parser.go``: ``Parse``,
``normalizeFields``, ``getField``, ``getRange``, ``mustParseInt``, ``parseDescriptor``) and Go's
``time.ParseDuration`` / ``time.LoadLocation``; the comment on a row says which rule decides it.
``None`` means accepted; otherwise the Go error text, exactly.
"""

from __future__ import annotations

import datetime as dt

import pytest

from reconciler.manifests import checks
from reconciler.model.cron import CronError, go_error, parse

TABLE: list[tuple[str, str | None]] = [
    # plain five fields, names, ?, lists, ranges, steps
    ("* * * * *", None),
    ("0 6 * * *", None),
    ("*/15 * * * *", None),
    ("0 0 1 JAN MON", None),
    ("0 0 1 jan-mar mon-fri", None),  # names are case-insensitive, also in ranges
    ("0 0 ? * *", None),
    ("? ? ? ? ?", None),  # ? is the star in every field, not only day fields
    ("5/10 * * * *", None),  # N/step runs to the maximum
    ("1,5-7/2,3 * * * *", None),
    ("0 0 29 2 0,6", None),
    ("*/61 * * * *", None),  # a step beyond the range is fine (only the start matches)
    ("0 0 ,1 * *", None),  # FieldsFunc drops empty list items
    ("0 0 1, * *", None),
    ("0 0 , * *", None),  # no items at all: matches nothing, still no error
    ("*-5 * * * *", None),  # after "*" the rest of the range is ignored
    ("+5 * * * *", None),  # strconv.Atoi takes a sign
    ("*/+2 * * * *", None),
    ("00 06 * * *", None),
    ("0\t6  *\n* *", None),  # any Go whitespace separates fields
    ("  0 6 * * *  ", None),
    ("59 23 31 12 6", None),
    ("0-59/59 0-23/23 1-31/30 1-12/11 0-6/6", None),
    ("0 0 * * SUN-sat", None),
    # descriptors: exact text only
    ("@yearly", None), ("@annually", None), ("@monthly", None), ("@weekly", None), ("@daily", None),
    ("@midnight", None), ("@hourly", None),
    ("@every 90s", None), ("@every 1h30m", None), ("@every 1.5h", None), ("@every .5h", None),
    ("@every 500ms", None),
    ("@every -1h", None),  # ParseDuration takes the sign; Every makes it one second
    ("@every 0", None),
    ("@every 1µs", None),
    ("@daily ", "unrecognized descriptor: @daily "),
    ("@every 1h ", 'failed to parse duration @every 1h : time: unknown unit "h " in duration "1h "'),
    ("@DAILY", "unrecognized descriptor: @DAILY"),
    ("@reboot", "unrecognized descriptor: @reboot"),
    ("@every", "unrecognized descriptor: @every"),
    ("@every 6", 'failed to parse duration @every 6: time: missing unit in duration "6"'),
    ("@every 1d", 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'),
    ("@every soon", 'failed to parse duration @every soon: time: invalid duration "soon"'),
    ("@every  1h", 'failed to parse duration @every  1h: time: invalid duration " 1h"'),
    (" @daily", "expected exactly 5 fields, found 1: [@daily]"),  # not trimmed: the @ is not first
    # time zones
    ("TZ=Europe/Berlin 0 6 * * 1-5", None),
    ("CRON_TZ=UTC 0 6 * * *", None),
    ("TZ=Local 0 0 * * *", None),  # LoadLocation("Local") is the server's zone
    ("TZ= 0 0 * * *", None),  # LoadLocation("") is UTC
    ("CRON_TZ=UTC @daily", None),
    ("TZ=UTC @daily ", None),  # the rest is TrimSpace'd after a prefix
    ("TZ=UTC   0 6 * * *", None),
    ("TZ=Nowhere/City 0 6 * * *", "provided bad location Nowhere/City: unknown time zone Nowhere/City"),
    ("TZ=../etc/passwd 0 6 * * *", "provided bad location ../etc/passwd: time: invalid location name"),
    ("TZ=UTC", "runtime error: slice bounds out of range"),  # no space: Go panics, Admin says INTERNAL
    ("tz=UTC 0 6 * * *", "expected exactly 5 fields, found 6: [tz=UTC 0 6 * * *]"),
    # field counts
    ("", "empty spec string"),
    ("   ", "expected exactly 5 fields, found 0: []"),
    ("0 6 * *", "expected exactly 5 fields, found 4: [0 6 * *]"),
    ("0 0 6 * * ?", "expected exactly 5 fields, found 6: [0 0 6 * * ?]"),
    # ranges and values
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("0 24 * * *", "end of range (24) above maximum (23): 24"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("* * 32 * *", "end of range (32) above maximum (31): 32"),
    ("0 0 1 13 *", "end of range (13) above maximum (12): 13"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"),
    ("0 0 * * fri-mon", "beginning of range (5) beyond end of range (1): fri-mon"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("1/2/3 * * * *", "too many slashes: 1/2/3"),
    ("5/ * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ("-5 * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ("*/-12 * * * *", "negative number (-12) not allowed: -12"),
    ("* * L * *", 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'),
    ("* * * * 1#2", 'failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax'),
    ("0 0 1 * MON/2x", 'failed to parse int from 2x: strconv.Atoi: parsing "2x": invalid syntax'),
    ("0 0 * JAN/MON *", 'failed to parse int from MON: strconv.Atoi: parsing "MON": invalid syntax'),
    ("0 jan * * *", 'failed to parse int from jan: strconv.Atoi: parsing "jan": invalid syntax'),
    ("0 0 * * 1-7", "end of range (7) above maximum (6): 1-7"),
    ("H * * * *", 'failed to parse int from H: strconv.Atoi: parsing "H": invalid syntax'),
    ("0 0 1 1 * 2024", "expected exactly 5 fields, found 6: [0 0 1 1 * 2024]"),
    ("99999999999999999999 * * * *", "failed to parse int from 99999999999999999999: strconv.Atoi: parsing "
                                     '"99999999999999999999": value out of range'),
]


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) >= 50
    assert len({spec for spec, _ in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("spec", "expected"), TABLE)
def test_go_parser_answers(spec: str, expected: str | None) -> None:
    assert go_error(spec) == expected


@pytest.mark.parametrize(("spec", "expected"), TABLE)
def test_manifest_validator_agrees(spec: str, expected: str | None) -> None:
    if expected is None:
        assert checks.cron(spec) == spec
    else:
        with pytest.raises(ValueError):
            checks.cron(spec)


def test_values_and_star_bits() -> None:
    weekly = parse("@weekly")
    assert weekly.standard_expression() == "0 0 * * 0"
    assert parse("*/20 */6 1-31/10 * 1-5").standard_expression() == "0,20,40 0,6,12,18 1,11,21,31 * 1,2,3,4,5"
    assert parse("0 0 , * *").standard_expression() is None  # matches nothing
    assert parse("TZ=Europe/Berlin 5 4 * * *").zone == "Europe/Berlin"
    assert parse("@every -1h").every == dt.timedelta(seconds=1)
    assert parse("@every 2m30.9s").every == dt.timedelta(seconds=150)


def test_errors_speak_to_manifest_authors() -> None:
    with pytest.raises(CronError) as caught:
        parse("0 0 0 * *")
    assert caught.value.problem == "day of month 0 is out of range 1-31"
    with pytest.raises(ValueError, match="not a Go duration"):
        checks.cron("@every 1h ")
