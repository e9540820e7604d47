"""The command line: click commands only.

Each command parses options, calls the core, picks a renderer and maps the outcome to an exit code.
Errors from the core are ``ReconcilerError``s carrying their exit code; one handler prints them.
"""

from __future__ import annotations

import importlib

import click

from reconciler import __version__
from reconciler.cli.base import ReconcilerGroup

# Modules that each add commands to the group (one module per command family).
_COMMAND_MODULES = ("validate", "schema", "sandbox", "plan", "apply", "show", "import_flytectl", "diff", "export",
                    "backfill", "run", "doctor")


@click.group(cls=ReconcilerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flyte-reconciler")
@click.option("--debug", is_flag=True, envvar="FLYTE_RECONCILER_DEBUG", help="Show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Declarative GitOps for Flyte: validate, plan and apply manifests against Flyte Admin."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"reconciler.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command family not built yet
        if exc.name != f"reconciler.cli.{_name}":
            raise
        continue
    _module.register(cli)


def main() -> None:
    cli(prog_name="flyte-reconciler")
