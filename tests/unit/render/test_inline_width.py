"""``yaml_lines`` asks whether a collection fits on one line without rendering all of it (``_width``): the
answer must be the one ``len(inline(value))`` gives, for every cap, so the plan text is unchanged."""

from __future__ import annotations

import random
from typing import Any

from reconciler.plan.render.common import _width, inline

_SCALARS: list[Any] = ["", "a", "yes", "1.5", "a: b", "x " * 30, "résumé", "s3://bucket/raw", None, True, False,
                       0, -3, 2.5, 10**12]


def _value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(_SCALARS)
    if roll < 0.75:
        return {rng.choice(["k", "limits", "on", "1", "a b", "cpu"]) + str(i): _value(rng, depth + 1)
                for i in range(rng.randrange(0, 5))}
    return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]


def test_width_is_the_inline_length_or_known_to_exceed_the_cap() -> None:
    rng = random.Random(21)
    for _ in range(3000):
        value = _value(rng)
        exact = len(inline(value))
        for cap in (-5, 0, 1, 10, 40, 70, 72, 200, exact - 1, exact, exact + 1):
            width = _width(value, cap)
            assert (width > cap) == (exact > cap), (value, cap)
            if exact <= cap:
                assert width == exact
