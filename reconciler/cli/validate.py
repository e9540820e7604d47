"""``flyte-reconciler validate``: render and validate manifests offline (never connects)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import click

from reconciler.cli.annotations import GITHUB, annotates_errors, emit_warnings
from reconciler.cli.options import load_from_options, manifest_options

KIND_ORDER = ("Project", "LaunchPlan", "Attributes", "Workflow", "Backfill", "Run")


def summary_line(kinds: Counter[str]) -> str:
    """``Project: 2, LaunchPlan: 6, …`` in a fixed kind order; kinds with no documents are left out."""
    return ", ".join(f"{kind}: {kinds[kind]}" for kind in KIND_ORDER if kinds[kind]) or "no documents"


@click.command("validate")
@manifest_options
@click.option("--format", "fmt", type=click.Choice(["text", GITHUB]), default="text", show_default=True,
              help="github: also print each problem as a GitHub Actions annotation (::error file=F,line=L::…).")
@annotates_errors
def validate_command(fmt: str, **kwargs: Any) -> None:
    """Render and validate manifests without contacting Flyte Admin.

    Finds *.yaml / *.yml / *.yaml.j2 files under PATHS (default: manifests/), renders them with
    Jinja2 (variables from the environment's `vars`, --var-file and --var, later wins), and checks
    every document against the manifest language and Flyte Admin's limits. All problems are
    printed together as FILE:LINE: KIND ADDRESS: FIELD: PROBLEM (EXPECTED).

    Exit codes: 0 valid (warnings are printed but do not fail), 1 invalid.
    """
    loaded, _ = load_from_options(kwargs)
    emit_warnings(loaded.warnings, fmt)
    for warning in loaded.warnings:
        click.echo(warning.render(), err=True)
    click.echo(f"Valid: {summary_line(Counter(doc.kind for doc in loaded.documents))}.")


def register(cli: click.Group) -> None:
    cli.add_command(validate_command)
