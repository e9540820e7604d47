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


def emit_plan(plan: Plan, *, fmt: str, no_color: bool, console_url: str | None = None) -> None:
    from reconciler.plan.render import ConsoleLinks, default_console_url, render_json, render_markdown, render_text

    base = console_url or default_console_url(plan.endpoint)
    links = ConsoleLinks(base) if base else None

    if fmt == "json":
        click.echo(render_json(plan))
    elif fmt == "markdown":
        parts = render_markdown(plan, links=links)
        click.echo("\n\n<!-- flyte-reconciler: part break -->\n\n".join(parts))
    else:
        click.echo(render_text(plan, color=use_color(no_color), links=links))


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
