"""Seed an admin with serialized Flyte entities, as ``pyflyte package``/``pyflyte serialize`` write them.

``seed_directory`` registers every ``*_1.pb`` (``admin.TaskSpec``), ``*_2.pb`` (``admin.WorkflowSpec``)
and ``*_3.pb`` (``admin.LaunchPlan``) of a directory in file-name order (pyflyte zero-pads the index, so
that is dependency order), substituting the ``{{ registration.project|domain|version }}`` placeholders
(and empty fields, as flytectl does) in every identifier when a project, domain or version is given.
``seed_samples`` registers the shipped samples (``samples/``) into ``flytesnacks`` and ``analytics``,
every domain, versions ``v1`` and ``v2``.

Seeding always goes through the gRPC API of a running admin (never into its database), so every
validation rule applies exactly as for a real client. ALREADY_EXISTS counts as success, which makes
seeding idempotent; ``seed_samples`` returns after one GetLaunchPlan when the samples are already there,
because it runs on every ``--sandbox`` start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeAlias

import grpc
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from google.protobuf.message import DecodeError, Message

from reconciler.errors import AdminError, ConfigError
from reconciler.model.address import project_address

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SAMPLE_PROJECTS = ("flytesnacks", "analytics")
SAMPLE_DOMAINS = ("development", "staging", "production")
SAMPLE_VERSIONS = ("v1", "v2")
SEED_TIMEOUT_S = 30.0

_PLACEHOLDER = re.compile(r"^\{\{\s*registration\.(project|domain|version)\s*\}\}$")
_KIND = re.compile(r"_([123])\.pb$")
_MESSAGES: dict[str, type[task_pb2.TaskSpec | workflow_pb2.WorkflowSpec | launch_plan_pb2.LaunchPlan]] = {
    "1": task_pb2.TaskSpec, "2": workflow_pb2.WorkflowSpec, "3": launch_plan_pb2.LaunchPlan}


class HasAddress(Protocol):
    @property
    def address(self) -> str: ...


Target: TypeAlias = "HasAddress | str | AdminServiceStub"


@dataclass
class SeedReport:
    """What one seeding run did: entities created and entities that were already there."""

    created: int = 0
    existing: int = 0
    skipped: bool = False  # seed_samples found the samples already registered


def seed_directory(target: Target, directory: str | Path, project: str | None = None,
                   domain: str | None = None, version: str | None = None) -> SeedReport:
    """Register every serialized entity in ``directory`` through the admin at ``target``."""
    files = _entity_files(Path(directory))
    with _stub(target) as stub:
        report = SeedReport()
        for path in files:
            _register(stub, path, project, domain, version, report)
        return report


def seed_samples(target: Target) -> SeedReport:
    """Register the shipped samples into flytesnacks/analytics × every domain × v1/v2 (fast when done)."""
    files = _entity_files(SAMPLES_DIR)
    with _stub(target) as stub:
        if _already_seeded(stub, files):
            return SeedReport(skipped=True)
        report = SeedReport()
        for project in SAMPLE_PROJECTS:
            _register_project(stub, project, report)
        # The marker checked by _already_seeded (last project/domain/version) is registered last.
        for project in SAMPLE_PROJECTS:
            for domain in SAMPLE_DOMAINS:
                for version in SAMPLE_VERSIONS:
                    for path in files:
                        _register(stub, path, project, domain, version, report)
        return report


def substitute(message: Message, project: str | None, domain: str | None, version: str | None) -> None:
    """Fill placeholder (or empty) project/domain/version fields of every Identifier inside ``message``."""
    values = {"project": project, "domain": domain, "version": version}
    for ident in _identifiers(message):
        for field_name, value in values.items():
            current = getattr(ident, field_name)
            if value is not None and (current == "" or _PLACEHOLDER.match(current)):
                setattr(ident, field_name, value)


def _identifiers(message: Message) -> Iterator[identifier_pb2.Identifier]:
    if message.DESCRIPTOR.full_name == identifier_pb2.Identifier.DESCRIPTOR.full_name:
        yield message  # type: ignore[misc]
        return
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            items = value.values() if field.message_type.fields_by_name["value"].message_type else []
            for item in items:
                yield from _identifiers(item)
        elif field.is_repeated:
            for item in value:
                yield from _identifiers(item)
        else:
            yield from _identifiers(value)


def _entity_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ConfigError(f"seed directory {directory} does not exist",
                          hint="pass the output of `pyflyte serialize` or an unpacked `pyflyte package`")
    return sorted(p for p in directory.iterdir() if p.is_file() and _KIND.search(p.name))


def _parse(path: Path) -> task_pb2.TaskSpec | workflow_pb2.WorkflowSpec | launch_plan_pb2.LaunchPlan:
    kind = _KIND.search(path.name)
    assert kind is not None
    message: task_pb2.TaskSpec | workflow_pb2.WorkflowSpec | launch_plan_pb2.LaunchPlan
    message = _MESSAGES[kind.group(1)]()
    try:
        message.ParseFromString(path.read_bytes())
    except DecodeError as exc:
        raise ConfigError(f"{path}: not a serialized {message.DESCRIPTOR.full_name}: {exc}") from exc
    return message


def _register(stub: AdminServiceStub, path: Path, project: str | None, domain: str | None,
              version: str | None, report: SeedReport) -> None:
    entity = _parse(path)
    substitute(entity, project, domain, version)
    if isinstance(entity, task_pb2.TaskSpec):
        call, method = stub.CreateTask, "CreateTask"
        request: Message = task_pb2.TaskCreateRequest(id=entity.template.id, spec=entity)
    elif isinstance(entity, workflow_pb2.WorkflowSpec):
        call, method = stub.CreateWorkflow, "CreateWorkflow"
        request = workflow_pb2.WorkflowCreateRequest(id=entity.template.id, spec=entity)
    else:
        call, method = stub.CreateLaunchPlan, "CreateLaunchPlan"
        request = launch_plan_pb2.LaunchPlanCreateRequest(id=entity.id, spec=entity.spec)
    _create(call, request, method, str(path), report)


def _register_project(stub: AdminServiceStub, project: str, report: SeedReport) -> None:
    request = project_pb2.ProjectRegisterRequest(project=project_pb2.Project(
        id=project, name=project, description=f"Sample project {project} (seeded by the embedded admin)"))
    _create(stub.RegisterProject, request, "RegisterProject", project_address(project), report)


def _create(call: Callable[..., object], request: Message, method: str, where: str,
            report: SeedReport) -> None:
    try:
        call(request, timeout=SEED_TIMEOUT_S)
    except grpc.RpcError as exc:
        code = exc.code()  # type: ignore[attr-defined]
        if code == grpc.StatusCode.ALREADY_EXISTS:
            report.existing += 1
            return
        raise AdminError(exc.details() or "", code=code.name, method=method, target=where,  # type: ignore[attr-defined]
                         hint="seeding registers through the admin API; fix the entity or the target",
                         ) from exc
    report.created += 1


def _already_seeded(stub: AdminServiceStub, files: list[Path]) -> bool:
    last_plans = [p for p in files if p.name.endswith("_3.pb")]
    if not last_plans:
        return False
    marker = _parse(last_plans[-1])
    assert isinstance(marker, launch_plan_pb2.LaunchPlan)
    substitute(marker, SAMPLE_PROJECTS[-1], SAMPLE_DOMAINS[-1], SAMPLE_VERSIONS[-1])
    try:
        stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=marker.id), timeout=SEED_TIMEOUT_S)
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
            return False
        raise AdminError(exc.details() or "", code=exc.code().name, method="GetLaunchPlan",  # type: ignore[attr-defined]
                         target="seed marker") from exc
    return True


@contextmanager
def _stub(target: Target) -> Iterator[AdminServiceStub]:
    if isinstance(target, AdminServiceStub):
        yield target
        return
    address = target if isinstance(target, str) else target.address
    channel = grpc.insecure_channel(address)
    try:
        yield AdminServiceStub(channel)
    finally:
        channel.close()
