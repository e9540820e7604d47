"""Loading manifests: discovery → Jinja2 rendering → YAML with lines → pydantic validation → cross-checks.

Everything here is offline: a run with bad manifests stops before any connection is opened, with
every problem reported as ``FILE:LINE: <kind> <address>: <field>: <problem> (<expected>)``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml

from reconciler.errors import ManifestError, ManifestProblem
from reconciler.manifests import models
from reconciler.manifests.config import CONFIG_FILE, RunConfig
from reconciler.manifests.crossref import cross_check
from reconciler.manifests.render import TemplateProblem, render
from reconciler.manifests.yamlload import YamlProblem, jsonable, load_documents

MAX_FILE_BYTES = 5 * 1024 * 1024  # documented limit: larger manifest files are refused
SUFFIXES = (".yaml", ".yml", ".yaml.j2", ".yml.j2")


@dataclass(frozen=True)
class ManifestDocument:
    kind: str
    address: str
    model: Any
    file: str
    line: int
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"

    def line_of(self, path: tuple[Any, ...]) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.line


@dataclass(frozen=True)
class LoadedManifests:
    documents: list[ManifestDocument]
    warnings: list[ManifestProblem]
    digest: str
    config: RunConfig

    def of_kind(self, kind: str) -> list[ManifestDocument]:
        return [d for d in self.documents if d.kind == kind]


def _config_problem(path: str, exc: Exception, lines: dict[Any, int] | None = None) -> ManifestError:
    problems = []
    if isinstance(exc, pydantic.ValidationError):
        for error in exc.errors():
            loc = tuple(error["loc"])
            line = (lines or {}).get(loc, 1)
            problems.append(ManifestProblem(path, line, "Config", "", ".".join(map(str, loc)), error["msg"]))
    elif isinstance(exc, YamlProblem):
        problems.append(ManifestProblem(path, exc.line, "Config", "", "", exc.message))
    else:
        problems.append(ManifestProblem(path, 1, "Config", "", "", str(exc)))
    return ManifestError(problems)


def load_config(path: str | None, search_paths: list[str]) -> RunConfig:
    """Read ``flyte-reconciler.yaml``: the given file, else the first one at the root of a manifest path."""
    candidates = [Path(path)] if path else []
    for search in search_paths:
        root = Path(search)
        root = root if root.is_dir() else root.parent
        candidates += [root / CONFIG_FILE, root.parent / CONFIG_FILE]
    candidates.append(Path(CONFIG_FILE))
    for candidate in candidates:
        if candidate.is_file():
            lines: dict[Any, int] = {}
            try:
                docs = load_documents(candidate.read_text(encoding="utf-8"))
                value = docs[0].value if docs else {}
                lines = docs[0].lines if docs else {}
                return RunConfig.model_validate({**(value or {}), "path": str(candidate)})
            except (YamlProblem, pydantic.ValidationError) as exc:
                raise _config_problem(str(candidate), exc, lines) from exc
        if path:
            raise _config_problem(path, FileNotFoundError(f"config file {path} not found"))
    return RunConfig()


def discover(paths: list[str], problems: list[ManifestProblem]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)
                            and p.name != CONFIG_FILE and not any(part.startswith(".") for part in p.parts[-3:-1]))
        else:
            problems.append(ManifestProblem(raw, 0, "", "", "", "no such file or directory"))
    return files


def _closest(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1)
    return f"did you mean {match[0]!r}?" if match else f"valid fields: {', '.join(options)}"


def _address(kind: str, meta: dict[str, Any]) -> str:
    from reconciler.model import state

    try:
        if kind == "Project":
            return state.project_address(meta["name"])
        if kind == "LaunchPlan":
            return state.launch_plan_address(meta["project"], meta["domain"], meta["name"])
        if kind == "Workflow":
            return state.workflow_address(meta["project"], meta["domain"], meta["name"])
        if kind == "Attributes":
            return (f"attributes/{meta['project']}/{meta.get('domain') or '-'}/{meta.get('workflow') or '-'}")
        if kind == "Backfill":
            return f"backfill/{meta['project']}/{meta['domain']}/?/{meta['name']}"
    except (KeyError, TypeError):
        return ""
    return ""


def _allowed_fields(model: type[pydantic.BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field_info = getattr(current, "model_fields", {}).get(part)
        if field_info is None:
            return []
        annotation = field_info.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
                current = candidate
                break
            for inner in getattr(candidate, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, pydantic.BaseModel):
                    current = inner
                    break
    return [f.alias or name for name, f in getattr(current, "model_fields", {}).items()]


def _validate(doc: dict[str, Any], file: str, lines: dict[Any, int], start: int,
              problems: list[ManifestProblem]) -> ManifestDocument | None:
    def line_of(path: tuple[Any, ...]) -> int:
        while path:
            if path in lines:
                return lines[path]
            path = path[:-1]
        return start

    if not isinstance(doc, dict):
        problems.append(ManifestProblem(file, start, "", "", "", "a manifest document must be a mapping",
                                        "apiVersion, kind, metadata, spec"))
        return None
    kind = doc.get("kind")
    if doc.get("apiVersion") != models.API_VERSION:
        problems.append(ManifestProblem(file, line_of(("apiVersion",)), str(kind or ""), "", "apiVersion",
                                        f"unknown apiVersion {doc.get('apiVersion')!r}", models.API_VERSION))
        return None
    if kind not in models.KINDS:
        hint = _closest(str(kind), list(models.KINDS)) if kind else "one of " + ", ".join(models.KINDS)
        problems.append(ManifestProblem(file, line_of(("kind",)), "", "", "kind", f"unknown kind {kind!r}", hint))
        return None
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    address = _address(kind, meta)
    model_cls = models.KINDS[kind]
    try:
        model = model_cls.model_validate(doc)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            loc = tuple(p if p != "from_" else "from" for p in error["loc"])
            loc = tuple(p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or "[" in p)))
            message = error["msg"].removeprefix("Value error, ")
            expected = ""
            if error["type"] == "extra_forbidden":
                message = f"unknown field {loc[-1]!r}"
                expected = _closest(str(loc[-1]), _allowed_fields(model_cls, loc))
            elif error["type"] == "missing":
                message = "required field is missing"
            elif error["type"] == "literal_error":
                expected = error["msg"].removeprefix("Input should be ")
                message = f"invalid value {error.get('input')!r}"
            elif "(" not in message:
                expected = ""
            problems.append(ManifestProblem(file, line_of(loc), kind, address, ".".join(map(str, loc)),
                                            message, expected))
        return None
    if kind == "Backfill":
        address = f"backfill/{meta['project']}/{meta['domain']}/{model.spec.launchPlan}/{meta['name']}"
    return ManifestDocument(kind=kind, address=address, model=model, file=file, line=start,
                            lines={k: v for k, v in lines.items()})


def load_manifests(paths: list[str], *, config: RunConfig, environment: str | None = None,
                   variables: dict[str, str] | None = None, var_files: list[str] | None = None) -> LoadedManifests:
    problems: list[ManifestProblem] = []
    template_vars: dict[str, Any] = {}
    if environment is not None:
        if environment not in config.environments:
            known = ", ".join(sorted(config.environments)) or "none"
            problems.append(ManifestProblem(config.path or CONFIG_FILE, 1, "Config", "", "environments",
                                            f"unknown environment {environment!r}", f"one of: {known}"))
        else:
            template_vars.update(config.environments[environment].vars)
    for var_file in var_files or []:
        try:
            loaded = yaml.safe_load(Path(var_file).read_text(encoding="utf-8")) or {}
            if not isinstance(loaded, dict):
                raise ValueError("a --var-file must hold a YAML mapping")
            template_vars.update(loaded)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            problems.append(ManifestProblem(var_file, 1, "", "", "", f"cannot read variables: {exc}"))
    template_vars.update(variables or {})

    documents: list[ManifestDocument] = []
    rendered_docs: list[Any] = []
    for path in discover(paths, problems):
        file = str(path)
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(ManifestProblem(file, 1, "", "", "", f"file is {path.stat().st_size} bytes",
                                            f"manifest files are limited to {MAX_FILE_BYTES} bytes"))
            continue
        raw = path.read_bytes()
        if b"\0" in raw:
            problems.append(ManifestProblem(file, 1, "", "", "", "binary file", "UTF-8 YAML text"))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            problems.append(ManifestProblem(file, line, "", "", "", "not valid UTF-8", "UTF-8 YAML text"))
            continue
        try:
            rendered = render(text, template_vars, environment)
            yaml_docs = load_documents(rendered.text)
        except TemplateProblem as exc:
            problems.append(ManifestProblem(file, max(exc.line, 1), "", "", "", exc.message))
            continue
        except YamlProblem as exc:
            line = rendered.line_map[min(exc.line, len(rendered.line_map)) - 1] if exc.line else 1
            problems.append(ManifestProblem(file, line, "", "", ".".join(map(str, exc.path)), exc.message))
            continue
        for yaml_doc in yaml_docs:
            source_lines = {p: rendered.line_map[min(n, len(rendered.line_map)) - 1] for p, n in yaml_doc.lines.items()}
            start = rendered.line_map[min(yaml_doc.start_line, len(rendered.line_map)) - 1]
            doc = _validate(yaml_doc.value, file, source_lines, start, problems)
            if doc is not None:
                documents.append(doc)
                rendered_docs.append(jsonable(yaml_doc.value))
    warnings = cross_check(documents, config, problems)
    if any(p.severity == "error" for p in problems):
        raise ManifestError(problems + warnings)
    digest = hashlib.sha256(json.dumps(sorted(rendered_docs, key=lambda d: json.dumps(d, sort_keys=True)),
                                       sort_keys=True, default=str).encode()).hexdigest()
    return LoadedManifests(documents=documents, warnings=warnings, digest=digest, config=config)


__all__ = ["LoadedManifests", "ManifestDocument", "RunConfig", "load_config", "load_manifests"]
