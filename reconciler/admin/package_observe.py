"""Packages in one plan: read and hydrate each ``Package`` manifest's source, then ask Admin what it holds.

``prepare`` reads every package (no Admin call, except one ``CreateUploadLocation`` per package with a
code archive: the location Admin will keep it at is part of its tasks' content); ``desired`` and
``observe`` turn them into the planner's resources; ``pending_workflows`` gives the launch plans that
run a package's workflow the interface and defaults they are built on before the workflow exists.
"""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2

from reconciler.admin import package_state
from reconciler.admin.launchplans import WorkflowInfo
from reconciler.admin.package_writes import upload_location
from reconciler.admin.packages import (
    CodeArchive,
    Entity,
    HydrationOptions,
    auto_version,
    hydrate,
    read_package,
    summary,
)
from reconciler.manifests.package_checks import source_path
from reconciler.manifests.package_model import AUTO_VERSION
from reconciler.model.address import Address
from reconciler.model.state import Resource
from reconciler.plan.diff import diff_bodies

Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class PlannedPackage:
    address: str
    source: str  # file:line of the manifest
    path: str  # the package source, as the upload action re-reads it
    version: str
    entities: tuple[Entity, ...]
    archive: CodeArchive | None


def _shown_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def prepare(documents: Iterable[Any], client: Any) -> list[PlannedPackage]:
    packages = []
    for doc in documents:
        if doc.kind != "Package":
            continue
        meta, spec = doc.model.metadata, doc.model.spec
        path = source_path(doc)
        raw = read_package(path, (doc.file, doc.line_of(("spec", "source")), doc.address))
        options = HydrationOptions(
            project=meta.project, domain=meta.domain, version="",
            destination_directory=spec.destinationDirectory or "", service_account=spec.serviceAccount or "",
            iam_role=spec.iamRole or "", raw_output_prefix=spec.rawOutputDataPrefix or "",
            envs=tuple(sorted(spec.envs.items())))
        version = auto_version(raw, options) if spec.version == AUTO_VERSION else spec.version
        remote = ""
        if raw.archive is not None:
            location = upload_location(client, meta.project, meta.domain, raw.archive.filename, raw.archive.md5)
            remote = location.native_url
        entities = hydrate(raw, dataclasses.replace(options, version=version, remote_package_path=remote))
        packages.append(PlannedPackage(doc.address, doc.source, _shown_path(path), version, tuple(entities),
                                       raw.archive))
    return packages


def versions(packages: list[PlannedPackage]) -> dict[tuple[str, str, str], str]:
    """(project, domain, package name) → the version its entities are registered under."""
    out = {}
    for package in packages:
        address = Address.parse(package.address)
        out[(address.project, str(address.domain), str(address.name))] = package.version
    return out


def pending_workflows(packages: list[PlannedPackage]) -> dict[Key, WorkflowInfo]:
    """The workflows packages register, as launch plans built on them need them (interface and the
    default launch plan of the same name, which pyflyte writes for every workflow)."""
    infos: dict[Key, WorkflowInfo] = {}
    for package in packages:
        defaults = {e.name: e.request.spec for e in package.entities if e.kind == "launchplan"}  # type: ignore[attr-defined]
        for entity in package.entities:
            if entity.kind != "workflow":
                continue
            request: Any = entity.request
            ident = request.id
            infos[(ident.project, ident.domain, ident.name, ident.version)] = WorkflowInfo(
                id=ident, interface=request.spec.template.interface, default_launch_plan=defaults.get(entity.name))
    return infos


def desired(package: PlannedPackage) -> Resource:
    body = {"version": package.version,
            "entities": {e.key: summary(e) for e in package.entities},
            "archive": {"filename": package.archive.filename, "md5": package.archive.md5_base64}
            if package.archive else None}
    payload = {"requests": {e.key: e.serialized() for e in package.entities}, "archivePath": package.path}
    return Resource(package.address, body, payload=payload, source=package.source)


def _resource(address: str, entities: list[Entity], client: Any) -> Resource:
    states = package_state.entity_states(client, entities, address)
    body = {"entities": {key: {"state": state, "changes": _changes(stored, sent)}
                         for key, (state, stored, sent) in states.items()}}
    return Resource(address, body)


def _changes(stored: Any, sent: Any) -> list[str]:
    if stored is None or stored == sent:
        return []
    return [f"{c.path}: {c.old!r} -> {c.new!r}" for c in diff_bodies(stored, sent)]


def observe(client: Any, packages: list[PlannedPackage]) -> list[Resource]:
    if not packages:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(packages))) as pool:
        return list(pool.map(lambda p: _resource(p.address, list(p.entities), client), packages))


_MESSAGES = {"task": task_pb2.TaskCreateRequest, "workflow": workflow_pb2.WorkflowCreateRequest,
             "launchplan": launch_plan_pb2.LaunchPlanCreateRequest}


def observe_planned(client: Any, actions: Iterable[Any]) -> list[Resource]:
    """Re-read the entities a saved plan registers (a saved plan's freshness check)."""
    by_address: dict[str, list[Entity]] = {}
    for action in actions:
        if action.type == "register_package_entity":
            request = _MESSAGES[action.entity_kind].FromString(base64.b64decode(action.request))
            by_address.setdefault(action.address, []).append(Entity(action.entity_kind, action.entity, "", request))
    return [_resource(address, entities, client) for address, entities in sorted(by_address.items())]


