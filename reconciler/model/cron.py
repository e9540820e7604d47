"""Cron schedules exactly as Flyte Admin reads them: robfig/cron v3 ``ParseStandard`` (pure).

flyteadmin validates a launch plan's ``cron_expression`` / ``cron_schedule.schedule`` with
``cron.ParseStandard`` (``github.com/unionai/cron``, a fork of ``robfig/cron/v3`` with the same
parser). This module is the one reading of that grammar in the project: the manifests' validator,
the embedded admin and the backfill planner all call ``parse``, so they cannot disagree with each
other, and each rule below follows the Go code rather than what cron usually means:

- Empty → ``empty spec string``.
- A ``TZ=<zone> `` or ``CRON_TZ=<zone> `` prefix: the zone runs from after the first ``=`` to the
  first ASCII space (``""`` is UTC, ``Local`` the server's zone); the rest is whitespace-trimmed.
  Without a space Go slices out of range and panics (Admin answers INTERNAL): refused here.
- Then, starting with ``@``: exactly ``@yearly``/``@annually``, ``@monthly``, ``@weekly``,
  ``@daily``/``@midnight``, ``@hourly`` or ``@every <Go duration>``. Nothing is trimmed, so
  ``"@daily "`` and ``"@every 1h "`` are refused; ``@every -1h`` and ``@every 0`` are accepted
  (``Every`` runs anything shorter than a second every second).
- Otherwise exactly 5 whitespace-separated fields. A field is a comma list whose empty items are
  dropped (``,1`` is ``1``; ``,`` alone matches nothing and is still accepted). An item is
  ``*``/``?`` (anything after a leading ``*-`` is ignored), ``N``, ``N-M``, each optionally ``/step``;
  ``N/step`` runs to the field's maximum. Numbers are Go ``strconv.Atoi`` (an optional sign),
  names (``jan``, ``MON``) only in the month and day-of-week fields, case-insensitive. ``?`` is
  allowed in every field; day-of-week is 0-6 (no 7). Errors are checked in the Go order.

``go_error`` gives the Go parser's text (so the embedded admin's ``Invalid cron expression: <err>``
reads as Admin's), ``CronError.problem`` a sentence for manifest authors.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

FIELD_NAMES = ("minute", "hour", "day of month", "month", "day of week")
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                            "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DAYS))
# parseDescriptor: (minute, hour, day of month, month, day of week); None is "all, with the star bit".
DESCRIPTORS: dict[str, tuple[int | None, int | None, int | None, int | None, int | None]] = {
    "@yearly": (0, 0, 1, 1, None), "@annually": (0, 0, 1, 1, None), "@monthly": (0, 0, 1, None, None),
    "@weekly": (0, 0, None, None, 0), "@daily": (0, 0, None, None, None), "@midnight": (0, 0, None, None, None),
    "@hourly": (0, None, None, None, None),
}
EXPECTED_FIVE = "exactly 5 fields: minute hour day-of-month month day-of-week, or a descriptor such as @daily"
# Go's unicode.IsSpace (strings.Fields / strings.TrimSpace); Python's str.split also splits on \x1c-\x1f.
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                      "\u200a\u2028\u2029\u202f\u205f\u3000")
_INT64_MAX = 2**63 - 1
# time.ParseDuration's units, in nanoseconds ("µs" is U+00B5, "μs" U+03BC).
_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
          "h": 3600 * 10**9}


class CronError(ValueError):
    """``go_message``: what robfig/cron answers; ``problem``: the same for someone editing a manifest."""

    def __init__(self, go_message: str, problem: str) -> None:
        super().__init__(problem)
        self.go_message = go_message
        self.problem = problem


@dataclass(frozen=True)
class CronSchedule:
    """A parsed schedule. ``zone``: the prefix's zone name (``None`` without a prefix, ``"Local"`` for
    the server's zone). Either ``every`` (a constant delay, whole seconds, at least one) or the five
    value sets with robfig's star bits for day-of-month and day-of-week (they decide AND vs OR)."""

    zone: str | None
    every: dt.timedelta | None = None
    values: tuple[frozenset[int], ...] = ()
    dom_star: bool = False
    dow_star: bool = False

    def standard_expression(self) -> str | None:
        """The same schedule as five plain fields (explicit lists; ``*`` where robfig sets the star bit,
        so day matching keeps its AND/OR meaning); ``None`` when some field matches nothing."""
        if self.every is not None or any(not v for v in self.values):
            return None
        parts = []
        for index, values in enumerate(self.values):
            star = (index == 2 and self.dom_star) or (index == 4 and self.dow_star)
            low, high, _names = _BOUNDS[index]
            full = values == frozenset(range(low, high + 1))
            parts.append("*" if star or (full and index not in (2, 4)) else ",".join(map(str, sorted(values))))
        return " ".join(parts)


