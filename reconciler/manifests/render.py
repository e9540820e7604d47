"""Jinja2 rendering of manifest files in a sandbox, with line numbers kept pointing at the source.

The environment is ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``: an unknown variable
is an error, not an empty string, and templates cannot reach Python internals, mutate values,
include or import other files. Templates get ``vars`` (the merged variables), ``environment`` (the
``--env`` name or None) and ``env(NAME, default=…)`` (only variables the run configuration allows: ``secrets``).

Line mapping: Jinja may change the number of lines (loops, conditionals, macros), yet every error
must name a line of the file the user wrote. Before rendering, each source line gets invisible
markers (two private-use code points around its line number) at its start and end, where they
cannot change the output; Jinja copies them into the output wherever that line's text is
produced, so a rendered line's markers name its source line — inside a loop, every iteration maps
to the template line that produced it. The markers are removed before YAML sees the text.
This module never reads files and never touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from reconciler.manifests.secrets import EnvNotAllowed, EnvPolicy
from reconciler.manifests.template_limits import MAX_RENDERED_CHARS, environment, step_budget

_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
RESERVED_CHARACTERS = (_MARK_OPEN, _MARK_CLOSE)
_MARKER = re.compile(f"{_MARK_OPEN}([0-9]+){_MARK_CLOSE}")
_TAG = re.compile(r"\{[{%#]|[}%#]\}")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_TEMPLATE_FILENAME = "<template>"  # what Jinja names code compiled from a string


class TemplateProblem(Exception):
    """A template could not be rendered; ``line`` is a 1-based source line (0 when unknown)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Rendered:
    text: str
    line_map: list[int]  # rendered line index (0-based) → source line (1-based)

    def source_line(self, rendered_line: int) -> int:
        """The source line of a 1-based rendered line number."""
        if not self.line_map:
            return 1
        return self.line_map[min(max(rendered_line, 1), len(self.line_map)) - 1]


def mark_lines(source: str) -> str:
    """Put a marker at the start and at the end of every line, where it cannot change the output.

    Both ends are marked so that a line is found even when a multi-line value splits it (the start
    marker) or a tag swallows its beginning (the end marker). A marker inside ``{{ … }}`` or
    ``{% … %}`` would be a syntax error, so ends inside a tag are left alone; a marker next to a
    whitespace-trimming tag (``{%-`` at the start, ``-%}`` at the end) would defeat the trim, so
    those ends are left alone too. Unmarked rendered lines are numbered from the previous marker.
    """
    out = []
    closer: str | None = None
    for number, line in enumerate(source.split("\n"), start=1):
        marker = f"{_MARK_OPEN}{number}{_MARK_CLOSE}"
        mark_start = closer is None and line.strip() and not line.lstrip().startswith(("{{-", "{%-", "{#-"))
        for match in _TAG.finditer(line):
            token = match.group()
            if closer is None and token in _CLOSERS:
                closer = _CLOSERS[token]
            elif token == closer:
                closer = None
        mark_end = closer is None and line.strip() and not line.rstrip().endswith(("-}}", "-%}", "-#}"))
        out.append(f"{marker if mark_start else ''}{line}{marker if mark_end else ''}")
    return "\n".join(out)


def _line_source(line: str) -> int | None:
    """The marker that names where this rendered line's text comes from.

    That is the last marker before the first visible character (a macro's body line called at the
    start of a line carries the call's marker first, then its own), else the first marker after it
    (the continuation of a multi-line value carries only its line's end marker).
    """
    chosen: int | None = None
    position = 0
    for found in _MARKER.finditer(line):
        if line[position:found.start()].strip():
            break
        chosen = int(found.group(1))
        position = found.end()
    if chosen is None:
        first = _MARKER.search(line)
        chosen = int(first.group(1)) if first else None
    return chosen


def strip_markers(text: str) -> Rendered:
    """Remove the markers, recording for each rendered line the source line it came from."""
    lines, mapping = [], []
    last = 0
    for line in text.split("\n"):
        source = _line_source(line)
        last = source if source is not None else last + 1
        lines.append(_MARKER.sub("", line))
        mapping.append(max(last, 1))
    return Rendered("\n".join(lines), mapping)


_ENVIRONMENT = environment()


def _render_bounded(template: jinja2.Template, **context: Any) -> str:
    """Render chunk by chunk, stopping once the output passes ``MAX_RENDERED_CHARS`` (loop bombs)."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > MAX_RENDERED_CHARS:
            # Raised outside the template's frames: the line is the last source marker produced so far.
            markers = (m for part in reversed([*parts[-64:], chunk]) for m in reversed(_MARKER.findall(part)))
            line = int(next(markers, "1"))
            raise TemplateProblem(line, f"the template tried something the sandbox forbids: the rendered file "
                                        f"exceeds {MAX_RENDERED_CHARS:,} characters (generate less, or split the file)")
        parts.append(chunk)
    return "".join(parts)


def render(source: str, variables: dict[str, Any], environment_name: str | None,
           env: Callable[..., Any] | None = None) -> Rendered:
    """Render one file's text; ``TemplateProblem`` names the source line of any failure.

    ``env`` is the template's ``env()`` (``secrets.EnvPolicy.reader``); by default no variable may be read.
    """
    if _MARK_OPEN in source or _MARK_CLOSE in source:
        raise TemplateProblem(1, "the file contains the private-use characters U+E000/U+E001, which the "
                                 "line mapping reserves")
    if "{{" not in source and "{%" not in source and "{#" not in source:
        return Rendered(source, list(range(1, source.count("\n") + 2)))
    try:
        with step_budget():
            template = _ENVIRONMENT.from_string(mark_lines(source))
            text = _render_bounded(template, vars=variables, environment=environment_name,
                                   env=env or EnvPolicy().reader())
    except EnvNotAllowed as exc:
        raise TemplateProblem(_error_line(exc), str(exc)) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.lineno or 1, f"template syntax error: {_unmark(exc.message)}") from exc
    except SecurityError as exc:
        raise TemplateProblem(_error_line(exc), f"the template tried something the sandbox forbids: "
                              f"{_unmark(str(exc))}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(_error_line(exc), f"template error: {_unmark(exc.message)} (define it under the "
                              "environment's `vars:`, or pass --var / --var-file)") from exc
    except (jinja2.TemplateError, RecursionError, TypeError, ValueError, AttributeError, LookupError,
            ArithmeticError) as exc:
        raise TemplateProblem(_error_line(exc), f"template error: {_unmark(str(exc))}") from exc
    return strip_markers(text)


def _unmark(message: str | None) -> str:
    return _MARKER.sub("", message or "")


def _error_line(exc: BaseException) -> int:
    """The template line of the innermost template frame in the traceback (Jinja rewrites them)."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _TEMPLATE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
