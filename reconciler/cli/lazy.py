"""Commands loaded when used, so that ``--help`` (and a mistyped command) starts in a fraction of the time.

Importing every command module pulls in gRPC, flyteidl, pydantic models, deepdiff and the engine:
most of a second before anything is printed. The group lists the commands below from this table
(name, module, first paragraph of the help) and imports a command's module only when the command is
run or its own help is asked for. ``tests/unit/test_cli_lazy.py`` checks the table against the
commands the modules really register, so it cannot drift. A module not named here is loaded eagerly.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# command name → (module under reconciler.cli, the first paragraph of its help)
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "apply": ("apply", "Make live Flyte Admin state match the manifests (or apply a saved plan)."),
    "backfill": ("backfill", "Backfills of scheduled launch plans."),
    "controller": ("controller", "Watch a git repository (or directory) and keep Flyte Admin in sync, with a status "
                                 "page and metrics."),
    "diff": ("diff", "Show how the desired state differs between two revisions, without contacting Flyte Admin."),
    "doctor": ("doctor", "Check the connection to Flyte Admin and show where every setting came from."),
    "export": ("export", "Write tidy manifests (one file per project) for live state; `plan` right after shows no "
                         "changes."),
    "import-flytectl": ("import_flytectl", "Convert flytectl `--attrFile` YAML files (any of the six attribute "
                                           "types) into Attributes manifests."),
    "plan": ("plan", "Compare the manifests with live Flyte Admin state and show the changes apply would make."),
    "render": ("render", "Print the manifests after Jinja, per environment, with each document's source file:line."),
    "run": ("run", "One-off runs (kind: Run)."),
    "sandbox": ("sandbox", "The embedded Flyte Admin (gRPC + SQLite) for demos, local use and tests."),
    "schema": ("schema", "JSON Schema (draft 2020-12) of every manifest kind."),
    "show": ("show", "Show a plan saved with `plan --out FILE`, without contacting Flyte Admin (refused when "
                     "edited, or\n    unsigned while FLYTE_RECONCILER_PLAN_KEY is set; `apply --plan` also decodes "
                     "every payload)."),
    "validate": ("validate", "Render and validate manifests without contacting Flyte Admin."),
}
LAZY_MODULES = frozenset(module for module, _help in LAZY_COMMANDS.values())


class LazyGroup(click.Group):
    """A group whose commands in ``LAZY_COMMANDS`` are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module = importlib.import_module(f"reconciler.cli.{LAZY_COMMANDS[cmd_name][0]}")
            module.register(self)
            self.loaded()
        return self.commands.get(cmd_name)

    def loaded(self) -> None:
        """Called after a module added its commands (a subclass may decorate them)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's listing, with the help of commands not loaded yet taken from the table."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows: list[tuple[str, Any]] = []
        for name in names:
            command = self.commands.get(name)
            if command is None:
                rows.append((name, click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit)))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
