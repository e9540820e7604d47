"""Terminal rendering of a plan, in the manner of ``terraform plan``.

One block per address (destructive ones first) with its symbol, each action's reason and its
field-level changes; whole objects for creates and removals; unmanaged objects, warnings and the
summary. ANSI colour only when asked for (the caller decides from ``--no-color``/``NO_COLOR``/TTY).
Returns a string, or the same text line by line (``text_lines``: a first apply's plan at L is ~200,000
lines, which the CLI writes as they come instead of holding them as one string); this module never prints.
"""

from __future__ import annotations

from collections.abc import Iterator

from reconciler.plan.actions import Action
from reconciler.plan.model import Plan
from reconciler.plan.render.common import (
    NO_CHANGES,
    Block,
    backfill_troubles,
    blocks,
    display_symbol,
    field_lines,
    inline,
    label,
    no_changes_line,
    object_counts,
    plural,
    shown_object,
    total_line,
    yaml_lines,
)
from reconciler.plan.render.links import ConsoleLinks

_RESET = "\x1b[0m"
_COLORS = {"+": "\x1b[32m", "~": "\x1b[33m", "-": "\x1b[31m", "-/+": "\x1b[35m", "bold": "\x1b[1m",
           "dim": "\x1b[2m", "warn": "\x1b[33m"}
_OP_SYMBOL = {"add": "+", "remove": "-", "change": "~"}
_ARROW = "→"


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        return f"{_COLORS[style]}{text}{_RESET}" if self.enabled else text


def _field_text(op: str, path: str, old: object, new: object) -> str:
    if op == "add":
        return f"{path}: {inline(new)}"
    if op == "remove":
        return f"{path}: {inline(old)} {_ARROW} (removed)"
    return f"{path}: {inline(old)} {_ARROW} {inline(new)}"


def _action_lines(action: Action, paint: _Paint, *, show_label: bool) -> list[str]:
    symbol = display_symbol(action)
    lines = []
    if show_label:
        lines.append(f"      {paint(symbol, symbol)} {label(action)}: {action.reason}")
        pad = "          "
    else:
        lines.append(f"      {paint('dim', '# ' + label(action) + ': ' + action.reason)}")
        pad = "        "
    for change in field_lines(action):
        mark = _OP_SYMBOL[change.op]
        text = _field_text(change.op, change.path, change.old, change.new)
        lines.append(f"{pad}{paint(mark, mark)} {text}")
    whole = shown_object(action)
    if whole is not None and not action.changes:
        side, value = whole
        mark = "+" if side == "after" else "-"
        for line in yaml_lines(value):
            lines.append(f"{pad}{paint(mark, mark)} {line}")
    swept = getattr(action, "swept", ())
    if swept:
        lines.append(f"{pad}Admin also deletes these narrower rows of the same type with it "
                     f"(rows that should stay are restored by this plan):")
        lines.extend(f"{pad}  {paint('-', '-')} {address}" for address in swept)
    return lines


def _block_lines(block: Block, paint: _Paint, links: ConsoleLinks | None) -> list[str]:
    head = f"  {paint(block.symbol, block.symbol)} {paint('bold', block.address)}"
    url = links.for_address(block.address) if links else None
    if url:
        head += f"  {paint('dim', url)}"
    lines = [head]
    single = len(block.actions) == 1
    for action in block.actions:
        lines.extend(_action_lines(action, paint, show_label=not single))
    return lines


def _summary_lines(plan: Plan, paint: _Paint) -> list[str]:
    """One line per kind counting objects and their actions, then Terraform's action totals."""
    per_kind: dict[str, list[str]] = {}
    for count in object_counts(plan):
        per_kind.setdefault(count.kind, []).append(count.phrase())
    lines = [f"  {', '.join(phrases)}" for phrases in per_kind.values()]
    return [*lines, "", paint("bold", total_line(plan))]


def _in_sync(count: int, *, other: bool) -> str:
    return plural(count, "other object" if other else "object") + " in sync."


