"""Resource bounds of manifest templates: the sandbox stops templates reaching Python internals, but not
from asking for a 10 GB string, a 10**10**10 integer or ten billion loop iterations.

Bounded here, each failure a ``SecurityError`` the renderer turns into a located problem:

- numbers passed to functions and filters (``MAX_TEMPLATE_NUMBER``), repetition (``'a' * n``), powers
  (``MAX_EXPONENT``, ``MAX_INT_BITS``) and the size of what one operation produces (``MAX_TEMPLATE_VALUE``),
  checked *before* the operation where it can be predicted: ``~`` concatenation and ``+`` from the operand
  sizes, ``replace`` from the number of occurrences, ``%`` and ``str.format`` from the widths and
  precisions written in the format string (``'%99999999999s'`` would allocate before failing);
- a step budget per render (``MAX_TEMPLATE_STEPS``): every loop iteration, call, filter and binary
  operation takes one step, so nested loops that print nothing (``range(99999)`` twice) stop instead of
  hanging a CI job. Loops are counted by rewriting each ``{% for %}`` to iterate through
  ``_Budget.loop`` after parsing (the template cannot name or shadow it);
- the rendered output of one file (``MAX_RENDERED_CHARS``, in the renderer).

The limits are documented in docs/manifests.md. Pure; no I/O.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_TEMPLATE_NUMBER = 1_000_000  # largest integer a template may pass to a function or filter
MAX_TEMPLATE_VALUE = 1_000_000  # characters/items one operation may produce
MAX_RENDERED_CHARS = 20_000_000  # rendered text of one file (4× the 5 MiB source limit)
MAX_EXPONENT = 64
MAX_INT_BITS = 4_096  # chained powers: (10**64)**64 is fine, five levels deep would never finish
MAX_TEMPLATE_STEPS = 500_000  # loop iterations + calls + filters + operations in one file's render

_steps_left: contextvars.ContextVar[list[int]] = contextvars.ContextVar("template_steps_left")
# The numbers of a printf conversion (%-08.3f, %*s) and of a format spec ({:>10.2}, {0:{1}}).
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?")
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


def _step() -> None:
    left = _steps_left.get(None)
    if left is None:
        return
    left[0] -= 1
    if left[0] < 0:
        raise SecurityError(f"the template ran more than {MAX_TEMPLATE_STEPS:,} steps (loop iterations, calls and "
                            "operations); generate less, or split the file")


@contextlib.contextmanager
def step_budget(steps: int = MAX_TEMPLATE_STEPS) -> Iterator[None]:
    token = _steps_left.set([steps])
    try:
        yield
    finally:
        _steps_left.reset(token)


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _check_number(where: str, value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_NUMBER:
        raise SecurityError(f"{where}: the number {value} is above the template limit {MAX_TEMPLATE_NUMBER:,}")


def _check_arguments(where: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        _check_number(where, value)


def _check_widths(where: str, numbers: Iterable[str]) -> None:
    for number in numbers:
        if number.isdigit() and (len(number) > 7 or int(number) > MAX_TEMPLATE_VALUE):
            raise SecurityError(f"{where}: the width or precision {number[:20]} is above the template limit "
                                f"{MAX_TEMPLATE_VALUE:,}")


def check_printf(where: str, template: str) -> None:
    for match in _PRINTF.finditer(template):
        _check_widths(where, (match.group(1) or "", match.group(2) or ""))


def check_format(where: str, template: str) -> None:
    for field in _FORMAT_FIELD.findall(template):
        _check_widths(where, re.findall(r"\d+", field.partition(":")[2]))


def bounded_filter(name: str, function: Any) -> Any:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _step()
        passed = args[1:] if args and isinstance(args[0], jinja2.runtime.Context | jinja2.Environment) else args
        _check_arguments(f"filter {name!r}", passed, kwargs)
        if name == "format" and passed and isinstance(passed[0], str):
            check_printf("filter 'format'", passed[0])
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


class _Budget(Extension):
    """Hooks the rewritten templates call (as ``environment.extensions[...]``, out of the template's reach)."""

    identifier = "reconciler.template_budget"

    def loop(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            _step()
            yield item

    def concat(self, *parts: Any) -> str:
        _step()
        texts = [p if isinstance(p, str) else str(p) for p in parts]
        if sum(map(len, texts)) > MAX_TEMPLATE_VALUE:
            raise SecurityError(f"'~' would produce more than {MAX_TEMPLATE_VALUE:,} characters")
        return "".join(texts)


def _rewrite(template: nodes.Template) -> nodes.Template:
    """Route every loop's iterable through ``_Budget.loop`` and every ``~`` through ``_Budget.concat``."""
    def hook(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
        return nodes.Call(nodes.ExtensionAttribute(_Budget.identifier, name, lineno=lineno), args, [], None, None,
                          lineno=lineno)

    def rewritten(value: Any) -> Any:
        if isinstance(value, nodes.Concat):
            return hook("concat", [rewritten(part) for part in value.nodes], value.lineno)
        if isinstance(value, list):
            return [rewritten(item) for item in value]
        if isinstance(value, nodes.Node):
            for field_name, field_value in value.iter_fields():
                setattr(value, field_name, rewritten(field_value))
            if isinstance(value, nodes.For):
                value.iter = hook("loop", [cast(nodes.Expr, value.iter)], value.lineno)
        return value

    rewritten(template)
    return template


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _rewrite(super()._parse(source, name, filename))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _step()
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
        if operator == "+" and _sized(left) + _sized(right) > MAX_TEMPLATE_VALUE:
            raise SecurityError(f"'+' would produce more than {MAX_TEMPLATE_VALUE:,} characters or items")
        if operator == "%" and isinstance(left, str):
            check_printf("string formatting", left)
            _check_arguments("string formatting", right if isinstance(right, tuple) else (right,), {})
        result = super().call_binop(context, operator, left, right)
        if _sized(result) > MAX_TEMPLATE_VALUE:
            raise SecurityError(f"an expression produced more than {MAX_TEMPLATE_VALUE:,} characters or items")
        return result

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        name = getattr(__obj, "__name__", type(__obj).__name__)
        _check_arguments(f"call of {name!r}", args, kwargs)
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format in its own formatter
        if name in ("format", "format_map") and isinstance(getattr(method, "__self__", None), str):
            check_format(f"call of {name!r}", method.__self__)
            for value in args:  # nested replacement fields: '{:{w}}'.format_map({'w': 10**9})
                for item in value.values() if isinstance(value, dict) else (value,):
                    _check_number(f"call of {name!r}", item)
        result = super().call(__context, __obj, *args, **kwargs)
        if _sized(result) > MAX_TEMPLATE_VALUE:
            raise SecurityError(f"a call produced more than {MAX_TEMPLATE_VALUE:,} characters or items")
        return result


def environment() -> BoundedSandbox:
    sandbox = BoundedSandbox(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
                             loader=None, extensions=[_Budget])
    sandbox.globals.pop("lipsum", None)  # generates arbitrarily large text; no use in manifests
    sandbox.filters = {name: bounded_filter(name, f) for name, f in sandbox.filters.items()}
    return sandbox
