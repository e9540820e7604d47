"""Kickoff instants of a launch plan schedule over a backfill range (pure).

The range is ``[start, end)``: ``from`` inclusive, ``to`` exclusive. Cron expressions (5 fields or a
descriptor, optional ``TZ=``/``CRON_TZ=`` prefix) are evaluated in the schedule's zone, else the
backfill's ``timezone`` (UTC by default); ``@every <duration>`` and fixed rates are anchored at
``start`` (Admin's native scheduler anchors them at activation time, which a backfill cannot know).
An optional ISO 8601 ``offset`` (e.g. ``PT30M``) shifts every instant. Results are UTC. Counting is
lazy: more than ``limit`` instants raise before anything large is built.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from reconciler.errors import PlanError

_GO = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_UNITS = {"minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}


def _go_duration(text: str) -> dt.timedelta:
    parts = _GO.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        raise PlanError(f"cannot read duration {text!r} of @every")
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return dt.timedelta(seconds=sum(float(n) * scale[u] for n, u in parts))


def _offset(text: str | None) -> dt.timedelta:
    if not text:
        return dt.timedelta()
    match = _ISO.match(text)
    if not match or not any(match.groups()):
        raise PlanError(f"cannot read schedule offset {text!r} (an ISO 8601 duration such as PT30M)")
    d, h, m, s = (int(g) if g else 0 for g in match.groups())
    return dt.timedelta(days=d, hours=h, minutes=m, seconds=s)


def _every(start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> Iterator[dt.datetime]:
    if step <= dt.timedelta():
        raise PlanError("a schedule interval must be positive")
    moment = start
    while moment < end:
        yield moment
        moment += step


def _cron(expression: str, start: dt.datetime, end: dt.datetime, zone: str) -> Iterator[dt.datetime]:
    expr = expression.strip()
    for prefix in ("TZ=", "CRON_TZ="):
        if expr.startswith(prefix):
            zone, _, expr = expr[len(prefix):].partition(" ")
    if expr.startswith("@every "):
        yield from _every(start, end, _go_duration(expr[7:].strip()))
        return
    expr = {"@midnight": "@daily", "@annually": "@yearly"}.get(expr, expr)
    local = start.astimezone(ZoneInfo(zone))
    # croniter yields the first instant strictly after its base: step back one second so `start` counts.
    iterator = croniter(expr, local - dt.timedelta(seconds=1), ret_type=dt.datetime)
    while True:
        moment = iterator.get_next(dt.datetime).astimezone(dt.UTC)
        if moment >= end:
            return
        yield moment


def kickoff_times(schedule: dict[str, Any], start: dt.datetime, end: dt.datetime, timezone: str = "UTC",
                  limit: int = 1000) -> list[dt.datetime]:
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    shift = _offset(schedule.get("offset"))
    if schedule.get("cron"):
        source = _cron(schedule["cron"], start - shift, end - shift, timezone)
    elif schedule.get("rate"):
        rate = schedule["rate"]
        source = _every(start - shift, end - shift, int(rate["value"]) * _UNITS[rate["unit"]])
    else:
        raise PlanError("the launch plan has no schedule to backfill")
    result: list[dt.datetime] = []
    for moment in source:
        if len(result) >= limit:
            raise PlanError(f"the backfill range has more than {limit} kickoff times",
                            hint="narrow from/to, or raise spec.maxExecutions in the Backfill manifest")
        result.append(moment + shift)
    return result
