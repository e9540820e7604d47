"""Shared pieces of the plan renderers: grouping, symbols, labels, compact value formatting.

Pure functions over a ``Plan``; the text, JSON and Markdown renderers all use them so the three
outputs agree on order, symbols and counts. Nothing here prints or performs I/O, and nothing here
may change what a plan *means*: renderers only describe the actions they are given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reconciler.model.state import KINDS, kind_of
from reconciler.plan.actions import DELETE, Action
from reconciler.plan.model import Plan

TOOL_NAME = "flyte-reconciler"
NO_CHANGES = "No changes. Live state matches the manifests."
NO_CHANGES_BUT_BACKFILLS = "No changes to apply, but a backfill did not succeed (see below)."

# Human labels for the closed set of action types; an unknown (future) type falls back to its name.
_LABELS = {
    "create_project": "create project",
    "update_project": "update project",
    "archive_project": "archive project",
    "update_metadata": "update metadata",
    "register_launch_plan": "register version {version}",
    "activate_launch_plan": "activate version {version}",
    "deactivate_launch_plan": "deactivate version {version}",
    "update_attributes": "write attributes",
    "delete_attributes": "delete attributes",
}


def display_symbol(action: Action) -> str:
    """The action's symbol, except that a destructive action always shows ``-``.

    Deactivation is an *update* in Admin's terms (``.symbol`` is ``~``) but the plan counts it as a
    destroy, and reviewers must see it with the deletions.
    """
    if action.destructive and action.symbol == "~":
        return "-"
    return action.symbol


def label(action: Action) -> str:
    template = _LABELS.get(action.type, action.type.replace("_", " "))
    return template.format(version=getattr(action, "version", ""))


@dataclass(frozen=True)
class Block:
    """Every action of one address, in plan order."""

    address: str
    actions: tuple[Action, ...]

    @property
    def kind(self) -> str:
        return kind_of(self.address)

    @property
    def destructive(self) -> bool:
        return any(a.destructive for a in self.actions)

    @property
    def symbol(self) -> str:
        symbols = {display_symbol(a) for a in self.actions}
        if len(symbols) == 1:
            return symbols.pop()
        deletes = any(a.verbs == (DELETE,) for a in self.actions)
        if "-/+" in symbols or (deletes and any(not a.destructive for a in self.actions)):
            return "-/+"  # e.g. an attribute row deleted and rewritten
        first = self.actions[0]
        if "+" in symbols and first.creates and first.before is None:
            return "+"  # a launch plan registered for the first time and then activated
        return "~"


def blocks(plan: Plan) -> list[Block]:
    """One block per address: blocks holding a destructive action first, otherwise plan order."""
    grouped: dict[str, list[Action]] = {}
    for action in plan.actions:
        grouped.setdefault(action.address, []).append(action)
    result = [Block(address, tuple(actions)) for address, actions in grouped.items()]
    return sorted(result, key=lambda b: not b.destructive)  # stable: keeps plan order inside each group


def kind_order(kinds: Iterable[str]) -> list[str]:
    known = [k for k in KINDS if k in set(kinds)]
    return known + sorted(set(kinds) - set(KINDS))


def summary_by_kind(plan: Plan) -> dict[str, dict[str, int]]:
    """Counts per kind with the same rule as ``Plan.summary()`` (so the totals add up)."""
    counts: dict[str, dict[str, int]] = {}
    for action in plan.actions:
        row = counts.setdefault(kind_of(action.address), {"add": 0, "change": 0, "destroy": 0})
        if action.destructive:
            row["destroy"] += 1
        elif action.creates:
            row["add"] += 1
        else:
            row["change"] += 1
    return {kind: counts[kind] for kind in kind_order(counts)}


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def total_line(plan: Plan) -> str:
    s = plan.summary()
    return f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy."


# What one object of each kind is called in summaries ("8 launch plans to add (19 actions)").
_NOUNS = {"project": "project", "workflow": "workflow", "attributes": "attribute row",
          "launchplan": "launch plan", "backfill": "backfill"}
# Per kind, how an "add" reads: a backfill with runs to launch is advanced, not created.
_ADD_VERBS = {"backfill": "to advance"}
CATEGORIES = ("add", "change", "destroy")


def noun(kind: str) -> str:
    return _NOUNS.get(kind, kind)


def block_category(block: Block) -> str:
    """add (a new object), destroy (removed or deactivated) or change, from the block's symbol."""
    if block.symbol == "-":
        return "destroy"
    return "add" if block.symbol == "+" else "change"


