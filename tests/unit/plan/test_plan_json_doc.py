"""docs/plan-json.md documents exactly the action types the planner can emit (the union in actions.py)."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from reconciler.plan.actions import Action

DOC = Path(__file__).resolve().parents[3] / "docs" / "plan-json.md"


def _union_types() -> dict[str, type]:
    union = typing.get_args(Action)[0]
    return {cls.model_fields["type"].default: cls for cls in typing.get_args(union)}


def _section(title: str) -> str:
    text = DOC.read_text()
    start = text.index(f"\n{title}\n")
    end = text.find("\n#", start + len(title) + 2)
    return text[start:end if end != -1 else None]


def _rows(section: str) -> list[list[str]]:
    rows = [line.strip("|").split(" | ") for line in section.splitlines()
            if line.startswith("| `") and not line.startswith("| `action_type`")]
    return [[cell.strip() for cell in row] for row in rows]


def test_every_action_type_is_documented_and_nothing_else() -> None:
    documented = [row[0].strip("`") for row in _rows(_section("## Action types"))]
    assert len(documented) == len(set(documented))
    assert set(documented) == set(_union_types())


def test_documented_destructiveness_matches_the_action_classes() -> None:
    types = _union_types()
    for row in _rows(_section("## Action types")):
        name, destructive = row[0].strip("`"), row[3]
        assert destructive == ("yes" if types[name].destructive else "no"), name


def test_details_table_names_every_action_type() -> None:
    names = {n for row in _rows(_section("### `details` per action type"))
             for n in re.findall(r"`([a-z_]+)`", row[0])}
    assert set(_union_types()) <= names
