"""Field-level differences between two normalised bodies (pure).

Bodies are plain JSON-able dicts; the result is a sorted tuple of ``FieldChange`` with dotted
paths, the same for every run on the same input (deterministic plans).
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.plan.actions import FieldChange

_PATH_PART = re.compile(r"\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\d+)\]")


def _dotted(deepdiff_path: str, prefix: str) -> str:
    parts = []
    for token in _PATH_PART.findall(deepdiff_path):
        parts.append(token[1:-1] if token[0] in "'\"" else f"[{token}]")
    text = ".".join(parts).replace(".[", "[")
    if not prefix:
        return text
    return f"{prefix}.{text}" if text else prefix


def _same(a: Any, b: Any) -> bool:
    """Equal with the types DeepDiff would see as equal (1 is not True, 1 is not 1.0): the common
    case of an unchanged body, answered without building a DeepDiff (most of a no-op plan's cost)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def diff_bodies(before: Any, after: Any, *, prefix: str = "") -> tuple[FieldChange, ...]:
    """Every changed leaf between ``before`` and ``after``.

    A whole object that appears or disappears (one side ``None``) has no field changes: renderers
    show its full ``after``/``before`` instead.
    """
    if before is None or after is None or _same(before, after):
        return ()
    from deepdiff import DeepDiff  # imported when bodies differ: a no-op run never needs it

    result = DeepDiff(before, after, verbose_level=2, ignore_order=False)
    changes: list[FieldChange] = []
    for path, values in result.get("values_changed", {}).items():
        changes.append(FieldChange(op="change", path=_dotted(path, prefix),
                                   old=values["old_value"], new=values["new_value"]))
    for path, values in result.get("type_changes", {}).items():
        changes.append(FieldChange(op="change", path=_dotted(path, prefix),
                                   old=values.get("old_value"), new=values.get("new_value")))
    for key in ("dictionary_item_added", "iterable_item_added"):
        for path, value in result.get(key, {}).items():
            changes.append(FieldChange(op="add", path=_dotted(path, prefix), new=value))
    for key in ("dictionary_item_removed", "iterable_item_removed"):
        for path, value in result.get(key, {}).items():
            changes.append(FieldChange(op="remove", path=_dotted(path, prefix), old=value))
    return tuple(sorted(changes, key=lambda c: (c.path, c.op)))


def equal(before: Any, after: Any) -> bool:
    return not diff_bodies(before, after)
