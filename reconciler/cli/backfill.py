"""``flyte-reconciler backfill status``: progress of every backfill in the manifests."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from reconciler.cli.connection import connection_options, target_from
from reconciler.cli.options import load_from_options, manifest_options
from reconciler.cli.output import console_url_of
from reconciler.connect import open_admin
from reconciler.engine import Selection, make_plan
from reconciler.errors import EXIT_BACKFILL_FAILED, EXIT_OK


@click.group("backfill")
def backfill_group() -> None:
    """Backfills of scheduled launch plans."""


@backfill_group.command("status")
@manifest_options
@connection_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status_command(fmt: str, **kwargs: Any) -> None:
    """Show total / succeeded / running / failed / pending runs per backfill (read-only).

    Each failed run is listed with Admin's error. Exit codes: 0, 1 error, 4 when a backfill ended
    failed or was stopped by a failure.
    """
    from reconciler.plan.render import ConsoleLinks, default_console_url
    from reconciler.plan.render.common import failure_line

    loaded, environment = load_from_options(kwargs)
    target = target_from(kwargs, environment)
    with open_admin(target, loaded.config) as (client, endpoint):
        plan = make_plan(loaded, client, Selection(targets=("backfill/*",)), environment=environment,
                         endpoint=endpoint)
    code = EXIT_BACKFILL_FAILED if plan.unsuccessful_backfills else EXIT_OK
    if fmt == "json":
        click.echo(json.dumps(plan.backfills, indent=2, sort_keys=True))
        sys.exit(code)
    if not plan.backfills:
        click.echo("No backfills in the manifests.")
        return
    base = console_url_of(loaded.config, environment, target) or default_console_url(endpoint)
    links = ConsoleLinks(base) if base else None
    click.echo(f"{'backfill':<60} {'total':>6} {'done':>6} {'running':>8} {'failed':>7} {'pending':>8} "
               f"{'retrying':>9}  status")
    for address, p in sorted(plan.backfills.items()):
        click.echo(f"{address:<60} {p['total']:>6} {p['succeeded']:>6} {p['running']:>8} {p['failed']:>7} "
                   f"{p['pending']:>8} {p.get('retrying', 0):>9}  {p['status']}")
        if links is not None:
            click.echo(f"  {links.for_address(address)}")
        for failure in p.get("failures", []):
            click.echo(f"  {failure_line(failure)}")
        if p.get("failures_not_shown"):
            click.echo(f"  … and {p['failures_not_shown']} more failed run(s)")
    sys.exit(code)


def register(cli: click.Group) -> None:
    cli.add_command(backfill_group)
