"""Markdown rendering of a plan for pull-request comments and drift issues.

A heading with the totals, a summary table (kind × add/change/destroy), destructive changes
called out and listed first, one section per address with its changes in a ``diff`` fence (long
parts folded into ``<details>``), then unmanaged objects and warnings. The result is split into
parts that fit in one GitHub comment (``split.py``). Returns strings: this module never prints.
"""

from __future__ import annotations

import html
import re
from typing import Any

from reconciler.plan.actions import Action
from reconciler.plan.model import Plan
from reconciler.plan.render.common import (
    CATEGORIES,
    TOOL_NAME,
    Block,
    backfill_troubles,
    blocks,
    diff_lines,
    label,
    no_changes_line,
    noun,
    object_counts,
    objects_line,
    open_unmanaged,
    plural,
    yaml_lines,
)
from reconciler.plan.render.links import ConsoleLinks
from reconciler.plan.render.split import DEFAULT_MAX_CHARS, split_markdown

DEFAULT_TITLE = "flyte-reconciler plan"
# Fences longer than this many lines are folded into <details> so the comment stays scannable.
FOLD_LINES = 25
# Objects this short are shown whole by the diff already; a "full before / after" adds nothing.
SHORT_OBJECT_LINES = 3
# Up to this many kind/category counts the heading names them; beyond, it gives totals.
HEADING_DETAIL = 2


def _text(value: str) -> str:
    """Free text (reasons, warnings, details) safe in Markdown: no raw HTML, no table breaks."""
    return html.escape(value, quote=False).replace("|", "\\|").replace("\n", " ")


def _code(value: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def _fence(info: str, lines: list[str]) -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall(r"`{3,}", line)), default=0)
    marker = "`" * max(3, longest + 1)
    return [f"{marker}{info}", *lines, marker]


def _folded(summary: str, body: list[str], *, fold: bool) -> list[str]:
    if not fold:
        return body
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>"]


def _full_before_after(action: Action) -> list[str]:
    """Both sides in full for updates with field changes (the diff alone can lack context)."""
    if not action.changes or not isinstance(action.before, dict) or not isinstance(action.after, dict):
        return []
    before, after = yaml_lines(action.before), yaml_lines(action.after)
    if max(len(before), len(after)) <= SHORT_OBJECT_LINES:
        return []
    body = ["**Before**", "", *_fence("yaml", before), "", "**After**", "", *_fence("yaml", after)]
    return _folded("Full before / after", body, fold=True)


def _action_section(action: Action) -> list[str]:
    lines = [f"- **{_text(label(action))}**: {_text(action.reason)}"]
    swept = getattr(action, "swept", ())
    if swept:
        rows = ", ".join(_code(s) for s in swept)
        lines.append("  Admin also deletes these narrower rows of the same type with it "
                     f"(rows that should stay are restored by this plan): {rows}")
    lines.append("")
    diff = diff_lines(action)
    if diff:
        fence = _fence("diff", diff)
        lines.extend(_folded(f"{len(diff)} changed lines", fence, fold=len(diff) > FOLD_LINES))
        lines.append("")
    full = _full_before_after(action)
    if full:
        lines.extend([*full, ""])
    return lines


def _block_section(block: Block, links: ConsoleLinks | None) -> list[str]:
    head = f"#### {_code(block.symbol)} {_code(block.address)}"
    url = links.for_address(block.address) if links else None
    if url:
        head += f" · [console]({url})"
    lines = [head, ""]
    for action in block.actions:
        lines.extend(_action_section(action))
    return lines


def _summary_table(plan: Plan) -> list[str]:
    """Objects per kind and category, each with its number of actions; totals of both."""
    lines = ["| Kind | Add | Change | Destroy |", "|:--|--:|--:|--:|"]
    cells: dict[str, dict[str, str]] = {}
    totals = {c: [0, 0] for c in CATEGORIES}
    for count in object_counts(plan):
        cells.setdefault(count.kind, {})[count.category] = f"{count.objects} ({plural(count.actions, 'action')})"
        totals[count.category][0] += count.objects
        totals[count.category][1] += count.actions
    for kind, row in cells.items():
        lines.append(f"| {plural(2, noun(kind))[2:]} | " + " | ".join(row.get(c, "0") for c in CATEGORIES) + " |")
    total = " | ".join(f"**{o}** ({plural(a, 'action')})" if o else "**0**" for o, a in totals.values())
    lines.append(f"| **Total** | {total} |")
    return lines


def _context_line(plan: Plan) -> str:
    items = []
    if plan.environment:
        items.append(f"Environment {_code(plan.environment)}")
    if plan.endpoint:
        items.append(f"endpoint {_code(plan.endpoint)}")
    items.append(f"manifests {_code(plan.manifests_digest[:19])}")
    if plan.in_sync:
        items.append(plural(len(plan.in_sync), "object") + " in sync")
    return " · ".join(items)


