"""Rendering files whose only template syntax is ``{{ expression }}``, without compiling the file.

Jinja compiles a whole file into Python before rendering it: lexing every line, parsing, generating
and compiling code. For a file that is plain YAML with a few ``{{ vars.x }}`` per document, that was
~70 % of loading a templated organisation, and every file is compiled anew though the same handful
of expressions repeat in all of them. Here each distinct expression is compiled once (as the
one-expression template ``{{ expression }}``, in the same sandboxed environment, so it yields exactly
the text it would yield inside the file), evaluated once per run (an expression-only template is a
pure function of the variables: the immutable sandbox allows no assignment), and spliced into the
text line by line, building the same line map as the markers of ``render`` would.

Anything else takes the full path (``render.render``): statements, comments, whitespace control,
an expression spanning lines, CR line endings, and every failure — the full path then reports the
error with its exact message and line, so this module never words an error itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jinja2

from reconciler.manifests import render as full
from reconciler.manifests import template_limits as limits

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}")
_FULL_PATH_SYNTAX = ("{%", "{#", "{{-", "-}}", "\r", full._MARK_OPEN, full._MARK_CLOSE)
_UNMARKED_START = ("{{-", "{%-", "{#-")
_UNMARKED_END = ("-}}", "-%}", "-#}")
_COMPILED: dict[str, jinja2.Template] = {}
_COMPILED_LIMIT = 10_000


class _FullPath(Exception):
    """This file needs Jinja's whole pipeline."""


class ExpressionRenderer:
    """Renders the files of one run (one set of variables and one environment name)."""

    def __init__(self, variables: dict[str, Any], environment_name: str | None,
                 env: Callable[..., Any] | None = None) -> None:
        self._variables = variables
        self._environment_name = environment_name
        self._env = env
        self._context: dict[str, Any] = {"vars": variables, "environment": environment_name,
                                         "env": env or full.EnvPolicy().reader()}
        # expression → (its text, the template steps it takes: charged per occurrence, as the full path does)
        self._outputs: dict[str, tuple[str, int]] = {}

    def render(self, source: str) -> full.Rendered:
        """What ``render.render(source, …)`` returns, or raises (via the full path on any problem)."""
        if "{{" not in source or any(token in source for token in _FULL_PATH_SYNTAX):
            return full.render(source, self._variables, self._environment_name, env=self._env)
        try:
            return self._spliced(source)
        except _FullPath:
            return full.render(source, self._variables, self._environment_name, env=self._env)

    def _output(self, expression: str) -> tuple[str, int]:
        known = self._outputs.get(expression)
        if known is None:
            if "{" in expression or "}" in expression or "\\" in expression:
                raise _FullPath
            template = _COMPILED.get(expression)
            try:
                if template is None:
                    if len(_COMPILED) > _COMPILED_LIMIT:
                        _COMPILED.clear()
                    template = _COMPILED[expression] = full._ENVIRONMENT.from_string("{{" + expression + "}}")
                with limits.step_budget():
                    budget = limits._steps_left.get()  # the steps left, as the full path counts them
                    start = budget[0]
                    output = template.render(**self._context)
                    steps = start - budget[0]
            except Exception as exc:  # the full path words every error, with its line
                raise _FullPath from exc
            if full._MARK_OPEN in output or full._MARK_CLOSE in output:
                raise _FullPath
            known = self._outputs[expression] = (output, steps)
        return known

    def _spliced(self, source: str) -> full.Rendered:
        lines: list[str] = []
        line_map: list[int] = []
        size = 0
        steps = 0
        last = 0
        for number, line in enumerate(source.split("\n"), start=1):
            text = line
            if "{{" in line:
                if "{{" in _EXPRESSION.sub("", line):
                    raise _FullPath  # an expression spanning lines
                pieces = _EXPRESSION.split(line)  # text, expression, text, …
                for index in range(1, len(pieces), 2):
                    pieces[index], taken = self._output(pieces[index])
                    steps += taken
                if steps > limits.MAX_TEMPLATE_STEPS:
                    raise _FullPath  # the file's step budget: the full path stops at the same place
                text = "".join(pieces)
            size += len(text) + 1
            if size > full.MAX_RENDERED_CHARS:
                raise _FullPath
            # The markers ``render.mark_lines`` would put on this line: all name ``number``.
            visible = bool(line.strip())
            mark_start = visible and not line.lstrip().startswith(_UNMARKED_START)
            mark_end = visible and not line.rstrip().endswith(_UNMARKED_END)
            parts = text.split("\n")
            for index, part in enumerate(parts):
                marked = (index == 0 and mark_start) or (index == len(parts) - 1 and mark_end)
                last = number if marked else last + 1
                line_map.append(max(last, 1))
                lines.append(part)
        return full.Rendered("\n".join(lines), line_map)
