"""``flyte-reconciler run status``: where every Run of the manifests stands (read-only).

Exit codes: 0 no run failed, 1 error, 4 at least one run's current execution failed, timed out or was
aborted (its Admin error is printed).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from reconciler.cli.connection import connection_options, target_from
from reconciler.cli.options import load_from_options, manifest_options
from reconciler.connect import open_admin
from reconciler.engine import Selection, make_plan
from reconciler.errors import EXIT_OK

EXIT_RUN_FAILED = 4
NOT_SUCCESSFUL = ("failed", "aborted")


@click.group("run")
def run_group() -> None:
    """One-off runs (kind: Run)."""


@run_group.command("status")
@manifest_options
@connection_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status_command(fmt: str, **kwargs: Any) -> None:
    """Show each Run's generation, execution, phase and (when it failed) Admin's error."""
    from reconciler.plan.render.text import run_error_text

    loaded, environment = load_from_options(kwargs)
    target = target_from(kwargs, environment)
    # Without Run documents a `run/*` target would match nothing, which planning refuses; the plan is still
    # made (it checks the connection) and simply has no runs.
    selection = Selection(targets=("run/*",)) if loaded.of_kind("Run") else Selection()
    with open_admin(target, loaded.config) as (client, endpoint):
        plan = make_plan(loaded, client, selection, environment=environment, endpoint=endpoint)
    if fmt == "json":
        click.echo(json.dumps(plan.runs, indent=2, sort_keys=True))
    elif not plan.runs:
        click.echo("No runs in the manifests.")
    else:
        width = max(len(a) for a in plan.runs)
        click.echo(f"{'run':<{width}}  {'gen':>4}  {'execution':<48}  status")
        for address, run in sorted(plan.runs.items()):
            shown = "not launched" if run["launching"] else f"{run['status']} ({run['phase']})"
            click.echo(f"{address:<{width}}  {run['generation']:>4}  {run['execution']:<48}  {shown}")
            if run.get("error"):
                click.echo(f"{'':<{width}}  error: {run_error_text(run['error'])}")
    failed = any(run["status"] in NOT_SUCCESSFUL for run in plan.runs.values())
    sys.exit(EXIT_RUN_FAILED if failed else EXIT_OK)


def register(cli: click.Group) -> None:
    cli.add_command(run_group)
