"""``--format github``: errors as GitHub Actions workflow commands, so they appear on the PR diff.

One ``::error file=F,line=L::message`` line per manifest problem (``::warning`` for warnings), with
F relative to the working directory (the repository root in a workflow) because GitHub matches it
against the diff's paths. Errors without a location (connection, plan) become one ``::error::``
line. The annotations go to stdout, where the runner reads workflow commands; the usual
``Error: …`` still goes to stderr and the exit code is unchanged.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from reconciler.errors import ManifestError, ManifestProblem, ReconcilerError

GITHUB = "github"
F = TypeVar("F", bound=Callable[..., Any])


def _escape_data(text: str) -> str:
    # The runner's own escaping rules (actions/toolkit, command.ts): data may not hold raw newlines.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _repo_path(file: str) -> str:
    """``file`` relative to the working directory when it lies under it; GitHub wants repo paths."""
    if not os.path.isabs(file):
        return file
    relative = os.path.relpath(file)
    return file if relative.startswith("..") else relative


def problem_annotation(problem: ManifestProblem) -> str:
    level = "error" if problem.severity == "error" else "warning"
    who = " ".join(p for p in (problem.kind, problem.address) if p)
    message = ": ".join(p for p in (who, problem.field, problem.problem) if p)
    if problem.expected:
        message += f" ({problem.expected})"
    where = f"file={_escape_property(_repo_path(problem.file))},line={problem.line}"
    return f"::{level} {where}::{_escape_data(message)}"


def error_annotations(exc: ReconcilerError) -> list[str]:
    if isinstance(exc, ManifestError):
        return [problem_annotation(p) for p in exc.problems]
    return [f"::error::{_escape_data(str(exc))}"]


def emit_warnings(warnings: Iterable[ManifestProblem], fmt: str) -> None:
    if fmt == GITHUB:
        for warning in warnings:
            click.echo(problem_annotation(warning))


@contextmanager
def annotated_errors(fmt: str) -> Iterator[None]:
    """With ``--format github``, print any error of the block as annotations, then let it propagate."""
    try:
        yield
    except ReconcilerError as exc:
        if fmt == GITHUB:
            for line in error_annotations(exc):
                click.echo(line)
        raise


def annotates_errors(command: F) -> F:
    """Decorator for a command with a ``fmt`` parameter: ``annotated_errors`` around its whole body."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with annotated_errors(kwargs.get("fmt", "text")):
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
