"""Template variables of one run: the environment's ``vars``, then each ``--var-file``, then ``--var``.

Values are refused (with where they came from) when they hold the private-use characters U+E000 and
U+E001: the renderer's line mapping reserves them, and a value carrying them would come out of the
template with parts silently deleted. Reads the ``--var-file`` files; never renders or connects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reconciler.errors import ManifestProblem
from reconciler.manifests.config import CONFIG_FILE, RunConfig
from reconciler.manifests.render import RESERVED_CHARACTERS
from reconciler.manifests.yamlload import YamlProblem, jsonable, load_documents


def _reserved(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str) and any(c in value for c in RESERVED_CHARACTERS):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _reserved(item, f"{path}.{key}")
            yield from _reserved(key, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _reserved(item, f"{path}.{index}")


def _check(values: dict[str, Any], file: str, lines: dict[Any, int], problems: list[ManifestProblem]) -> None:
    for name, value in values.items():
        for path in _reserved(value, str(name)):
            problems.append(ManifestProblem(file, lines.get((name,), 1), "", "", f"vars.{path}",
                                            "the value contains the private-use characters U+E000/U+E001, which "
                                            "the template line mapping reserves", "a value without them"))


def _read_var_file(var_file: str, problems: list[ManifestProblem]) -> dict[str, Any]:
    try:
        documents = load_documents(Path(var_file).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(ManifestProblem(var_file, 1, "", "", "", "cannot read variables: not valid UTF-8",
                                        "a UTF-8 YAML mapping of NAME: value lines"))
        return {}
    except OSError as exc:
        problems.append(ManifestProblem(var_file, 1, "", "", "", f"cannot read variables: {exc.strerror or exc}",
                                        "an existing YAML file of NAME: value lines, given with --var-file FILE"))
        return {}
    except YamlProblem as exc:
        problems.append(ManifestProblem(var_file, exc.line, "", "", "", exc.message))
        return {}
    value = documents[0].value if documents else {}
    if len(documents) > 1 or not isinstance(value, dict):
        problems.append(ManifestProblem(var_file, 1, "", "", "", "a --var-file must hold one YAML mapping",
                                        "NAME: value lines"))
        return {}
    values = jsonable(value)
    _check(values, var_file, dict(documents[0].lines), problems)
    return values


def template_variables(config: RunConfig, environment: str | None, variables: dict[str, str] | None,
                       var_files: list[str] | None, problems: list[ManifestProblem]) -> dict[str, Any]:
    """Environment ``vars``, then each ``--var-file`` in order, then ``--var`` (later wins)."""
    merged: dict[str, Any] = {}
    if environment is not None:
        if environment not in config.environments:
            known = ", ".join(sorted(config.environments)) or "none are defined"
            problems.append(ManifestProblem(config.path or CONFIG_FILE, 1, "Config", "", "environments",
                                            f"unknown environment {environment!r}", f"one of: {known}"))
        else:
            values = dict(config.environments[environment].vars)
            _check(values, config.path or CONFIG_FILE, {}, problems)
            merged.update(values)
    for var_file in var_files or []:
        merged.update(_read_var_file(var_file, problems))
    _check(dict(variables or {}), "--var", {}, problems)
    merged.update(variables or {})
    return merged
