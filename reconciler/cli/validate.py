"""``flyte-reconciler validate``: render and validate manifests offline."""

from __future__ import annotations

from collections import Counter
from typing import Any

import click

from reconciler.cli.options import load_from_options, manifest_options


@click.command("validate")
@manifest_options
def validate_command(**kwargs: Any) -> None:
    """Render and validate manifests without contacting Flyte Admin (exit 0 valid, 1 invalid)."""
    loaded, _ = load_from_options(kwargs)
    for warning in loaded.warnings:
        click.echo(warning.render(), err=True)
    counts = Counter(doc.kind for doc in loaded.documents)
    summary = ", ".join(f"{kind}: {counts[kind]}" for kind in ("Project", "LaunchPlan", "Attributes", "Workflow",
                                                                "Backfill") if counts[kind])
    click.echo(f"Valid: {summary or 'no documents'}.")


def register(cli: click.Group) -> None:
    cli.add_command(validate_command)