def go_error(spec: str) -> str | None:
    """robfig/cron's error text for ``spec``, or ``None`` when ``ParseStandard`` accepts it."""
    try:
        parse(spec)
    except CronError as exc:
        return exc.go_message
    return None


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in _GO_SPACE:
        start += 1
    while end > start and text[end - 1] in _GO_SPACE:
        end -= 1
    return text[start:end]


def _fields(text: str) -> list[str]:
    out, current = [], ""
    for char in text:
        if char in _GO_SPACE:
            if current:
                out.append(current)
            current = ""
        else:
            current += char
    return [*out, current] if current else out


@lru_cache(maxsize=4096)  # schedules repeat across launch plans; the result is immutable
def parse(spec: str) -> CronSchedule:
    """Parse ``spec`` as ``cron.ParseStandard`` does; raises CronError (see the module doc)."""
    if not spec:
        raise CronError("empty spec string", f"the schedule is empty: 0 fields ({EXPECTED_FIVE})")
    zone: str | None = None
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        if space < 0:
            raise CronError("runtime error: slice bounds out of range",
                            f"{spec!r} has a time zone but no schedule after it (TZ=<zone> then a space, then "
                            "5 fields or a descriptor)")
        zone = spec[spec.index("=") + 1:space]
        _check_zone(zone)
        spec = _trim(spec[space:])
    if spec.startswith("@"):
        return _descriptor(spec, zone)
    fields = _fields(spec)
    if len(fields) != 5:
        go = f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
        if len(fields) == 6:
            raise CronError(go, f"{spec!r} has 6 fields: Flyte Admin rejects AWS/Quartz 6-field syntax "
                                f"({EXPECTED_FIVE})")
        raise CronError(go, f"{spec!r} has {len(fields)} fields ({EXPECTED_FIVE})")
    values: list[frozenset[int]] = []
    stars: list[bool] = []
    for index, text in enumerate(fields):
        field_values: set[int] = set()
        star = False
        for item in (part for part in text.split(",") if part):
            item_values, item_star = _range(item, index)
            field_values |= item_values
            star = star or item_star
        values.append(frozenset(field_values))
        stars.append(star)
    return CronSchedule(zone=zone, values=tuple(values), dom_star=stars[2], dow_star=stars[4])


def _check_zone(zone: str) -> None:
    if zone in ("", "UTC", "Local"):
        return
    problem = f"unknown timezone {zone!r} in the TZ= prefix (an IANA zone name such as UTC or Europe/Berlin)"
    if ".." in zone or zone.startswith(("/", "\\")):
        raise CronError(f"provided bad location {zone}: time: invalid location name", problem)
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise CronError(f"provided bad location {zone}: unknown time zone {zone}", problem) from exc


