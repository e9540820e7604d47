"""``flyte-reconciler schema``: print the JSON Schema of all manifest kinds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.manifests.schema import json_schema


@click.command("schema")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
def schema_command(out: Path | None) -> None:
    """JSON Schema of every manifest kind (use with `# yaml-language-server: $schema=FILE`)."""
    text = json.dumps(json_schema(), indent=2, sort_keys=True)
    if out:
        out.write_text(text + "\n")
        click.echo(f"Wrote {out}", err=True)
    else:
        click.echo(text)


def register(cli: click.Group) -> None:
    cli.add_command(schema_command)
