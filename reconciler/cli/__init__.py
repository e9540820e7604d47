"""The command line: click commands only.

Each command parses options, calls the core, picks a renderer and maps the outcome to an exit code.
Errors from the core are ``ReconcilerError``s carrying their exit code; one handler prints them.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from reconciler import __version__
from reconciler.cli.base import DEBUG_HELP, ReconcilerGroup, add_debug_everywhere
from reconciler.cli.lazy import LAZY_MODULES, LazyGroup

# Modules that each add commands to the group (one module per command family).
_COMMAND_MODULES = ("validate", "render", "schema", "sandbox", "plan", "apply", "show", "import_flytectl", "diff",
                    "export", "backfill", "run", "doctor", "controller")


class _Group(LazyGroup, ReconcilerGroup):
    """Commands imported when used (``lazy``), errors printed by one handler (``base``)."""

    def loaded(self) -> None:
        add_debug_everywhere(self)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flyte-reconciler")
@click.option("--debug", is_flag=True, envvar="FLYTE_RECONCILER_DEBUG", help=DEBUG_HELP)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Declarative GitOps for Flyte: validate, plan and apply manifests against Flyte Admin."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug or ctx.obj.get("debug", False)
    if os.environ.get("FORCE_COLOR", ""):
        # click strips ANSI codes off a non-terminal; with FORCE_COLOR the renderers' colour must reach
        # the CI log (whether to colour at all is still color_enabled's decision: --no-color, NO_COLOR).
        ctx.color = True


for _name in _COMMAND_MODULES:
    if _name in LAZY_MODULES:
        continue  # imported on first use (reconciler.cli.lazy)
    try:
        _module = importlib.import_module(f"reconciler.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command family not built yet
        if exc.name != f"reconciler.cli.{_name}":
            raise
        continue
    _module.register(cli)


add_debug_everywhere(cli)


def _quiet_grpc(argv: list[str]) -> None:
    """gRPC's C core logs to stderr by itself (e.g. ``E… add_port.cc] Failed to add port``); those lines
    are for gRPC developers, and our own error says what happened. Off unless --debug (anywhere on the
    command line) or the user chose a GRPC_VERBOSITY. Must run before grpc is imported."""
    debug = "--debug" in argv or os.environ.get("FLYTE_RECONCILER_DEBUG", "").lower() in ("1", "true", "yes", "on")
    if not debug:
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")
        import logging

        logging.getLogger("grpc").setLevel(logging.CRITICAL)  # grpc's Python side (aio shutdown noise)


def main() -> None:
    _quiet_grpc(sys.argv[1:])
    cli(prog_name="flyte-reconciler")
