"""Times, durations and intervals a manifest may hold: only what Python and Flyte Admin can represent.

Without these bounds a valid-looking manifest fails later, at plan time, with an ``OverflowError``
(``offset: P9999999999D``, ``from: 0001-01-01T00:00+01:00``, a rate of ``1e20`` days) or is read as
something else than written (``from: 1700000000`` as Unix seconds). Each function raises
``ValueError("problem (expected)")`` for the model validators. Pure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reconciler.backfill.schedule import RATE_UNITS, iso_duration
from reconciler.errors import PlanError
from reconciler.manifests.checks import printable

MAX_OFFSET = dt.timedelta(days=366)  # an offset moves each run within its schedule, not across years
MAX_RATE_INTERVAL = dt.timedelta(days=36_600)  # a fixed rate that fires less than once a century is a mistake


def not_a_number(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        raise ValueError(f"got the number {value} (an ISO 8601 timestamp such as 2024-01-01T00:00:00Z; numbers "
                         "are not read as Unix seconds)")
    return value


def in_utc_range(value: dt.datetime) -> dt.datetime:
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(f"{value.isoformat()} is outside the representable range once converted to UTC (a time "
                         "between 0001-01-02 and 9999-12-30)") from None
    return value


def offset(text: str) -> str:
    if not text.isascii():
        raise ValueError(f"offset '{printable(text)}' has non-ASCII characters (an "
                         "ISO 8601 duration with ASCII digits such as PT30M, -PT1H or P1D)")
    try:
        delta = iso_duration(text)
    except PlanError as exc:
        raise ValueError(f"{exc.message} ({exc.hint})") from None
    except OverflowError:
        raise ValueError(f"offset {text!r} is too large (at most {MAX_OFFSET.days} days either way)") from None
    if abs(delta) > MAX_OFFSET:
        raise ValueError(f"offset {text!r} is more than {MAX_OFFSET.days} days (at most {MAX_OFFSET.days} days "
                         "either way)")
    return text


def rate_interval(value: int, unit: str) -> dt.timedelta:
    step = RATE_UNITS[unit]
    if value > MAX_RATE_INTERVAL // step:
        raise ValueError(f"a rate of {value} {unit}s is longer than {MAX_RATE_INTERVAL.days} days (a rate that "
                         f"fires at least once a century: at most {MAX_RATE_INTERVAL // step} {unit}s)")
    return value * step