def _header(plan: Plan) -> list[str]:
    where = []
    if plan.environment:
        where.append(f"environment {plan.environment}")
    if plan.endpoint:
        where.append(f"endpoint {plan.endpoint}")
    where.append(f"manifests {plan.manifests_digest[:19]}")
    lines = ["flyte-reconciler plan (" + ", ".join(where) + ")"]
    for key, value in plan.resolved.items():
        lines.append(f"  resolved {key} = {value}")
    return lines


def run_error_text(error: dict[str, object] | None) -> str:
    """Admin's error of a failed run, as ``KIND code: message``."""
    if not error:
        return ""
    return f"{error.get('kind', 'UNKNOWN')} {error.get('code') or '-'}: {error.get('message') or '(no message)'}"


def _run_lines(plan: Plan, paint: _Paint) -> list[str]:
    """Launched runs and their phase (runs launched by this plan appear among the changes)."""
    launched = {a: s for a, s in plan.runs.items() if not s.get("launching")}
    if not launched:
        return []
    lines = ["", paint("bold", "Runs:")]
    width = max(len(a) for a in launched)
    for address, status in sorted(launched.items()):
        text = (f"  {address:<{width}}  generation {status['generation']}  {status['execution']}  "
                f"{status['phase']}")
        if status.get("error"):
            text += f"  {run_error_text(status['error'])}"
        lines.append(paint("-", text) if status["status"] == "failed" else text)
    return lines


def render_text(plan: Plan, *, color: bool = False, links: ConsoleLinks | None = None) -> str:
    """The plan as terminal text (no trailing newline); ANSI colour only when ``color`` is true."""
    return "\n".join(text_lines(plan, color=color, links=links))


def text_lines(plan: Plan, *, color: bool = False, links: ConsoleLinks | None = None) -> Iterator[str]:
    """``render_text``'s lines, one at a time (each without its newline)."""
    paint = _Paint(color)
    yield from _header(plan)
    yield ""
    if not plan.actions:
        nothing = no_changes_line(plan)
        yield paint("+" if nothing == NO_CHANGES else "warn", nothing)
        if plan.in_sync:
            yield _in_sync(len(plan.in_sync), other=False)
    else:
        yield "Symbols: + create, ~ update, - destroy/deactivate, -/+ replace"
        groups = blocks(plan)
        destructive = [b for b in groups if b.destructive]
        rest = [b for b in groups if not b.destructive]
        for title, group in (("Destructive changes", destructive), ("Changes", rest)):
            if not group:
                continue
            yield from ["", paint("bold", f"{title}:")]
            for block in group:
                yield ""
                yield from _block_lines(block, paint, links)
        if plan.in_sync:
            yield from ["", _in_sync(len(plan.in_sync), other=True)]
    troubles = backfill_troubles(plan)
    if troubles:
        yield from ["", paint("bold", "Backfills that did not succeed:")]
        for trouble in troubles:
            yield f"  {paint('-', '!')} {trouble.address}  {trouble.headline}"
            yield from (f"      {run}" for run in trouble.runs)
            if trouble.more:
                yield f"      … and {plural(trouble.more, 'more failed run')}"
    yield from _run_lines(plan, paint)
    if plan.unmanaged:
        yield from ["", paint("bold", "Unmanaged objects (in the managed scope, not in the manifests):")]
        width = max(len(u.address) for u in plan.unmanaged)
        for item in plan.unmanaged:
            fate = "removed by this plan (prune on)" if item.pruned else "kept (prune off)"
            mark = paint("-", "-") if item.pruned else "?"
            yield f"  {mark} {item.address:<{width}}  {item.detail}; {fate}"
    if plan.warnings:
        yield ""
        yield from (f"{paint('warn', 'Warning:')} {w}" for w in plan.warnings)
    if plan.actions:
        yield from ["", "Summary:"]
        yield from _summary_lines(plan, paint)
