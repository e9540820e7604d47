"""What a cron expression must also satisfy, beyond its syntax, before it is sent to Flyte Admin.

Kept apart from the cron parser (``checks.cron``) on purpose: the parser says whether an expression
is well formed; this module refuses well-formed expressions Admin would still reject or that would
silently do nothing:

- only printable ASCII: Python's ``str.isdigit`` and ``int`` accept '٣' (Arabic-Indic three), Go's
  cron parser in Admin does not, so "valid" here would become INVALID_ARGUMENT there;
- the schedule must fire: ``0 0 30 2 *`` (30 February) is accepted by every parser and never runs.

Runs after the parser succeeded; an expression it cannot read is left to the parser. Pure.
"""

from __future__ import annotations

import calendar
from functools import lru_cache

from reconciler.manifests.checks import printable

_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}


def _printable_ascii(expression: str) -> None:
    for position, char in enumerate(expression):
        if not " " <= char <= "~":
            raise ValueError(f"'{printable(expression)}' has the character "
                             f"U+{ord(char):04X} at position {position + 1} (cron expressions are ASCII: digits "
                             "0-9, '*', ',', '-', '/', month and day names)")


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int] | None:
    """The set a cron field selects, or None when it is not a plain list of numbers/ranges/steps."""
    selected: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isascii() and step_text.isdigit() else (1 if not step_text else 0)
        if step <= 0:
            return None
        if base in ("*", "?"):
            start, end = low, high
        else:
            first, _, last = base.partition("-")
            try:
                start = names.get(first.upper()) or int(first)
                end = (names.get(last.upper()) or int(last)) if last else (high if step_text else start)
            except ValueError:
                return None
        selected.update(range(start, end + 1, step))
    return selected


def _days_in(month: int) -> int:
    return 29 if month == 2 else calendar.monthrange(2001, month)[1]  # February 29 exists in leap years


@lru_cache(maxsize=4096)  # schedules repeat across launch plans; refusals (raised) are not kept
def check(expression: str) -> str:
    """Refuse non-ASCII expressions and 5-field expressions that select no day of any year."""
    _printable_ascii(expression)
    expr = expression.strip()
    for prefix in ("TZ=", "CRON_TZ="):
        if expr.startswith(prefix):
            expr = expr[len(prefix):].partition(" ")[2].strip()
    fields = expr.split()
    if expr.startswith("@") or len(fields) != 5:
        return expression
    day_of_month, month, day_of_week = fields[2], fields[3], fields[4]
    if day_of_week not in ("*", "?"):
        return expression  # both day fields restricted: cron fires when either matches
    days = _values(day_of_month, 1, 31, {})
    months = _values(month, 1, 12, _MONTHS)
    if days is None or months is None:
        return expression
    if not any(day <= _days_in(m) for m in months for day in days):
        raise ValueError(f"{expression!r} never fires: none of the days of month it selects exists in the months it "
                         "selects (a day that exists in those months, e.g. '0 0 28 2 *' for late February)")
    return expression
