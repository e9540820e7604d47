"""Values no field may hold, whatever its type: checked over the whole document before the models.

- NUL in any text: Flyte Admin on PostgreSQL cannot store it (``invalid byte sequence``), so a
  description with ``\\0`` validates, plans, and then fails on write.
- NaN and infinities: they are not JSON (plan files, Admin's literal JSON) and are not a value any
  input or limit means.
Pure; yields ``(path, problem, expected)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

Found = tuple[tuple[Any, ...], str, str]


def unsafe_values(value: Any, path: tuple[Any, ...] = ()) -> Iterator[Found]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\0" in key:
                yield (*path, key), "the key contains a NUL character (\\0)", "text without NUL characters"
            yield from unsafe_values(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unsafe_values(item, (*path, index))
    elif isinstance(value, str) and "\0" in value:
        yield path, "the text contains a NUL character (\\0), which Flyte Admin cannot store", \
            "text without NUL characters"
    elif isinstance(value, float) and not math.isfinite(value):
        yield path, f"{value} is not a finite number", "a finite number, not .nan or .inf"
