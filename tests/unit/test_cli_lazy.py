"""The lazily loaded commands: the table in ``reconciler.cli.lazy`` matches what the modules register,
``--help`` lists the same text as the loaded commands would, and imports no heavy dependency."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
from click.testing import CliRunner

from reconciler.cli import _COMMAND_MODULES, cli
from reconciler.cli.lazy import LAZY_COMMANDS


def _registered() -> dict[str, tuple[str, click.Command]]:
    """Every command the modules register: name → (module, command)."""
    commands: dict[str, tuple[str, click.Command]] = {}
    for module in _COMMAND_MODULES:
        group = click.Group()
        try:
            importlib.import_module(f"reconciler.cli.{module}").register(group)
        except ModuleNotFoundError:
            continue
        commands.update({name: (module, command) for name, command in group.commands.items()})
    return commands


def test_the_table_matches_the_registered_commands() -> None:
    registered = _registered()
    for name, (module, _help) in LAZY_COMMANDS.items():
        registered_module, command = registered[name]
        assert registered_module == module, name
        for limit in (20, 45, 60, 200):
            expected = command.get_short_help_str(limit)
            assert click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit) == expected, name


def test_help_lists_every_command_as_when_loaded() -> None:
    lazy_help = subprocess.run([sys.executable, "-m", "reconciler", "--help"], capture_output=True, text=True,
                               check=True).stdout
    registered = _registered()
    for name in registered:
        assert f"  {name} " in lazy_help, name
    code = ("import sys\nfrom reconciler.cli import cli\nfor name in cli.list_commands(None):\n"
            "    cli.get_command(None, name)\ncli(['--help'], prog_name='flyte-reconciler')")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert loaded == lazy_help


def test_help_imports_no_grpc_pydantic_or_flyteidl() -> None:
    code = ("import sys, runpy\nsys.argv = ['flyte-reconciler', '--help']\ntry:\n"
            "    runpy.run_module('reconciler', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('grpc', 'pydantic', 'flyteidl', 'deepdiff') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_lazy_command_runs() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
