"""``flyte-reconciler show FILE``: render a saved plan again (text, JSON or Markdown), offline."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.output import emit_plan
from reconciler.errors import ConfigError
from reconciler.plan.model import Plan


@click.command("show")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: NO_COLOR env var).")
def show_command(plan_file: Path, fmt: str, no_color: bool) -> None:
    """Show a plan saved with `plan --out FILE`, without contacting Flyte Admin."""
    try:
        plan = Plan.from_json(plan_file.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the saved plan {plan_file}: {exc}") from exc
    emit_plan(plan, fmt=fmt, no_color=no_color)


def register(cli: click.Group) -> None:
    cli.add_command(show_command)
