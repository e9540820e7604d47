"""Jinja2 rendering of manifest files in a sandbox, with line numbers kept pointing at the source.

The environment is ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``: an unknown variable
is an error, not an empty string, and templates cannot reach Python internals, mutate values,
include or import other files. Templates get ``vars`` (the merged variables), ``environment`` (the
``--env`` name or None) and ``env(NAME, default=…)``.

Line mapping: Jinja may change the number of lines (loops, conditionals, macros), yet every error
must name a line of the file the user wrote. Before rendering, each source line gets invisible
markers (two private-use code points around its line number) at its start and end, where they
cannot change the output; Jinja copies them into the output wherever that line's text is
produced, so a rendered line's markers name its source line — inside a loop, every iteration maps
to the template line that produced it. The markers are removed before YAML sees the text.
This module never reads files and never touches the network.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
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


_UNSET = object()


def _env_function(name: str, default: Any = _UNSET) -> Any:
    value = os.environ.get(name)
    if value is None:
        if default is _UNSET:
            raise TemplateProblem(0, f"environment variable {name!r} is not set (export it, or use "
                                     f"env({name!r}, default=...) for an optional one)")
        return default
    return value


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


# Resource bounds: the sandbox stops templates reaching Python internals, but not from asking for a
# 10 GB string or a 10**10**10 integer. Numbers passed to functions and filters, repetition, powers and
# the rendered output of one file are bounded, so a hostile template fails fast with its line number.
MAX_TEMPLATE_NUMBER = 1_000_000  # largest integer a template may pass to a function or filter
MAX_TEMPLATE_VALUE = 1_000_000  # characters/items one operation may produce
MAX_RENDERED_CHARS = 20_000_000  # rendered text of one file (4× the 5 MiB source limit)
MAX_EXPONENT = 64
MAX_INT_BITS = 4_096  # chained powers: (10**64)**64 is fine, five levels deep would never finish


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _check_arguments(where: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_NUMBER:
            raise SecurityError(f"{where}: the number {value} is above the template limit {MAX_TEMPLATE_NUMBER:,}")


def _bounded_filter(name: str, function: Any) -> Any:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        passed = args[1:] if args and isinstance(args[0], jinja2.runtime.Context | jinja2.Environment) else args
        _check_arguments(f"filter {name!r}", passed, kwargs)
        if name == "replace" and len(args) >= 3 and isinstance(args[-3], str):
            value, old, new = str(args[-3]), str(args[-2]), str(args[-1])
            growth = (value.count(old) if old else len(value) + 1) * max(0, len(new) - len(old))
            if len(value) + growth > MAX_TEMPLATE_VALUE:
                raise SecurityError(f"filter 'replace' would produce more than {MAX_TEMPLATE_VALUE:,} characters")
        result = function(*args, **kwargs)
        if _sized(result) > MAX_TEMPLATE_VALUE:
            raise SecurityError(f"filter {name!r} produced more than {MAX_TEMPLATE_VALUE:,} characters or items")
        return result

    bounded.__dict__.update(getattr(function, "__dict__", {}))  # keeps Jinja's pass_context/… markers
    return bounded


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is above the template limit {MAX_EXPONENT}")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and \
                left.bit_length() * abs(right) > MAX_INT_BITS:
            raise SecurityError(f"the power would have more than {MAX_INT_BITS:,} bits")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if _sized(seq) and isinstance(times, int) and _sized(seq) * times > MAX_TEMPLATE_VALUE:
                    raise SecurityError(f"repetition would produce more than {MAX_TEMPLATE_VALUE:,} characters "
                                        "or items")
        if operator == "%" and isinstance(left, str):
            _check_arguments("string formatting", right if isinstance(right, tuple) else (right,), {})
        result = super().call_binop(context, operator, left, right)
        if _sized(result) > MAX_TEMPLATE_VALUE:
            raise SecurityError(f"an expression produced more than {MAX_TEMPLATE_VALUE:,} characters or items")
        return result

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_arguments(f"call of {getattr(__obj, '__name__', type(__obj).__name__)!r}", args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if _sized(result) > MAX_TEMPLATE_VALUE:
            raise SecurityError(f"a call produced more than {MAX_TEMPLATE_VALUE:,} characters or items")
        return result


_ENVIRONMENT = _BoundedSandbox(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
                               loader=None)
_ENVIRONMENT.globals.pop("lipsum", None)  # generates arbitrarily large text; no use in manifests
_ENVIRONMENT.filters = {name: _bounded_filter(name, f) for name, f in _ENVIRONMENT.filters.items()}


def _render_bounded(template: jinja2.Template, **context: Any) -> str:
    """Render chunk by chunk, stopping once the output passes ``MAX_RENDERED_CHARS`` (loop bombs)."""
    parts, size = [], 0
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > MAX_RENDERED_CHARS:
            raise SecurityError(f"the rendered file exceeds {MAX_RENDERED_CHARS:,} characters")
        parts.append(chunk)
    return "".join(parts)


def render(source: str, variables: dict[str, Any], environment_name: str | None) -> Rendered:
    """Render one file's text; ``TemplateProblem`` names the source line of any failure."""
    if _MARK_OPEN in source or _MARK_CLOSE in source:
        raise TemplateProblem(1, "the file contains the private-use characters U+E000/U+E001, which the "
                                 "line mapping reserves")
    if "{{" not in source and "{%" not in source and "{#" not in source:
        return Rendered(source, list(range(1, source.count("\n") + 2)))
    try:
        template = _ENVIRONMENT.from_string(mark_lines(source))
        text = _render_bounded(template, vars=variables, environment=environment_name, env=_env_function)
    except TemplateProblem as exc:
        raise TemplateProblem(exc.line or _error_line(exc), exc.message) from exc
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
