"""``flyte-reconciler export --project P [--domain D] [--out DIR]``: adopt live state as manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from reconciler.cli.connection import connection_options, target_from
from reconciler.cli.files import write_atomic
from reconciler.connect import open_admin
from reconciler.manifests import load_config
from reconciler.manifests.config import DEFAULT_DOMAINS

HEADER = ("# Exported from Flyte Admin by flyte-reconciler export. Launch plan versions are pinned to the live\n"
          "# ones; default inputs shown were read from Admin (some may come from the workflow's defaults).\n")


@click.command("export")
@click.option("--project", "projects", multiple=True, required=True, help="Project to export (repeatable).")
@click.option("--domain", "domains", multiple=True, help="Domain(s) to export (default: all configured).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Directory for <project>.yaml files.")
@click.option("--env", "env", metavar="NAME", help="Environment of flyte-reconciler.yaml to read from.")
@connection_options
def export_command(projects: tuple[str, ...], domains: tuple[str, ...], out: Path | None, env: str | None,
                   **kwargs: Any) -> None:
    """Write tidy manifests (one file per project) for live state; `plan` right after shows no changes."""
    from reconciler.admin.export import export_project

    config = load_config(None, ["."])
    target = target_from(kwargs, env)
    chosen = list(domains) or list(config.domains or DEFAULT_DOMAINS)
    with open_admin(target, config) as (client, _endpoint):
        for project in projects:
            text = HEADER + yaml.safe_dump_all(export_project(client, project, chosen), sort_keys=False)
            if out is None:
                click.echo(text)
            else:
                out.mkdir(parents=True, exist_ok=True)
                write_atomic(out / f"{project}.yaml", text)
                click.echo(f"Wrote {out / (project + '.yaml')}", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(export_command)
