"""Loading manifests: discovery → Jinja2 rendering → YAML with lines → pydantic validation → cross-checks.

Everything here is offline: a run with bad manifests stops before any connection is opened, with
every problem of the run reported together as
``FILE:LINE: <kind> <address>: <field.path>: <problem> (<expected>)`` in a ``ManifestError``.
Public API (other packages depend on these names):

- ``load_config(path, search_paths) -> RunConfig``
- ``load_manifests(paths, *, config, environment=None, variables=None, var_files=None) -> LoadedManifests``
- ``LoadedManifests`` (``.documents``, ``.warnings``, ``.digest``, ``.config``) and ``ManifestDocument``
  (``.kind``, ``.address``, ``.model``, ``.file``, ``.line``, ``.source``, ``.line_of(path)``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.collector import growing_heap
from reconciler.errors import ManifestError, ManifestProblem
from reconciler.manifests.config import RunConfig, load_config
from reconciler.manifests.crossref import cross_check
from reconciler.manifests.discover import MAX_FILE_BYTES, SUFFIXES, discover, read_source
from reconciler.manifests.documents import LoadedManifests, ManifestDocument, validate_document
from reconciler.manifests.fastrender import ExpressionRenderer
from reconciler.manifests.lines import FileLines, LazyLines
from reconciler.manifests.package_checks import check_packages
from reconciler.manifests.parse_cache import ParseCache
from reconciler.manifests.render import TemplateProblem
from reconciler.manifests.secrets import EnvPolicy, env_policy, find_secret, redact, secret_values
from reconciler.manifests.variables import template_variables
from reconciler.manifests.yamlload import YamlDocument, YamlProblem, load_documents


@dataclass(frozen=True)
class _Guard:
    """What every file of one run is rendered with: the ``env()`` policy and the secret values to keep out."""

    policy: EnvPolicy
    secrets: tuple[str, ...]


def guard_of(config: RunConfig) -> _Guard:
    environments = list(config.environments.values())
    policy = env_policy(config.templates.env, environments)
    return _Guard(policy, secret_values(policy, environments))


def _load_file(path: Path, renderer: ExpressionRenderer, guard: _Guard, problems: list[ManifestProblem],
               cache: ParseCache | None) -> list[tuple[ManifestDocument, str]]:
    """The file's valid documents, each with its canonical JSON text (for the digest)."""
    source = read_source(path, problems)
    if source is None:
        return []
    try:
        rendered = renderer.render(source.text)
    except TemplateProblem as exc:
        problems.append(ManifestProblem(source.path, max(exc.line, 1), "", "", "", exc.message))
        return []
    leaked = find_secret(rendered.text, guard.secrets)
    if leaked is not None:
        line = rendered.source_line(rendered.text.count("\n", 0, leaked) + 1)
        problems.append(ManifestProblem(source.path, line, "", "", "", "this line holds the value of a credential "
                                        "the tool reads (a client secret or token); it would be shown in plans and "
                                        "sent to Flyte Admin", "remove the secret from the manifest and its --var "
                                        "values; secrets belong only in the credential variables"))
        return []
    try:
        yaml_documents = cache.documents(rendered.text, _values) if cache else _values(rendered.text)
    except YamlProblem as exc:
        problems.append(ManifestProblem(source.path, rendered.source_line(exc.line), "", "",
                                        ".".join(map(str, exc.path)), exc.message, exc.expected))
        return []
    loaded = []
    untemplated = rendered.text is source.text  # rendered lines are the source lines: nothing to map
    file_lines = FileLines(rendered.text, None if untemplated else rendered.source_line)
    for index, yaml_document in enumerate(yaml_documents):
        lines = LazyLines(file_lines, index)  # built if something asks for a field's line
        canonical = _canonical(yaml_document.value)
        document = validate_document(yaml_document.value, file=source.path, lines=lines,
                                     start=rendered.source_line(yaml_document.start_line), problems=problems,
                                     screen_unsafe=_may_be_unsafe(canonical))
        if document is not None:
            loaded.append((document, canonical))
    return loaded


def _values(text: str) -> list[YamlDocument]:
    return load_documents(text, lines=False)


def _json_default(value: Any) -> str:
    # what ``jsonable`` makes of a YAML timestamp, without copying the whole document first
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def _canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=_json_default)


def _may_be_unsafe(canonical: str) -> bool:
    """Whether a document may hold a NUL or a non-finite number (``values.unsafe_values``): its JSON text
    spells them ``\\u0000``, ``NaN`` and ``Infinity``. Text without these needs no walk over every value;
    text with them (also quoted words) gets the walk, which finds the exact field."""
    return "\\u0000" in canonical or "NaN" in canonical or "Infinity" in canonical


def _digest(canonical: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(canonical)).encode()).hexdigest()


def load_manifests(paths: list[str], *, config: RunConfig, environment: str | None = None,
                   variables: dict[str, str] | None = None, var_files: list[str] | None = None,
                   cache: ParseCache | None = None) -> LoadedManifests:
    """Render, parse and validate every manifest under ``paths``.

    Raises ``ManifestError`` carrying every error (and the warnings) when anything is wrong;
    otherwise returns the documents in discovery order, the warnings and a digest of the rendered
    documents that is stable across runs and file orders. ``cache``: parsed YAML of unchanged texts
    (``parse_cache``); results are the same with or without it.
    """
    problems: list[ManifestProblem] = []
    guard = guard_of(config)
    template_vars = template_variables(config, environment, variables, var_files, problems)
    skip = Path(config.path) if config.path else None
    documents: list[ManifestDocument] = []
    rendered: list[str] = []
    # each distinct `{{ expression }}` compiled and evaluated once per run (fastrender)
    renderer = ExpressionRenderer(template_vars, environment, env=guard.policy.reader())
    with growing_heap() as checkpoint:
        for path in discover(paths, problems, skip=skip):
            for document, canonical in _load_file(path, renderer, guard, problems, cache):
                documents.append(document)
                rendered.append(canonical)  # the text only: the parsed copy would double the memory
            checkpoint()
    if cache is not None:
        cache.prune()
    warnings = _redacted(cross_check(documents, config, problems), guard.secrets)
    check_packages(documents, problems)
    if any(p.severity == "error" for p in problems):
        raise ManifestError(_redacted(problems, guard.secrets) + warnings)
    return LoadedManifests(documents=documents, warnings=sorted(warnings), digest=_digest(rendered),
                           config=config)


def _redacted(problems: list[ManifestProblem], secrets: tuple[str, ...]) -> list[ManifestProblem]:
    """Problems quote values (``got 's3cr3t…'``); none of them may print a secret."""
    if not secrets:
        return problems
    return [dataclasses.replace(p, problem=redact(p.problem, secrets), expected=redact(p.expected, secrets),
                                address=redact(p.address, secrets)) for p in problems]


__all__ = ["MAX_FILE_BYTES", "SUFFIXES", "LoadedManifests", "ManifestDocument", "ParseCache", "RunConfig",
           "load_config", "load_manifests"]
