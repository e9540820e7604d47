"""Kickoff instants of a launch plan schedule over a backfill range (pure: no I/O, no clock).

Range: ``[start, end)`` — ``from`` is inclusive, ``to`` is exclusive, so an instant exactly at ``to``
is *not* a kickoff of the backfill. (flytekit's ``launch_backfill`` excludes both ends while its
docstrings claim otherwise; we state ours once, here, and test it.) Results are UTC, in order.

Schedules (the manifest's ``schedule`` mapping):
- ``cron``: exactly 5 fields (Admin's ``cron.ParseStandard`` refuses 6-field expressions), a
  descriptor (``@yearly``/``@annually``, ``@monthly``, ``@weekly``, ``@daily``/``@midnight``,
  ``@hourly``) or ``@every <Go duration>`` (``6h``, ``90m``, ``1h30m``); optional ``TZ=<zone> `` or
  ``CRON_TZ=<zone> `` prefix. Evaluated in the prefix zone, else the backfill's ``timezone``.
- ``rate: {value, unit: minute|hour|day}``: absolute steps (a ``day`` is 24 h, also across DST).
- ``offset`` (optional ISO 8601 duration, ``PT30M``, ``-PT1H``, ``P1D``): added to every instant;
  an instant counts when the *shifted* time is in range.

Anchors: ``@every`` and fixed rates start at ``from``. Admin's native scheduler anchors them at the
launch plan's activation time, which a backfill cannot know; a backfill that must line up with
live runs should choose ``from`` on the live grid.

Daylight saving (croniter's semantics, kept deliberately and tested): a local time that does not
exist (``30 2 * * *`` in Europe/Berlin on the spring-forward day) fires once at the transition
(03:00 local); a local time that occurs twice (the fall-back day) fires at *both* instants, which
are distinct UTC kickoffs with distinct run names. Admin's Go scheduler (robfig/cron) skips the
spring-forward gap instead, so a backfill over such a day may contain one run the live schedule
never made.

Counting is lazy: nothing beyond ``limit + 1`` instants is ever produced, so a 10^9-instant range
fails in microseconds. This module must never read the clock or perform I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reconciler.errors import PlanError
from reconciler.model.cron import CronError, go_duration_nanos
from reconciler.model.cron import parse as parse_cron

DEFAULT_LIMIT = 1000

RATE_UNITS: dict[str, dt.timedelta] = {
    "minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1),
}

_ISO = re.compile(r"^(?P<sign>[-+])?P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
                  r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def go_duration(text: str) -> dt.timedelta:
    """Parse a Go duration (``6h``, ``1h30m``, ``90m``, ``1.5h``) as ``@every`` takes it.

    Read by the shared parser's ``time.ParseDuration``; like robfig/cron's ``Every``, fractions of a
    second are dropped and anything shorter than one second becomes one second. Zero or negative
    durations (Admin accepts them and runs the schedule every second) are refused: not backfillable.
    """
    try:
        nanos = go_duration_nanos(text.strip())
    except ValueError as exc:
        raise PlanError(f"cannot read the @every duration {text!r} ({exc})",
                        hint="use a Go duration such as 6h, 90m or 1h30m (units h, m, s, ms, us, ns)") from exc
    if nanos <= 0:
        raise PlanError(f"the @every duration {text!r} is not positive",
                        hint="Admin runs such a schedule every second; give a positive duration to backfill it")
    return dt.timedelta(seconds=max(1, nanos // 10**9))


def iso_duration(text: str | None) -> dt.timedelta:
    """Parse a schedule ``offset`` (ISO 8601: ``PT30M``, ``P1DT2H``, ``-PT1H``, ``P1W``); None → zero."""
    if not text:
        return dt.timedelta()
    match = _ISO.match(text.strip())
    values = match.groupdict() if match else {}
    if not match or not any(values[k] for k in "wdhms"):
        hint = ("years and months have no fixed length; use days (P30D)" if re.search(r"P\d+[YM]", text)
                else "use an ISO 8601 duration such as PT30M, PT1H or P1D")
        raise PlanError(f"cannot read the schedule offset {text!r}", hint=hint)
    delta = dt.timedelta(weeks=int(values["w"] or 0), days=int(values["d"] or 0), hours=int(values["h"] or 0),
                         minutes=int(values["m"] or 0), seconds=float(values["s"] or 0))
    return -delta if values["sign"] == "-" else delta


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PlanError(f"unknown time zone {name!r}",
                        hint="use an IANA zone name such as UTC or Europe/Berlin") from exc


def _utc(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PlanError(f"{what} {value.isoformat()} has no time zone",
                        hint="give an ISO 8601 time with Z or an offset, e.g. 2024-01-01T00:00:00Z")
    return value.astimezone(dt.UTC)


def _steps(anchor: dt.datetime, low: dt.datetime, high: dt.datetime, step: dt.timedelta) -> Iterator[dt.datetime]:
    """``anchor + k*step`` (k ≥ 0) within ``[low, high)``; the first k is computed, not searched."""
    skip = max(0, math.ceil((low - anchor) / step)) if low > anchor else 0
    moment = anchor + skip * step
    while moment < high:
        if moment >= low:
            yield moment
        moment += step


def _split_zone(expression: str, zone: str) -> tuple[str, str]:
    expr = expression.strip()
    for prefix in ("CRON_TZ=", "TZ="):
        if expr.startswith(prefix):
            zone, _, expr = expr[len(prefix):].partition(" ")
            expr = expr.strip()
            break
    return expr, zone


def _cron(expression: str, low: dt.datetime, high: dt.datetime, zone: str) -> Iterator[dt.datetime]:
    # The one parser Admin's rules live in: what validate accepts is what is backfilled here.
    try:
        parsed = parse_cron(expression)
    except CronError as exc:
        raise PlanError(f"invalid cron expression {expression!r}: {exc.problem}") from exc
    # "TZ=" alone is UTC in Go; "Local" is the scheduler host's zone, which a backfill cannot know:
    # the backfill's own timezone stands in for it, as for expressions without a prefix.
    if parsed.zone is not None and parsed.zone != "Local":
        zone = parsed.zone or "UTC"
    tz = _zone(zone)
    expr = parsed.standard_expression()
    if expr is None:
        return  # a field with no values ("0 0 , * *"): Admin accepts it and it never fires
    from croniter import CroniterError, croniter  # imported by runs with backfills only

    # croniter yields the first match strictly after its base; start one second early so that an
    # instant exactly at `low` counts, and drop anything before `low` (sub-second bases round down).
    try:
        matches = croniter(expr, low.astimezone(tz) - dt.timedelta(seconds=1), ret_type=dt.datetime)
    except (CroniterError, ValueError, KeyError) as exc:
        raise PlanError(f"invalid cron expression {expression!r}: {exc}") from exc
    while True:
        try:
            moment = matches.get_next(dt.datetime).astimezone(dt.UTC)
        except CroniterError as exc:  # e.g. "0 0 30 2 *": February 30th never comes
            raise PlanError(f"the cron expression {expression!r} never matches: {exc}") from exc
        if moment >= high:
            return
        if moment >= low:
            yield moment


def iter_kickoffs(schedule: Mapping[str, Any], start: dt.datetime, end: dt.datetime,
                  tz: str = "UTC") -> Iterator[dt.datetime]:
    """Lazily yield the kickoff instants in ``[start, end)`` (UTC, ascending); see the module doc."""
    start, end = _utc(start, "from"), _utc(end, "to")
    shift = iso_duration(schedule.get("offset"))
    # An instant i counts when i + shift is in [start, end): generate i over the shifted window.
    low, high = start - shift, end - shift
    if schedule.get("cron"):
        expr, _zone_name = _split_zone(str(schedule["cron"]), tz)
        if expr.startswith("@every "):
            source = _steps(start, low, high, go_duration(expr[len("@every"):]))
        else:
            source = _cron(str(schedule["cron"]), low, high, tz)
    elif schedule.get("rate"):
        source = _steps(start, low, high, rate_step(schedule["rate"]))
    else:
        raise PlanError("the launch plan has no schedule to backfill",
                        hint="give the launch plan a schedule (cron or rate) or remove the Backfill")
    for moment in source:
        yield moment + shift


def rate_step(rate: Mapping[str, Any]) -> dt.timedelta:
    """The step of a fixed rate ``{value, unit}`` (unit minute|hour|day, also Admin's MINUTE/HOUR/DAY)."""
    unit = str(rate.get("unit", "")).lower().rstrip("s")
    value = rate.get("value")
    if unit not in RATE_UNITS:
        raise PlanError(f"unknown fixed-rate unit {rate.get('unit')!r}", hint="use minute, hour or day")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise PlanError(f"a fixed rate needs a positive whole number of units, not {value!r}")
    return value * RATE_UNITS[unit]


def kickoff_times(schedule: Mapping[str, Any], start: dt.datetime, end: dt.datetime, tz: str = "UTC",
                  limit: int = DEFAULT_LIMIT) -> list[dt.datetime]:
    """All kickoff instants in ``[start, end)`` — ``from`` inclusive, ``to`` exclusive — as UTC datetimes.

    Raises PlanError when there are more than ``limit`` of them (found after at most ``limit + 1``
    steps, never by building the whole list) or when the schedule cannot be read.
    """
    # Validation and planning both ask, and campaigns over one schedule and window repeat (at L, 40
    # calls were 0.4 s of croniter): each distinct question is answered once (a bounded memo).
    key = (json.dumps(schedule, sort_keys=True, default=str), start, end, tz, limit)
    found = _KICKOFFS.get(key)
    if found is None:
        try:
            found = tuple(_compute(schedule, start, end, tz, limit))
        except PlanError as exc:
            found = exc
        if len(_KICKOFFS) >= _KICKOFFS_LIMIT:
            _KICKOFFS.clear()
        _KICKOFFS[key] = found
    if isinstance(found, PlanError):
        raise PlanError(found.message, hint=found.hint)
    return list(found)


_KICKOFFS: dict[tuple[Any, ...], tuple[dt.datetime, ...] | PlanError] = {}
_KICKOFFS_LIMIT = 1024


def _compute(schedule: Mapping[str, Any], start: dt.datetime, end: dt.datetime, tz: str,
             limit: int) -> list[dt.datetime]:
    result: list[dt.datetime] = []
    for moment in iter_kickoffs(schedule, start, end, tz):
        if len(result) >= limit:
            raise PlanError(f"the backfill range has more than {limit} kickoff times (maxExecutions is {limit})",
                            hint="narrow from/to, or raise spec.maxExecutions in the Backfill manifest")
        result.append(moment)
    return result
