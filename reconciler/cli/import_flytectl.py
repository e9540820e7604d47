"""``flyte-reconciler import-flytectl FILE…``: turn flytectl attribute files into Attributes manifests."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from reconciler.cli.base import writable_output
from reconciler.errors import ConfigError
from reconciler.manifests.flytectl_import import convert_attr_file, merge_documents


@click.command("import-flytectl")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Write the manifests to FILE.")
def import_command(files: tuple[Path, ...], out: Path | None) -> None:
    """Convert flytectl `--attrFile` YAML files (any of the six attribute types) into Attributes manifests."""
    writable_output(out)
    converted = []
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        converted.append(convert_attr_file(data, str(path)))
    text = yaml.safe_dump_all(merge_documents(converted), sort_keys=False, default_flow_style=False)
    if out:
        out.write_text(text)
        click.echo(f"Wrote {out}; check it with: flyte-reconciler validate {out}", err=True)
    else:
        click.echo(text, nl=False)


def register(cli: click.Group) -> None:
    cli.add_command(import_command)
