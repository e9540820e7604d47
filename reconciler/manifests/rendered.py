"""The manifests as the tool sees them after Jinja, one YAML document at a time, each with the
``file:line`` of the source line it starts at (for ``flyte-reconciler render``).

Rendering is the same as ``load_manifests`` does (discovery, the sandboxed Jinja environment, the
variables of the environment, ``--var-file`` and ``--var``), but nothing is parsed or validated: a
reviewer or a plain YAML tool (kubeconform-style linters, ``yq``, a diff) sees exactly the text the
YAML parser would get. Template errors are reported like ``validate`` reports them. Offline, no I/O
but reading the manifest files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ManifestError, ManifestProblem
from reconciler.manifests import guard_of
from reconciler.manifests.config import RunConfig
from reconciler.manifests.discover import discover, read_source
from reconciler.manifests.render import Rendered, TemplateProblem, render
from reconciler.manifests.secrets import find_secret
from reconciler.manifests.variables import template_variables

# A YAML document starts after a "---" line (directives end) at column 0; "..." ends one.
_SEPARATOR = re.compile(r"^(---|\.\.\.)(\s.*)?$")


@dataclass(frozen=True)
class RenderedDocument:
    file: str
    line: int  # 1-based source line of the document's first content line
    text: str  # the rendered YAML of this document (comments kept, no separator line)
    environment: str | None


def _documents(file: str, rendered: Rendered, environment: str | None) -> list[RenderedDocument]:
    documents: list[RenderedDocument] = []
    chunk: list[tuple[int, str]] = []

    def close() -> None:
        content = [number for number, line in chunk if line.strip() and not line.lstrip().startswith("#")]
        if content:  # a chunk of only comments or blank lines is not a document
            text = "\n".join(line for _, line in chunk).strip("\n")
            documents.append(RenderedDocument(file, rendered.source_line(content[0]), text, environment))
        chunk.clear()

    for number, line in enumerate(rendered.text.split("\n"), start=1):
        separator = _SEPARATOR.match(line)
        if separator:
            close()
            rest = (separator.group(2) or "").strip()
            if separator.group(1) == "---" and rest and not rest.startswith("#"):
                chunk.append((number, rest))  # "--- {a: 1}": the document starts on the separator line
            continue
        chunk.append((number, line))
    close()
    return documents


def render_documents(paths: list[str], *, config: RunConfig, environment: str | None = None,
                     variables: dict[str, str] | None = None,
                     var_files: list[str] | None = None) -> list[RenderedDocument]:
    """Every document under ``paths`` rendered for ``environment``; ``ManifestError`` on template errors."""
    problems: list[ManifestProblem] = []
    guard = guard_of(config)  # the same env() policy and secret check as loading: render never prints a secret
    template_vars = template_variables(config, environment, variables, var_files, problems)
    documents: list[RenderedDocument] = []
    if not problems:
        for path in discover(paths, problems, skip=Path(config.path) if config.path else None):
            source = read_source(path, problems)
            if source is None:
                continue
            try:
                rendered = render(source.text, template_vars, environment, env=guard.policy.reader())
            except TemplateProblem as exc:
                problems.append(ManifestProblem(source.path, max(exc.line, 1), "", "", "", exc.message))
                continue
            leaked = find_secret(rendered.text, guard.secrets)
            if leaked is not None:
                line = rendered.source_line(rendered.text.count("\n", 0, leaked) + 1)
                problems.append(ManifestProblem(source.path, line, "", "", "", "this line holds the value of a "
                                                "credential the tool reads", "remove the secret from the manifest"))
                continue
            documents += _documents(source.path, rendered, environment)
    if problems:
        raise ManifestError(problems)
    return documents