def _descriptor(spec: str, zone: str | None) -> CronSchedule:
    if spec in DESCRIPTORS:
        picks = DESCRIPTORS[spec]
        values = tuple(frozenset(range(low, high + 1)) if pick is None else frozenset({pick})
                       for pick, (low, high, _names) in zip(picks, _BOUNDS, strict=True))
        return CronSchedule(zone=zone, values=values, dom_star=picks[2] is None, dow_star=picks[4] is None)
    if spec.startswith("@every "):
        text = spec[len("@every "):]
        try:
            nanos = go_duration_nanos(text)
        except ValueError as exc:
            raise CronError(f"failed to parse duration {spec}: {exc}",
                            f"{spec!r}: {text!r} is not a Go duration (such as 90m, 1h30m or 45s; nothing may "
                            "follow it, not even a space)") from exc
        seconds = max(1, nanos // 10**9) if nanos >= 10**9 else 1  # robfig's Every: at least 1 s, whole seconds
        return CronSchedule(zone=zone, every=dt.timedelta(seconds=seconds))
    raise CronError(f"unrecognized descriptor: {spec}",
                    f"unknown descriptor {spec!r} (one of {', '.join(DESCRIPTORS)} or '@every <duration>', "
                    "written exactly, with nothing after it)")


def go_duration_nanos(text: str) -> int:
    """Go's ``time.ParseDuration`` in nanoseconds; ValueError carries Go's message."""
    invalid = ValueError(f"time: invalid duration {_go_quote(text)}")
    rest, negative = text, False
    if rest[:1] in ("-", "+"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0
    while rest:
        if not (rest[0] == "." or rest[0] in "0123456789"):
            raise invalid
        digits = len(rest) - len(rest.lstrip("0123456789"))
        whole, rest = rest[:digits], rest[digits:]
        fraction = ""
        if rest.startswith("."):
            rest = rest[1:]
            size = len(rest) - len(rest.lstrip("0123456789"))
            fraction, rest = rest[:size], rest[size:]
        if not whole and not fraction:
            raise invalid
        size = 0
        while size < len(rest) and not (rest[size] == "." or rest[size] in "0123456789"):
            size += 1
        if size == 0:
            raise ValueError(f"time: missing unit in duration {_go_quote(text)}")
        unit, rest = rest[:size], rest[size:]
        if unit not in _UNITS:
            raise ValueError(f"time: unknown unit {_go_quote(unit)} in duration {_go_quote(text)}")
        value = int(whole or "0")
        if value > 2**63 // _UNITS[unit]:
            raise invalid
        value *= _UNITS[unit]
        if fraction:
            value += int(int(fraction[:18]) * (_UNITS[unit] / 10 ** len(fraction[:18])))
        total += value
        if total > 2**63:
            raise invalid
    if not negative and total > _INT64_MAX:
        raise invalid
    return -total if negative else total


def _atoi(text: str, index: int, item: str) -> int:
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or not all("0" <= c <= "9" for c in body):
        names = " or a name such as JAN" if index == 3 else " or a name such as MON" if index == 4 else ""
        raise CronError(f"failed to parse int from {text}: strconv.Atoi: parsing {_go_quote(text)}: invalid syntax",
                        f"{FIELD_NAMES[index]} field has {text!r} in {item!r} (a number{names})")
    number = int(text)
    if not -(2**63) <= number <= _INT64_MAX:
        raise CronError(f"failed to parse int from {text}: strconv.Atoi: parsing {_go_quote(text)}: "
                        "value out of range", f"{FIELD_NAMES[index]} {text} is out of range")
    if number < 0:
        raise CronError(f"negative number ({number}) not allowed: {text}",
                        f"{FIELD_NAMES[index]} field has a negative number in {item!r}")
    return number


def _int_or_name(text: str, index: int, item: str) -> int:
    names = _BOUNDS[index][2]
    return names[text.lower()] if text.lower() in names else _atoi(text, index, item)


def _range(item: str, index: int) -> tuple[set[int], bool]:
    """robfig's getRange: the values of one comma item and whether it sets the star bit."""
    low, high, _names = _BOUNDS[index]
    what = FIELD_NAMES[index]
    range_and_step = item.split("/")
    low_and_high = range_and_step[0].split("-")
    star = False
    if low_and_high[0] in ("*", "?"):
        start, end, star = low, high, True
    else:
        start = _int_or_name(low_and_high[0], index, item)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], index, item)
        else:
            raise CronError(f"too many hyphens: {item}", f"{what} field has too many '-' in {item!r}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _atoi(range_and_step[1], index, item)
        if len(low_and_high) == 1:  # "N/step" means "N-max/step"
            end = high
        if step > 1:
            star = False
    else:
        raise CronError(f"too many slashes: {item}", f"{what} field has too many '/' in {item!r}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {item}",
                        f"{what} {start} is out of range {low}-{high}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {item}",
                        f"{what} {end} is out of range {low}-{high}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {item}",
                        f"{what} range {item!r} starts after it ends")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {item}",
                        f"{what} field has step 0 in {item!r} (a step must be positive)")
    return set(range(start, end + 1, step)), star
