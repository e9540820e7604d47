"""``flyte-reconciler plan``: show what apply would change; save it; exit 2 on changes if asked."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from reconciler.cli.annotations import GITHUB, annotates_errors, emit_warnings
from reconciler.cli.base import writable_output
from reconciler.cli.connection import connection_options, target_from
from reconciler.cli.files import write_atomic
from reconciler.cli.options import load_from_options, manifest_options
from reconciler.cli.output import console_url_of, emit_plan, selection_from, selection_options
from reconciler.connect import open_admin
from reconciler.engine import make_plan, managed_scope
from reconciler.errors import EXIT_CHANGES, EXIT_OK
from reconciler.pinning import record_target
from reconciler.plan.integrity import key_from
from reconciler.plan.model import Plan


def drift_found(plan: Plan, *, unmanaged_policy: str) -> bool:
    """What ``--detailed-exitcode`` reports as 2: pending actions, and (unless the config says
    ``drift.unmanaged: ignore``) live objects in the managed scope that no manifest declares, since
    a hand-made launch plan is drift a scheduled job must see even though prune is off."""
    unmanaged = any(not u.pruned for u in plan.unmanaged)
    return plan.has_changes or (unmanaged and unmanaged_policy != "ignore")


@click.command("plan")
@manifest_options
@connection_options
@selection_options
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the plan for `apply --plan FILE`: sealed with a digest (signed when FLYTE_RECONCILER_PLAN_KEY "
                   "is set), pinned to this target.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", GITHUB]), default="text",
              show_default=True, help="github: the text plan, with errors and warnings as GitHub Actions annotations.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when in sync, 2 when changes are pending, a backfill failed or stopped, or unmanaged "
                   "objects exist in the managed scope (unless drift.unmanaged: ignore), 1 on error.")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: NO_COLOR env var).")
@annotates_errors
def plan_command(out: Path | None, fmt: str, detailed_exitcode: bool, no_color: bool, **kwargs: Any) -> None:
    """Compare the manifests with live Flyte Admin state and show the changes apply would make.

    Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes present, a
    backfill failed or stopped, or unmanaged objects in the managed scope (only with --detailed-exitcode).
    """
    writable_output(out)  # before any work: a missing directory must not cost a whole plan
    selection = selection_from(kwargs)
    loaded, environment = load_from_options(kwargs)
    emit_warnings(loaded.warnings, fmt)
    target = target_from(kwargs, environment)
    # A saved plan records where it was made for, before connecting (the CA bundle is read here too).
    recorded = record_target(target, loaded.config, scope=managed_scope(loaded)) if out is not None else None
    with open_admin(target, loaded.config) as (client, endpoint):
        plan = make_plan(loaded, client, selection, environment=environment, endpoint=endpoint, target=recorded)
    if out is not None:
        write_atomic(out, plan.to_json(key_from(os.environ)), mode=0o600)
    shown = "text" if fmt == GITHUB else fmt  # github: the text plan; annotations only for problems
    emit_plan(plan, fmt=shown, no_color=no_color, console_url=console_url_of(loaded.config, environment, target))
    if out is not None:
        click.echo(f"\nSaved the plan to {out}; apply it with: flyte-reconciler apply --plan {out}", err=True)
    drifted = drift_found(plan, unmanaged_policy=loaded.config.drift.unmanaged) or plan.needs_attention
    sys.exit(EXIT_CHANGES if detailed_exitcode and drifted else EXIT_OK)


def register(cli: click.Group) -> None:
    cli.add_command(plan_command)
