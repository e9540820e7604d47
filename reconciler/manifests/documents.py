"""One parsed YAML document → one validated ``ManifestDocument`` (or located problems).

Checks here see a single document: apiVersion and kind, the pydantic model of the kind, and the
address. Checks across documents live in ``crossref``. Nothing here reads files or connects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic

from reconciler.errors import ManifestProblem
from reconciler.manifests import models
from reconciler.manifests.checks import printable
from reconciler.manifests.config import RunConfig
from reconciler.manifests.problems import LinePath, closest, line_of, pydantic_problems
from reconciler.manifests.values import unsafe_values
from reconciler.model import state
from reconciler.model.address import AddressError, package_address


@dataclass(frozen=True)
class ManifestDocument:
    """A validated manifest: ``model`` is the frozen pydantic model of its ``kind``."""

    kind: str
    address: str
    model: Any
    file: str
    line: int
    lines: Mapping[LinePath, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"

    def line_of(self, path: LinePath) -> int:
        """Source line of a field path such as ``("spec", "schedule", "cron")``."""
        return line_of(self.lines, path, self.line)


@dataclass(frozen=True)
class LoadedManifests:
    documents: list[ManifestDocument]
    warnings: list[ManifestProblem]
    digest: str  # sha256 over the rendered documents in canonical JSON, independent of file order
    config: RunConfig

    def of_kind(self, kind: str) -> list[ManifestDocument]:
        return [d for d in self.documents if d.kind == kind]


def address_of(kind: str, document: Mapping[str, Any]) -> str:
    """The address a document declares, from its raw metadata ("" while it is unusable), printable on one
    line even when a name holds a newline or control character (that name is refused, the message names it)."""
    return printable(_address(kind, document))


def _address(kind: str, document: Mapping[str, Any]) -> str:
    meta = document.get("metadata")
    spec = document.get("spec")
    if not isinstance(meta, Mapping):
        return ""
    text = {k: str(v) for k, v in meta.items() if isinstance(v, str | int | float)}
    try:
        if kind == "Project":
            return state.project_address(text["name"])
        if kind == "LaunchPlan":
            return state.launch_plan_address(text["project"], text["domain"], text["name"])
        if kind == "Workflow":
            return state.workflow_address(text["project"], text["domain"], text["name"])
        if kind == "Attributes":
            return state.attributes_address(text["project"], text.get("domain"), text.get("workflow"), None)
        if kind == "Package":
            return package_address(text["project"], text["domain"], text["name"])
        if kind == "Backfill":
            launch_plan = spec.get("launchPlan") if isinstance(spec, Mapping) else None
            return state.backfill_address(text["project"], text["domain"], str(launch_plan or "?"), text["name"])
        if kind == "Run":
            return state.run_address(text["project"], text["domain"], text["name"])
    except (KeyError, AddressError):  # unusable metadata: its own problems are reported by validation
        return ""
    return ""


def validate_document(value: Any, *, file: str, lines: Mapping[LinePath, int], start: int,
                      problems: list[ManifestProblem], screen_unsafe: bool = True) -> ManifestDocument | None:
    """Validate one document; on failure append every problem and return ``None``. ``screen_unsafe=False``:
    the caller has established that no value is a NUL text or a non-finite number."""
    if not isinstance(value, dict):
        problems.append(ManifestProblem(file, start, "", "", "", "a manifest document must be a mapping",
                                        "apiVersion, kind, metadata, spec"))
        return None
    kind = value.get("kind")
    if not isinstance(kind, str | None):  # `kind: {Project: 1}` must not reach the lookups below
        problems.append(ManifestProblem(file, line_of(lines, ("kind",), start), "", "", "kind",
                                        f"kind must be a string, not {type(kind).__name__}",
                                        f"one of {', '.join(models.KINDS)}"))
        return None
    api_version = value.get("apiVersion")
    if api_version != models.API_VERSION:
        problem = "apiVersion is missing" if api_version is None else f"unknown apiVersion {api_version!r}"
        problems.append(ManifestProblem(file, line_of(lines, ("apiVersion",), start), str(kind or ""), "",
                                        "apiVersion", problem, models.API_VERSION))
        return None
    if kind not in models.KINDS:
        problem = "kind is missing" if kind is None else f"unknown kind {kind!r}"
        hint = closest(str(kind), list(models.KINDS)) if kind else ""
        problems.append(ManifestProblem(file, line_of(lines, ("kind",), start), "", "", "kind", problem,
                                        f"{hint} one of {', '.join(models.KINDS)}".strip()))
        return None
    address = address_of(kind, value)
    unsafe = list(unsafe_values(value)) if screen_unsafe else []
    for path, problem, expected in unsafe:
        problems.append(ManifestProblem(file, line_of(lines, path, start), kind, address, ".".join(map(str, path)),
                                        problem, expected))
    if unsafe:
        return None
    model_class = models.KINDS[kind]
    try:
        model = model_class.model_validate(value)
    except pydantic.ValidationError as exc:
        problems += pydantic_problems(exc, model=model_class, file=file, lines=lines, start=start, kind=kind,
                                      address=address)
        return None
    return ManifestDocument(kind=kind, address=address, model=model, file=file, line=start, lines=lines)
