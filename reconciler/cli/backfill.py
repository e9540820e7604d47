"""``flyte-reconciler backfill status``: progress of every backfill in the manifests."""

from __future__ import annotations

import json
from typing import Any

import click

from reconciler.cli.connection import connection_options, target_from
from reconciler.cli.options import load_from_options, manifest_options
from reconciler.cli.output import console_url_of
from reconciler.connect import open_admin
from reconciler.engine import Selection, make_plan


@click.group("backfill")
def backfill_group() -> None:
    """Backfills of scheduled launch plans."""


@backfill_group.command("status")
@manifest_options
@connection_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status_command(fmt: str, **kwargs: Any) -> None:
    """Show total / succeeded / running / failed / pending runs per backfill (read-only)."""
    from reconciler.plan.render import ConsoleLinks, default_console_url

    loaded, environment = load_from_options(kwargs)
    target = target_from(kwargs, environment)
    with open_admin(target, loaded.config) as (client, endpoint):
        plan = make_plan(loaded, client, Selection(targets=("backfill/*",)), environment=environment,
                         endpoint=endpoint)
    if fmt == "json":
        click.echo(json.dumps(plan.backfills, indent=2, sort_keys=True))
        return
    if not plan.backfills:
        click.echo("No backfills in the manifests.")
        return
    base = console_url_of(loaded.config, environment) or default_console_url(endpoint)
    links = ConsoleLinks(base) if base else None
    click.echo(f"{'backfill':<60} {'total':>6} {'done':>6} {'running':>8} {'failed':>7} {'pending':>8}  status")
    for address, p in sorted(plan.backfills.items()):
        click.echo(f"{address:<60} {p['total']:>6} {p['succeeded']:>6} {p['running']:>8} {p['failed']:>7} "
                   f"{p['pending']:>8}  {p['status']}")
        if links is not None:
            click.echo(f"  {links.for_address(address)}")


def register(cli: click.Group) -> None:
    cli.add_command(backfill_group)
