"""``flyte-reconciler show FILE``: render a saved plan again (text, JSON or Markdown), offline."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.output import emit_plan
from reconciler.cli.saved_plan import load_saved


@click.command("show")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: NO_COLOR env var).")
def show_command(plan_file: Path, fmt: str, no_color: bool) -> None:
    """Show a plan saved with `plan --out FILE`, without contacting Flyte Admin (refused when edited, or
    unsigned while FLYTE_RECONCILER_PLAN_KEY is set; `apply --plan` also decodes every payload)."""
    emit_plan(load_saved(plan_file, check_payloads=False), fmt=fmt, no_color=no_color)


def register(cli: click.Group) -> None:
    cli.add_command(show_command)
