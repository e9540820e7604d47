"""``flyte-reconciler schema``: print or write the JSON Schema of all manifest kinds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.cli.base import writable_output
from reconciler.manifests.schema import json_schema


@click.command("schema")
@click.option("--out", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the schema to FILE instead of standard output.")
def schema_command(out: Path | None) -> None:
    """JSON Schema (draft 2020-12) of every manifest kind.

    For completion and checks in editors, save it and point the YAML language server at it from the
    first line of a manifest:

        flyte-reconciler schema --out schema.json

        # yaml-language-server: $schema=../schema.json
    """
    writable_output(out)
    text = json.dumps(json_schema(), indent=2, sort_keys=True)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote {out}", err=True)
    else:
        click.echo(text)


def register(cli: click.Group) -> None:
    cli.add_command(schema_command)