@dataclass(frozen=True)
class ObjectCount:
    kind: str
    category: str  # add | change | destroy
    objects: int
    actions: int

    def phrase(self) -> str:
        verb = _ADD_VERBS.get(self.kind, "to add") if self.category == "add" else f"to {self.category}"
        return f"{plural(self.objects, noun(self.kind))} {verb} ({plural(self.actions, 'action')})"


def object_counts(plan: Plan) -> list[ObjectCount]:
    """Objects and their actions per kind and category, kinds in ``KINDS`` order, then add/change/destroy."""
    tally: dict[tuple[str, str], list[int]] = {}
    for block in blocks(plan):
        row = tally.setdefault((block.kind, block_category(block)), [0, 0])
        row[0] += 1
        row[1] += len(block.actions)
    return [ObjectCount(kind, category, *tally[(kind, category)])
            for kind in kind_order({k for k, _ in tally}) for category in CATEGORIES if (kind, category) in tally]


def objects_line(plan: Plan) -> str:
    """``8 launch plans to add (19 actions), 2 projects to change (2 actions)``."""
    return ", ".join(count.phrase() for count in object_counts(plan))


def open_unmanaged(plan: Plan) -> int:
    """Unmanaged objects this plan leaves in place (prune off): drift the plan has no action for."""
    return sum(1 for u in plan.unmanaged if not u.pruned)


def no_changes_line(plan: Plan) -> str:
    """``NO_CHANGES`` only when it is true: unmanaged objects left in place mean live state does not
    match the manifests, even with nothing to apply."""
    left = open_unmanaged(plan)
    if plan.unsuccessful_backfills:
        return NO_CHANGES_BUT_BACKFILLS
    if not left:
        return NO_CHANGES
    return (f"No changes to apply, but live state does not match the manifests: "
            f"{plural(left, 'unmanaged object')} in the managed scope (listed below).")


@dataclass(frozen=True)
class FieldLine:
    op: str  # add | remove | change
    path: str
    old: Any
    new: Any


def field_lines(action: Action) -> list[FieldLine]:
    """The action's field changes; for actions that carry none (activation), the top-level
    keys whose values differ between ``before`` and ``after``."""
    if action.changes:
        return [FieldLine(c.op, c.path, c.old, c.new) for c in action.changes]
    before, after = action.before, action.after
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        if key not in after:
            lines.append(FieldLine("remove", key, before[key], None))
        elif key not in before:
            lines.append(FieldLine("add", key, None, after[key]))
        elif before[key] != after[key]:
            lines.append(FieldLine("change", key, before[key], after[key]))
    return lines


# Keys whose false value is Flyte's own default, so a new object need not list them.
_DEFAULT_FALSE = frozenset({"overwriteCache"})


def _is_default(key: str, value: Any) -> bool:
    return value is None or value in ({}, [], "") or (value is False and key in _DEFAULT_FALSE)


