"""Rendering choices and plan-selection options shared by plan and apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from reconciler.engine import Selection
from reconciler.plan.model import Plan
from reconciler.plan.options import DEFAULT_MAX_DELETIONS

if TYPE_CHECKING:
    from reconciler.manifests.config import RunConfig


def selection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--target", "targets", multiple=True, metavar="GLOB",
                     help="Only plan addresses matching GLOB (repeatable), e.g. 'launchplan/flytesnacks/*'."),
        click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
                     help="Leave out addresses matching GLOB (repeatable)."),
        click.option("--max-deletions", type=click.IntRange(min=0), default=DEFAULT_MAX_DELETIONS, show_default=True,
                     help="Refuse a plan that removes or deactivates more objects than this."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def selection_from(kwargs: dict[str, Any]) -> Selection:
    return Selection(targets=tuple(kwargs.pop("targets", ())), excludes=tuple(kwargs.pop("excludes", ())),
                     max_deletions=kwargs.pop("max_deletions", DEFAULT_MAX_DELETIONS))


def use_color(no_color: bool) -> bool:
    from reconciler.console import color_enabled

    return color_enabled(no_color=no_color)


# Lines of a text plan written per ``click.echo``: a large plan is written as it is rendered, never held whole.
TEXT_CHUNK_LINES = 2000


def emit_plan(plan: Plan, *, fmt: str, no_color: bool, console_url: str | None = None) -> None:
    from reconciler.plan.render import ConsoleLinks, default_console_url, render_json, render_markdown
    from reconciler.plan.render.text import text_lines

    base = console_url or default_console_url(plan.endpoint)
    links = ConsoleLinks(base) if base else None

    if fmt == "json":
        click.echo(render_json(plan))
    elif fmt == "markdown":
        parts = render_markdown(plan, links=links)
        click.echo("\n\n<!-- flyte-reconciler: part break -->\n\n".join(parts))
    else:
        # The same bytes as echoing the whole text: each chunk's lines joined, and the newline echo adds.
        chunk: list[str] = []
        for line in text_lines(plan, color=use_color(no_color), links=links):
            chunk.append(line)
            if len(chunk) >= TEXT_CHUNK_LINES:
                click.echo("\n".join(chunk))
                chunk.clear()
        if chunk:
            click.echo("\n".join(chunk))


def console_url_of(config: RunConfig, environment: str | None, target: Any = None) -> str | None:
    """The configured console URL: with ``target``, as the connection settings resolve it (``--env``'s
    ``consoleUrl``, ``FLYTE_PLATFORM_CONSOLE_ENDPOINT``, flytectl's ``console.endpoint``); else the
    environment's ``consoleUrl``. None: links derive from the endpoint only where that is right."""
    if target is not None and not target.sandbox:
        from reconciler.connect import connection_settings

        resolved = connection_settings(target, config).get("console_url")
        if resolved:
            return str(resolved)
    env = config.environments.get(environment or "")
    return env.consoleUrl if env is not None else None
