"""Jinja2 rendering of manifest files in a sandbox, with line numbers kept pointing at the source.

The environment is ``ImmutableSandboxedEnvironment`` with ``StrictUndefined`` (an unknown variable
is an error, not an empty string); templates get ``vars``, ``environment`` and an ``env(NAME,
default=…)`` function, and cannot include or import other files. To map rendered lines back to the
file the user wrote, each source line is tagged with an end-of-line marker before rendering and the
markers are stripped afterwards (lines inside loops map to the template line that produced them).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

_MARKER = re.compile(r" #@L(\d+)$")
_OPEN = re.compile(r"\{[{%#]")
_CLOSE = re.compile(r"[}%#]\}")
_BLOCK_SCALAR = re.compile(r":\s*[|>][-+0-9]*\s*$|^\s*-\s*[|>][-+0-9]*\s*$")


class TemplateProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Rendered:
    text: str
    line_map: list[int]  # rendered line index (0-based) → source line (1-based)


def _env_function(name: str, default: Any = None) -> Any:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise TemplateProblem(0, f"environment variable {name!r} is not set (use env({name!r}, default=...) "
                                     "for an optional one)")
        return default
    return value


def _mark(source: str) -> str:
    """Append a line marker where it cannot change meaning: not inside block scalars or open Jinja tags."""
    out = []
    block_indent: int | None = None
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and (stripped == "" or indent > block_indent):
            out.append(line)
            continue
        block_indent = None
        unbalanced = len(_OPEN.findall(line)) != len(_CLOSE.findall(line))
        if _BLOCK_SCALAR.search(line):
            block_indent = indent
        out.append(line if unbalanced or not stripped else f"{line} #@L{number}")
    return "\n".join(out)


_ENVIRONMENT = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                             autoescape=False, loader=None)


def render(source: str, variables: dict[str, Any], environment_name: str | None) -> Rendered:
    if "{{" not in source and "{%" not in source and "{#" not in source:
        return Rendered(source, list(range(1, source.count("\n") + 2)))
    try:
        template = _ENVIRONMENT.from_string(_mark(source))
        text = template.render(vars=variables, environment=environment_name, env=_env_function)
    except TemplateProblem as exc:
        raise TemplateProblem(exc.line or _error_line(exc), exc.message) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.lineno or 1, f"template syntax error: {exc.message}") from exc
    except SecurityError as exc:
        raise TemplateProblem(_error_line(exc), f"template tried something the sandbox forbids: {exc}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(_error_line(exc), f"template error: {exc.message} (define it under the "
                              "environment's `vars:`, or pass --var / --var-file)") from exc
    except (jinja2.TemplateError, RecursionError, TypeError, ValueError, AttributeError) as exc:
        raise TemplateProblem(_error_line(exc), f"template error: {exc}") from exc
    lines, mapping, last = [], [], 1
    for line in text.split("\n"):
        match = _MARKER.search(line)
        if match:
            last = int(match.group(1))
            line = line[: match.start()]
        else:
            last = last + 1 if mapping else last
        lines.append(line)
        mapping.append(last)
    return Rendered("\n".join(lines), mapping)


def _error_line(exc: BaseException) -> int:
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