def without_defaults(value: Any) -> Any:
    """``value`` without null, empty and default-valued keys (at any depth): what a reviewer of a
    *new* object needs, since an unset field and its default mean the same to Admin."""
    if isinstance(value, dict):
        kept = {k: without_defaults(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if not _is_default(str(k), v)}
    if isinstance(value, list | tuple):
        return [without_defaults(v) for v in value]
    return value


def shown_object(action: Action) -> tuple[str, Any] | None:
    """What to show in full: ``after`` of a create (null and default fields left out), ``before`` of
    a removal (``None``: neither)."""
    if action.before is None and action.after is not None:
        return "after", without_defaults(action.after)
    if action.after is None and action.before is not None:
        return "before", action.before
    return None


# A plain YAML scalar: not empty, no surrounding space, nothing YAML would read as another type
# or as structure.
_PLAIN = re.compile(r"^[A-Za-z0-9_./@%+=][A-Za-z0-9_./@%+=:\- ]*$")
_SPECIAL = re.compile(r"^(true|false|yes|no|on|off|null|~|[-+]?(\d[\d_]*)?\.?\d+([eE][-+]?\d+)?)$", re.I)


def inline(value: Any) -> str:
    """A compact, unambiguous one-line rendering (YAML flow style; strings quoted when needed)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _inline_str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{inline(str(k))}: {inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


@lru_cache(maxsize=1 << 16)
def _inline_str(value: str) -> str:
    # Cached: a large plan shows the same keys and values thousands of times (two regexp scans each).
    plain = _PLAIN.match(value) and not _SPECIAL.match(value)
    if plain and not value.endswith(" ") and ": " not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _width(value: Any, cap: int) -> int:
    """``len(inline(value))`` when that is at most ``cap``; otherwise some number above ``cap``, found
    without rendering the rest (``yaml_lines`` only asks whether a collection fits on its line)."""
    if isinstance(value, dict):
        total = 2 * max(1, len(value))  # braces, and ", " between items
        for key, item in value.items():
            total += len(inline(str(key))) + 2
            if total > cap:
                return total
            total += _width(item, cap - total)
            if total > cap:
                return total
        return total
    if isinstance(value, list | tuple):
        total = 2 * max(1, len(value))
        for item in value:
            total += _width(item, cap - total)
            if total > cap:
                return total
        return total
    return len(inline(value))


_INLINE_WIDTH = 72


def yaml_lines(value: Any, indent: int = 0) -> list[str]:
    """A YAML-like block rendering: collections that fit on one short line stay inline."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        lines = []
        for key, item in value.items():
            head = f"{pad}{inline(str(key))}:"
            room = _INLINE_WIDTH - len(head)
            if isinstance(item, dict | list) and item and _width(item, room) > room:
                lines.append(head)
                lines.extend(yaml_lines(item, indent + 2))
            else:
                lines.append(f"{head} {inline(item)}")
        return lines
    if isinstance(value, list | tuple):
        if not value:
            return [pad + "[]"]
        lines = []
        room = _INLINE_WIDTH - indent - 2
        for item in value:
            if isinstance(item, dict | list) and item and _width(item, room) > room:
                nested = yaml_lines(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {inline(item)}")
        return lines
    return [pad + inline(value)]


@dataclass(frozen=True)
class BackfillTrouble:
    """A backfill that ended failed or stopped: its counts and each failed run with Admin's error."""

    address: str
    status: str
    headline: str
    runs: tuple[str, ...]  # "<run> <PHASE>: <kind> <code>: <message>"
    more: int  # failed runs not listed


def failure_line(failure: dict[str, Any]) -> str:
    """``<run> <PHASE>: <kind> <code>: <message>`` for one failed run of a backfill's progress."""
    error = failure.get("error")
    why = " ".join(p for p in (error["kind"], error["code"]) if p) + f": {error['message']}" if error else \
        "no error reported by Admin"
    return f"{failure['run']} {failure['phase']}: {why}"


def backfill_troubles(plan: Plan) -> list[BackfillTrouble]:
    """Backfills needing attention, in address order (the plan's ``backfills`` progress, read only)."""
    troubles = []
    for address in plan.unsuccessful_backfills:
        p = plan.backfills[address]
        headline = (f"{p['status']}: {p['succeeded']} of {p['total']} runs succeeded, {p['failed']} failed"
                    + (f", {p['aborted']} aborted" if p.get("aborted") else "")
                    + (f", {p['running']} still running" if p.get("running") else "")
                    + (f", {p['pending']} not launched" if p.get("pending") else ""))
        runs = [failure_line(failure) for failure in p.get("failures", [])]
        troubles.append(BackfillTrouble(address, p["status"], headline, tuple(runs),
                                        int(p.get("failures_not_shown", 0))))
    return troubles


def diff_lines(action: Action) -> list[str]:
    """An action's change as diff lines (``- old`` / ``+ new``; a whole new or removed object when it has no
    field changes): the Markdown plan and the controller's object page show the same text."""
    lines = []
    for change in field_lines(action):
        if change.op in ("remove", "change"):
            lines.append(f"- {change.path}: {inline(change.old)}")
        if change.op in ("add", "change"):
            lines.append(f"+ {change.path}: {inline(change.new)}")
    whole = shown_object(action)
    if whole is not None and not action.changes:
        mark = "+" if whole[0] == "after" else "-"
        lines.extend(f"{mark} {line}" for line in yaml_lines(whole[1]))
    return lines
