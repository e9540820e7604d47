"""The one error handler of the CLI: prints ``Error: …`` (with what to do next) and exits with the
error's code; a traceback only with ``--debug``, which every command accepts, before or after its name.

A user's mistake never ends in a traceback: our own errors carry their exit code; a file or a port
the system refuses (``OSError``) is named with what to check; a wrong option is a usage error that
exits 1, not click's 2, because 2 means "changes pending" to ``plan --detailed-exitcode``. Anything
else is a bug of ours and says so.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from reconciler.errors import EXIT_ERROR, ConfigError, ReconcilerError

DEBUG_HELP = "Show tracebacks on errors (also accepted before the command)."


def _debug_requested(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        root = ctx.find_root()
        root.ensure_object(dict)["debug"] = True


def debug_option() -> click.Option:
    """``--debug`` for a subcommand: sets the root context's flag that the error handler reads."""
    return click.Option(["--debug"], is_flag=True, expose_value=False, callback=_debug_requested,
                        help=DEBUG_HELP)


def add_debug_everywhere(command: click.Command) -> None:
    """Give every subcommand (and sub-group) its own ``--debug``, so it works after the command name."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            if not any(param.name == "debug" for param in sub.params):
                sub.params.append(debug_option())
            add_debug_everywhere(sub)


def writable_output(path: Path | None, *, option: str = "--out") -> None:
    """Refuse an output path whose directory is missing or read-only before doing the work."""
    if path is None:
        return
    parent = path.expanduser().resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"{option} {path}: the directory {parent} does not exist",
                          hint=f"create it first (mkdir -p {parent}) or write somewhere else")
    if path.is_dir():
        raise ConfigError(f"{option} {path} is a directory", hint="give a file name")
    if not os.access(path if path.exists() else parent, os.W_OK):
        raise ConfigError(f"{option} {path}: not allowed to write there", hint="choose a path you can write to")


def overridden_environment_variable(ctx: click.Context, value: str | None) -> str | None:
    """The notice when ``--env`` on the command line beats another ``FLYTE_RECONCILER_ENV`` (else None)."""
    ambient = os.environ.get("FLYTE_RECONCILER_ENV")
    from_command_line = ctx.get_parameter_source("env") == click.core.ParameterSource.COMMANDLINE
    if ambient and value and from_command_line and ambient != value:
        return f"FLYTE_RECONCILER_ENV={ambient} is ignored: --env {value} was given"
    return None


def note_ambient_environment(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--env`` callback: an ambient variable must never be overridden without a word."""
    notice = overridden_environment_variable(ctx, value)
    if notice:
        click.echo(f"notice: {notice}", err=True)
    return value


def _os_error(exc: OSError) -> str:
    what = exc.strerror or exc.__class__.__name__
    if exc.filename:
        where = f"{exc.filename} → {exc.filename2}" if exc.filename2 else str(exc.filename)
        return (f"{what}: {where}\n  hint: check the path: its directory must exist and you must be allowed to "
                "write (or read) there")
    return f"{what}\n  hint: run again with --debug for details"


class ReconcilerGroup(click.Group):
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = EXIT_ERROR  # type: ignore[misc]  # click types it as a class constant
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # raised while parsing a subcommand's arguments
            exc.exit_code = EXIT_ERROR  # type: ignore[misc]  # click types it as a class constant
            raise
        except (click.exceptions.Exit, click.Abort, click.ClickException):
            raise
        except ReconcilerError as exc:
            self._show(ctx, str(exc))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `render | head`: the reader has enough; say nothing more
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
            sys.exit(EXIT_ERROR)
        except OSError as exc:  # a file or a socket the system refused: the user's to fix
            self._show(ctx, _os_error(exc))
            sys.exit(EXIT_ERROR)
        except Exception as exc:  # a bug of ours: still no traceback unless asked for
            self._show(ctx, f"unexpected internal error ({type(exc).__name__}: {exc})\n  hint: this is a bug in "
                            "flyte-reconciler; run again with --debug and report the traceback")
            sys.exit(EXIT_ERROR)

    @staticmethod
    def _show(ctx: click.Context, message: str) -> None:
        if (ctx.obj or {}).get("debug"):
            traceback.print_exc()
        click.echo(f"Error: {message}", err=True)