def _unmanaged(plan: Plan) -> list[str]:
    if not plan.unmanaged:
        return []
    lines = ["### Unmanaged objects", "", "In the managed scope but not in the manifests.", "",
             "| Address | Detail | Prune |", "|:--|:--|:--|"]
    for item in plan.unmanaged:
        fate = "**removed by this plan**" if item.pruned else "kept (prune off)"
        lines.append(f"| {_code(item.address)} | {_text(item.detail)} | {fate} |")
    return [*lines, ""]


def _runs(plan: Plan) -> list[str]:
    """Runs launched earlier: their phase and, when one failed, Admin's error."""
    launched = {a: r for a, r in plan.runs.items() if not r.get("launching")}
    if not launched:
        return []
    lines = ["### Runs", "", "| Run | Generation | Execution | Phase | Error |", "|:--|:--|:--|:--|:--|"]
    for address, run in sorted(launched.items()):
        error = run.get("error") or {}
        text = f"{error.get('kind', '')} {error.get('code', '')}: {error.get('message', '')}" if error else ""
        phase = f"**{run['phase']}**" if run["status"] in ("failed", "aborted") else run["phase"]
        lines.append(f"| {_code(address)} | {run['generation']} | {_code(run['execution'])} | {phase} | "
                     f"{_text(text)} |")
    return [*lines, ""]


def _warnings(plan: Plan) -> list[str]:
    if not plan.warnings:
        return []
    return ["### Warnings", "", *(f"- {_text(w)}" for w in plan.warnings), ""]


def _backfills(plan: Plan) -> list[str]:
    troubles = backfill_troubles(plan)
    if not troubles:
        return []
    lines = ["### Backfills that did not succeed", ""]
    for trouble in troubles:
        lines.append(f"- {_code(trouble.address)}: {_text(trouble.headline)}")
        lines.extend(f"  - {_text(run)}" for run in trouble.runs)
        if trouble.more:
            lines.append(f"  - … and {trouble.more} more failed run(s)")
    return [*lines, ""]


def heading_text(plan: Plan) -> str:
    """``8 launch plans to add (19 actions), …``; ``no changes`` (with the unmanaged count when
    objects are left unmanaged, since that is drift too)."""
    if not plan.has_changes:
        left = open_unmanaged(plan)
        return "no changes" + (f", {plural(left, 'unmanaged object')}" if left else "")
    counts = object_counts(plan)
    if len(counts) <= HEADING_DETAIL:
        return objects_line(plan)
    per = {c: sum(n.objects for n in counts if n.category == c) for c in CATEGORIES}
    actions = sum(n.actions for n in counts)
    return (f"{plural(per['add'], 'object')} to add, {per['change']} to change, {per['destroy']} to destroy "
            f"({plural(actions, 'action')})")


def _heading(plan: Plan, title: str) -> str:
    return f"## {_text(title)}: {heading_text(plan)}"


def markdown_document(plan: Plan, *, title: str = DEFAULT_TITLE, links: ConsoleLinks | None = None) -> str:
    """The whole plan as one Markdown document (not split)."""
    lines = [_heading(plan, title), "", _context_line(plan), ""]
    if not plan.has_changes:
        lines.extend([no_changes_line(plan), ""])
    else:
        lines.extend([*_summary_table(plan), ""])
        groups = blocks(plan)
        destructive = [b for b in groups if b.destructive]
        rest = [b for b in groups if not b.destructive]
        if destructive:
            lines.extend(["> [!CAUTION]",
                          f"> This plan removes or deactivates objects at {len(destructive)} "
                          "address(es); they are listed first.", "",
                          "### Destructive changes", ""])
            for block in destructive:
                lines.extend(_block_section(block, links))
        if rest:
            lines.extend(["### Changes", ""])
            for block in rest:
                lines.extend(_block_section(block, links))
    lines.extend(_backfills(plan))
    lines.extend(_runs(plan))
    lines.extend(_unmanaged(plan))
    lines.extend(_warnings(plan))
    if plan.resolved:
        resolved: dict[str, Any] = dict(plan.resolved)
        lines.extend(_folded("Resolved at plan time", [
            "| Reference | Resolved to |", "|:--|:--|",
            *(f"| {_code(k)} | {_code(str(v))} |" for k, v in resolved.items())], fold=True))
        lines.append("")
    lines.append(f"<sub>{TOOL_NAME} {_text(plan.tool_version)}</sub>")
    return "\n".join(lines)


def render_markdown(plan: Plan, *, title: str = DEFAULT_TITLE, links: ConsoleLinks | None = None,
                    max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """The plan as Markdown parts, each at most ``max_chars`` characters (one part when it fits)."""
    return split_markdown(markdown_document(plan, title=title, links=links), max_chars, title=title)
