"""``flyte-reconciler render [PATHS]``: print the manifests as the tool sees them after Jinja.

One YAML stream on stdout, each document preceded by a comment naming its source ``file:line`` (and
the environment it was rendered for), so reviewers and plain YAML tools read exactly what ``plan``
parses. With ``--env NAME`` one environment; without it, every environment of flyte-reconciler.yaml
in turn (or the manifests without an environment when none is defined). Offline; exit 1 on a
template error, reported as ``validate`` reports it.
"""

from __future__ import annotations

from typing import Any

import click

from reconciler.cli.options import DEFAULT_PATHS, _parse_vars, manifest_options
from reconciler.manifests import load_config
from reconciler.manifests.rendered import RenderedDocument, render_documents


def _header(document: RenderedDocument) -> str:
    where = f"# source: {document.file}:{document.line}"
    return f"{where} (environment: {document.environment})" if document.environment else where


@click.command("render")
@manifest_options
def render_command(**kwargs: Any) -> None:
    """Print the manifests after Jinja, per environment, with each document's source file:line."""
    paths = list(kwargs.pop("paths", ()) or DEFAULT_PATHS)
    config = load_config(kwargs.pop("config_path", None), paths)
    environment = kwargs.pop("env", None)
    variables = _parse_vars(tuple(kwargs.pop("variables", ())))
    var_files = list(kwargs.pop("var_files", ()))
    environments: list[str | None] = [environment] if environment else [*sorted(config.environments)] or [None]
    for name in environments:
        for document in render_documents(paths, config=config, environment=name, variables=variables,
                                         var_files=var_files):
            click.echo(f"---\n{_header(document)}\n{document.text}")


def register(cli: click.Group) -> None:
    cli.add_command(render_command)
