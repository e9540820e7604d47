"""The one sticky pull-request comment: every environment's plan, or its error, in one body.

Each environment gets a collapsible ``<details>`` section headed by its summary line; a failed plan
gets an open section with the error and a link to the job log, so the comment never keeps showing
a plan that is no longer true. A table up front says, per environment, what merging will apply.
When the whole body is longer than one GitHub comment it is split (``split.py``: fences and
details stay balanced, sections whole where they fit) and every part carries a marker naming its
index, so the poster can update the same comments on the next push and delete the ones left over.
Pure: plans and strings in, strings out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.plan.model import Plan
from reconciler.plan.render.markdown import _code, _fence, _text, heading_text, markdown_document
from reconciler.plan.render.split import DEFAULT_MAX_CHARS, split_markdown

COMMENT_TITLE = "flyte-reconciler plan"
# How much of a failed plan's error output is quoted (the job log has all of it).
MAX_ERROR_CHARS = 8000


def part_marker(index: int) -> str:
    """The hidden first line of part ``index`` (1-based) of the sticky comment."""
    return f"<!-- flyte-reconciler: sticky plan comment, part {index} -->"


@dataclass(frozen=True)
class EnvironmentResult:
    """One environment's outcome in a CI run: a saved plan, or the error that stopped it."""

    environment: str
    plan: Plan | None = None
    error: str | None = None
    log_url: str | None = None

    @property
    def failed(self) -> bool:
        return self.plan is None


def _log_link(result: EnvironmentResult) -> str:
    return f"[job log]({result.log_url})" if result.log_url else "the job log"


def _status(result: EnvironmentResult) -> str:
    if result.plan is None:
        return f"plan failed, see {_log_link(result)}"
    return heading_text(result.plan)


def _table(results: list[EnvironmentResult]) -> list[str]:
    lines = ["| Environment | Plan |", "|:--|:--|"]
    for result in results:
        mark = ":x: " if result.failed else ""
        lines.append(f"| {_code(result.environment)} | {mark}{_status(result)} |")
    return lines


def _error_section(result: EnvironmentResult) -> list[str]:
    error = (result.error or "").strip() or "(no error output)"
    if len(error) > MAX_ERROR_CHARS:
        error = error[:MAX_ERROR_CHARS] + "\n… (cut; the job log has the rest)"
    return [
        f"<details open><summary><b>{_text(result.environment)}</b>: plan failed</summary>", "",
        f"The plan for {_code(result.environment)} failed, so there is nothing to review or apply for it; "
        f"the previous plan no longer holds. Details in {_log_link(result)}.", "",
        *_fence("text", error.splitlines()), "",
        "</details>",
    ]


def _plan_section(result: EnvironmentResult, plan: Plan) -> list[str]:
    return [
        f"<details><summary><b>{_text(result.environment)}</b>: {_text(heading_text(plan))}</summary>", "",
        markdown_document(plan, title=result.environment), "",
        "</details>",
    ]


def sticky_comment(results: Iterable[EnvironmentResult], *, commit: str | None = None,
                   max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """The comment body (one part, or several when it exceeds ``max_chars``), each part starting
    with its ``part_marker`` line and at most ``max_chars`` characters long."""
    ordered = sorted(results, key=lambda r: r.environment)
    where = f" for {_code(commit[:12])}" if commit else ""
    lines = [f"## {COMMENT_TITLE}{where}", ""]
    if not ordered:
        lines.append("No environment was planned.")
    else:
        lines.extend([*_table(ordered), "",
                      "On merge, each environment's plan above is applied exactly as shown (refused if it is "
                      "stale). Expand an environment to review it.", ""])
    for result in ordered:
        section = _error_section(result) if result.plan is None else _plan_section(result, result.plan)
        lines.extend([*section, ""])
    body = "\n".join(lines)
    reserve = len(part_marker(10**5)) + 1
    parts = split_markdown(body, max_chars - reserve, title=COMMENT_TITLE)
    return [f"{part_marker(i)}\n{part}" for i, part in enumerate(parts, start=1)]
