"""Turning pydantic validation errors into located ``ManifestProblem``s.

This is the one place where pydantic's exceptions are translated (style habit 7). Each error
becomes ``FILE:LINE: <kind> <address>: <field.path>: <what is wrong> (<what is expected>)`` with
the line of the exact key that is wrong, a "did you mean" for misspelled field names and enum
values, and a YAML hint when a bare ``yes``/``no``/number was read as something else than text.
It never raises and never reads files.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any

import pydantic

from reconciler.errors import ManifestProblem

LinePath = tuple[Any, ...]

_TYPE_NAMES = {"string_type": "a string", "int_type": "an integer", "int_parsing": "an integer",
               "int_from_float": "a whole number", "bool_type": "true or false", "bool_parsing": "true or false",
               "float_type": "a number", "float_parsing": "a number", "dict_type": "a mapping",
               "list_type": "a list", "model_type": "a mapping", "model_attributes_type": "a mapping",
               "datetime_type": "an ISO 8601 timestamp", "datetime_parsing": "an ISO 8601 timestamp",
               "datetime_from_date_parsing": "an ISO 8601 timestamp with a timezone, e.g. 2024-01-01T00:00:00Z"}
_YAML_SCALAR_HINT = "quote it: YAML reads bare yes/no/on/off/true/false as booleans and bare digits as numbers"


def line_of(lines: Mapping[LinePath, int], path: LinePath, default: int) -> int:
    """Line of the deepest written part of ``path`` (the key itself when it exists)."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return default


def closest(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if match:
        return f"did you mean {match[0]!r}?"
    return f"valid fields: {', '.join(options)}" if options else "no fields are allowed here"


def _model_in(annotation: Any) -> type[pydantic.BaseModel] | None:
    """The pydantic model inside an annotation such as ``X | None``, ``list[X]`` or ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict, tuple):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def allowed_fields(model: type[pydantic.BaseModel], loc: LinePath) -> list[str]:
    """The field names (as users write them) of the model that holds ``loc[-1]``."""
    current: type[pydantic.BaseModel] | None = model
    for part in loc[:-1]:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        fields = {(f.alias or name): f for name, f in current.model_fields.items()}
        if part not in fields:
            continue  # a map key (e.g. an environment name) keeps the same value model
        current = _model_in(fields[part].annotation)
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()
            if not (f.json_schema_extra or {}).get("hidden")]  # type: ignore[union-attr]


def _clean_loc(loc: tuple[Any, ...]) -> LinePath:
    # Drop pydantic's internal steps (validator and union-member tags); keep keys and indexes.
    return tuple(p for p in loc
                 if isinstance(p, int) or not (p.startswith(("function-", "union[", "tagged-union[")) or "[" in p))


def _split_expected(message: str) -> tuple[str, str]:
    """Our validators write "problem (expected)"; split the trailing parenthesis off."""
    if message.endswith(")") and " (" in message:
        depth = 0
        for index in range(len(message) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(message[index], 0)
            if depth == 0:
                if index > 0 and message[index - 1] == " ":
                    return message[: index - 1], message[index + 1: -1]
                break
    return message, ""


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return repr(value)


def translate(error: Mapping[str, Any], model: type[pydantic.BaseModel]) -> tuple[LinePath, str, str]:
    """(field path, problem, expected) for one pydantic error."""
    loc = _clean_loc(tuple(error["loc"]))
    kind, message = error["type"], str(error["msg"])
    value = error.get("input")
    if kind == "extra_forbidden":
        return loc, f"unknown field {loc[-1]!r}", closest(str(loc[-1]), allowed_fields(model, loc))
    if kind == "missing":
        return loc, "required field is missing", f"add `{loc[-1]}`" if loc else ""
    if kind in ("literal_error", "enum"):
        expected = message.removeprefix("Input should be ")
        options = [part.strip(" '") for part in expected.replace(" or ", ", ").split(",")]
        hint = difflib.get_close_matches(str(value), options, n=1)
        return loc, f"invalid value {_describe(value)}", (f"did you mean {hint[0]!r}? " if hint else "") + \
            f"one of {expected}"
    if kind == "int_parsing_size":  # 1.0e+20 as an integer: pydantic's text says nothing useful
        return loc, f"{_describe(value)} is too large", "a whole number within the field's range"
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        if kind == "string_type" and isinstance(value, bool | int | float):
            expected = f"{expected}; {_YAML_SCALAR_HINT}"
        return loc, f"got {_describe(value)}", expected
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long",
                "string_too_short", "string_too_long"):
        return loc, f"{_describe(value)} is out of bounds", message.removeprefix("Input should ").replace(
            "Value should ", "")
    problem, expected = _split_expected(message.removeprefix("Value error, ").removeprefix("Assertion failed, "))
    return loc, problem, expected


def pydantic_problems(exc: pydantic.ValidationError, *, model: type[pydantic.BaseModel], file: str,
                      lines: Mapping[LinePath, int], start: int, kind: str, address: str,
                      prefix: LinePath = ()) -> list[ManifestProblem]:
    """Every error of ``exc`` as a located problem (one per field path and message)."""
    seen: set[tuple[LinePath, str]] = set()
    problems = []
    for error in exc.errors():
        loc, problem, expected = translate(error, model)
        if (loc, problem) in seen:
            continue
        seen.add((loc, problem))
        path = (*prefix, *loc)
        problems.append(ManifestProblem(file, line_of(lines, path, start), kind, address,
                                        ".".join(map(str, path)), problem, expected))
    return problems
