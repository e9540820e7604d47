"""The CLI's one error handler: what the system refuses (OSError) and our own bugs end in one
``Error:`` line with what to do, exit 1, and a traceback only with --debug (before or after the name)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from reconciler.cli.base import ReconcilerGroup, add_debug_everywhere


def _group() -> click.Group:
    @click.group(cls=ReconcilerGroup)
    @click.option("--debug", is_flag=True)
    @click.pass_context
    def root(ctx: click.Context, debug: bool) -> None:
        ctx.ensure_object(dict)
        ctx.obj["debug"] = debug or ctx.obj.get("debug", False)

    @root.command("write")
    def write() -> None:
        with open("/nonexistent-dir/x.json", "w") as handle:  # the system refuses: a real OSError
            handle.write("{}")

    @root.command("bug")
    def bug() -> None:
        raise KeyError("oops")

    add_debug_everywhere(root)
    return root


@pytest.mark.parametrize(("command", "says"), [
    ("write", "Error: No such file or directory: /nonexistent-dir/x.json\n  hint: check the path"),
    ("bug", "Error: unexpected internal error (KeyError: 'oops')\n  hint: this is a bug in flyte-reconciler"),
])
def test_no_traceback_without_debug(command: str, says: str) -> None:
    result = CliRunner().invoke(_group(), [command])
    assert result.exit_code == 1
    assert says in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("argv", [["--debug", "bug"], ["bug", "--debug"]])
def test_debug_before_or_after_the_command_shows_the_traceback(argv: list[str]) -> None:
    result = CliRunner().invoke(_group(), argv)
    assert result.exit_code == 1 and "Traceback" in result.stderr and "KeyError" in result.stderr


def test_a_usage_error_exits_1_not_2() -> None:
    """2 means "changes pending" to `plan --detailed-exitcode`; a typo must not look like drift."""
    assert CliRunner().invoke(_group(), ["write", "--nope"]).exit_code == 1
    assert CliRunner().invoke(_group(), ["--nope"]).exit_code == 1
    assert CliRunner().invoke(_group(), ["no-such-command"]).exit_code == 1
