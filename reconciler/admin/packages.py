"""Workflow packages: read ``pyflyte package``/``pyflyte serialize`` output and hydrate it as flytectl does.

``read_package`` takes the archive (``.tgz``/``.tar.gz``/``.tar``, read in memory: nothing is
extracted to disk) or directory and returns its entities in file order — pyflyte numbers the files
in dependency order — plus the fast-registration code archive (``fast*.tar.gz``) when there is one.

``hydrate`` fills what pyflyte leaves empty, exactly as ``flytectl register files`` does
(``flytectl/cmd/register/register_util.go``): every identifier's project and domain when empty or
``{{ registration.project|domain }}``, its version when empty or ``{{ registration.version }}``; in
task container (and pod) arguments ``{{ .remote_package_path }}`` becomes the uploaded archive's
location and ``{{ .dest_dir }}`` the destination directory (``.`` by default); launch plans get the
service account / IAM role (``auth_role`` and ``security_context.run_as``), the raw output prefix,
and — our one addition, as ``pyflyte register --env`` does — environment variables.

``auto_version`` is a digest of the entities hydrated with a placeholder version and the code
archive's MD5 in place of its location, so the same package always gets the same version and a
changed task gets a new one.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.admin.common_pb2 import AuthRole, RawOutputDataConfig
from flyteidl.core import identifier_pb2, literals_pb2
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from reconciler.errors import ManifestError, ManifestProblem

MAX_PACKAGE_BYTES = 256 * 1024 * 1024  # protobufs plus the code archive, read into memory
MAX_ENTITIES = 10_000
REMOTE_PACKAGE_PATH = "{{ .remote_package_path }}"
DEST_DIR = "{{ .dest_dir }}"
VERSION_PLACEHOLDER = "{{ registration.version }}"
_PLACEHOLDER = re.compile(r"^\{\{\s*registration\.(project|domain|version)\s*\}\}$")
_ENTITY_FILE = re.compile(r"_([123])\.pb$")
_KINDS = {"1": "task", "2": "workflow", "3": "launchplan"}
KIND_ORDER = {"task": 0, "workflow": 1, "launchplan": 2}


@dataclass(frozen=True)
class CodeArchive:
    """The fast-registration code archive of a package, uploaded as-is (as ``pyflyte register`` does)."""

    filename: str
    data: bytes

    @property
    def md5(self) -> bytes:
        return hashlib.md5(self.data, usedforsecurity=False).digest()

    @property
    def md5_base64(self) -> str:
        return base64.b64encode(self.md5).decode("ascii")


@dataclass(frozen=True)
class RawEntity:
    kind: str  # task | workflow | launchplan
    file: str  # member name in the source
    message: Message  # admin.TaskSpec | admin.WorkflowSpec | admin.LaunchPlan, as serialized


@dataclass(frozen=True)
class RawPackage:
    entities: tuple[RawEntity, ...]
    archive: CodeArchive | None


@dataclass(frozen=True)
class HydrationOptions:
    project: str
    domain: str
    version: str
    remote_package_path: str = ""
    destination_directory: str = ""
    service_account: str = ""
    iam_role: str = ""
    raw_output_prefix: str = ""
    envs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Entity:
    """One hydrated entity and the exact create request that registers it."""

    kind: str
    name: str
    file: str
    request: Message  # TaskCreateRequest | WorkflowCreateRequest | LaunchPlanCreateRequest

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"

    def serialized(self) -> str:
        return base64.b64encode(self.request.SerializeToString(deterministic=True)).decode("ascii")


class PackageError(ManifestError):
    """A package source that cannot be read: reported at the Package manifest's ``spec.source`` line."""


def _problem(where: tuple[str, int, str], problem: str, expected: str) -> PackageError:
    file, line, address = where
    return PackageError([ManifestProblem(file, line, "Package", address, "spec.source", problem, expected)])


def read_package(path: Path, where: tuple[str, int, str]) -> RawPackage:
    """The entities (file order) and code archive of a package directory or archive. ``where`` is the
    manifest's (file, line, address) for errors."""
    files = dict(_members(path, where))
    entities = []
    archive = None
    for name in sorted(files):
        base = name.rsplit("/", 1)[-1]
        match = _ENTITY_FILE.search(base)
        if match:
            entities.append(_parse(name, files[name], _KINDS[match.group(1)], where))
        elif base.startswith("fast") and base.endswith(".tar.gz"):
            if archive is not None:
                raise _problem(where, f"{path} holds two code archives ({archive.filename}, {base})",
                               "one `pyflyte package --fast` output")
            archive = CodeArchive(base, files[name])
    if not entities:
        raise _problem(where, f"{path} holds no serialized entities (*_1.pb, *_2.pb, *_3.pb)",
                       "the output of `pyflyte package` or `pyflyte serialize`")
    if len(entities) > MAX_ENTITIES:
        raise _problem(where, f"{path} holds {len(entities)} entities", f"at most {MAX_ENTITIES}")
    return RawPackage(tuple(entities), archive)


def _members(path: Path, where: tuple[str, int, str]) -> Iterator[tuple[str, bytes]]:
    total = 0
    try:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and (_ENTITY_FILE.search(child.name) or child.name.startswith("fast")):
                    total += child.stat().st_size
                    if total > MAX_PACKAGE_BYTES:
                        raise _problem(where, f"{path} is larger than {MAX_PACKAGE_BYTES} bytes", "a smaller package")
                    yield child.name, child.read_bytes()
            return
        with tarfile.open(path, mode="r:*") as tar:
            for member in tar:
                if not member.isreg():  # links, devices and directories are never read
                    continue
                total += member.size
                if total > MAX_PACKAGE_BYTES:
                    raise _problem(where, f"{path} is larger than {MAX_PACKAGE_BYTES} bytes", "a smaller package")
                handle = tar.extractfile(member)
                if handle is not None:
                    yield member.name, handle.read()
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise _problem(where, f"cannot read {path}: {exc}", "a readable .tgz/.tar.gz/.tar or directory") from exc


def _parse(name: str, data: bytes, kind: str, where: tuple[str, int, str]) -> RawEntity:
    message: Message = {"task": task_pb2.TaskSpec, "workflow": workflow_pb2.WorkflowSpec,
                        "launchplan": launch_plan_pb2.LaunchPlan}[kind]()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise _problem(where, f"{name} is not a serialized {message.DESCRIPTOR.full_name}: {exc}",
                       "files written by pyflyte") from exc
    return RawEntity(kind, name, message)


# -- hydration -----------------------------------------------------------------------------------
def hydrate(raw: RawPackage, options: HydrationOptions) -> list[Entity]:
    """The create requests flytectl would send for these entities, in registration order: tasks, then
    workflows and launch plans in file order (a workflow may call a launch plan pyflyte wrote before it)."""
    entities = [_hydrate_one(e, options) for e in raw.entities]
    return sorted(entities, key=lambda e: 0 if e.kind == "task" else 1)  # stable: file order kept


def _hydrate_one(raw: RawEntity, o: HydrationOptions) -> Entity:
    message = type(raw.message)()
    message.CopyFrom(raw.message)
    if isinstance(message, task_pb2.TaskSpec):
        _identifier(message.template.id, o)
        _task_arguments(message, o)
        ident = _registration_id(message.template.id, identifier_pb2.TASK, o)
        return Entity("task", ident.name, raw.file, task_pb2.TaskCreateRequest(id=ident, spec=message))
    if isinstance(message, workflow_pb2.WorkflowSpec):
        for template in (message.template, *message.sub_workflows):
            for node in template.nodes:
                _node(node, o)
            if template.HasField("failure_node"):
                _node(template.failure_node, o)
            _identifier(template.id, o)
        ident = _registration_id(message.template.id, identifier_pb2.WORKFLOW, o)
        return Entity("workflow", ident.name, raw.file, workflow_pb2.WorkflowCreateRequest(id=ident, spec=message))
    assert isinstance(message, launch_plan_pb2.LaunchPlan)
    _identifier(message.id, o)
    _identifier(message.spec.workflow_id, o)
    spec = message.spec
    if o.service_account or o.iam_role:
        spec.auth_role.CopyFrom(AuthRole(kubernetes_service_account=o.service_account, assumable_iam_role=o.iam_role))
        spec.security_context.run_as.k8s_service_account = o.service_account
        spec.security_context.run_as.iam_role = o.iam_role
    if o.raw_output_prefix:
        spec.raw_output_data_config.CopyFrom(RawOutputDataConfig(output_location_prefix=o.raw_output_prefix))
    if o.envs:
        spec.envs.values.extend(literals_pb2.KeyValuePair(key=k, value=v) for k, v in o.envs)
    ident = _registration_id(message.id, identifier_pb2.LAUNCH_PLAN, o)
    return Entity("launchplan", ident.name, raw.file, launch_plan_pb2.LaunchPlanCreateRequest(id=ident, spec=spec))


def _identifier(ident: identifier_pb2.Identifier, o: HydrationOptions) -> None:
    if not ident.project or _PLACEHOLDER.match(ident.project):
        ident.project = o.project
    if not ident.domain or _PLACEHOLDER.match(ident.domain):
        ident.domain = o.domain
    if not ident.version or _PLACEHOLDER.match(ident.version):
        ident.version = o.version


def _registration_id(ident: identifier_pb2.Identifier, resource_type: int, o: HydrationOptions
                     ) -> identifier_pb2.Identifier:
    # flytectl registers under its configured project/domain, with the hydrated name and version.
    return identifier_pb2.Identifier(resource_type=resource_type, project=o.project, domain=o.domain,  # type: ignore[arg-type]
                                     name=ident.name, version=ident.version)


def _node(node: Any, o: HydrationOptions) -> None:
    target = node.WhichOneof("target")
    if target == "task_node":
        _identifier(node.task_node.reference_id, o)
    elif target == "workflow_node":
        ref = node.workflow_node.WhichOneof("reference")
        _identifier(getattr(node.workflow_node, ref), o)
    elif target == "branch_node":
        if_else = node.branch_node.if_else
        _node(if_else.case.then_node, o)
        for block in if_else.other:
            _node(block.then_node, o)
        if if_else.HasField("else_node"):
            _node(if_else.else_node, o)
    elif target == "array_node":
        _node(node.array_node.node, o)


def _arguments(args: list[str], o: HydrationOptions) -> list[str]:
    out = []
    for arg in args:
        if arg == REMOTE_PACKAGE_PATH:
            arg = o.remote_package_path
        elif arg == DEST_DIR:
            arg = o.destination_directory or "."
        out.append(arg)
    return out


def _task_arguments(spec: task_pb2.TaskSpec, o: HydrationOptions) -> None:
    template = spec.template
    if template.HasField("container"):
        new = _arguments(list(template.container.args), o)
        del template.container.args[:]
        template.container.args.extend(new)
    elif template.HasField("k8s_pod") and template.k8s_pod.HasField("pod_spec"):
        pod = json_format.MessageToDict(template.k8s_pod.pod_spec)
        for container in pod.get("containers", []):
            if "args" in container:
                container["args"] = _arguments(container["args"], o)
        template.k8s_pod.pod_spec.Clear()
        template.k8s_pod.pod_spec.update(pod)


def auto_version(raw: RawPackage, options: HydrationOptions) -> str:
    """``p-`` and 20 hex digits of a digest over the package hydrated with a placeholder version (and
    the code archive's MD5 standing for its upload location)."""
    probe = HydrationOptions(
        project=options.project, domain=options.domain, version=VERSION_PLACEHOLDER,
        remote_package_path=f"md5:{raw.archive.md5.hex()}" if raw.archive else "",
        destination_directory=options.destination_directory, service_account=options.service_account,
        iam_role=options.iam_role, raw_output_prefix=options.raw_output_prefix, envs=options.envs)
    digest = hashlib.sha256()
    for entity in hydrate(raw, probe):
        digest.update(entity.key.encode())
        digest.update(entity.request.SerializeToString(deterministic=True))
    return "p-" + digest.hexdigest()[:20]


def summary(entity: Entity) -> dict[str, Any]:
    """What a reviewer sees of an entity in a plan (the request itself travels serialized)."""
    request: Any = entity.request
    if entity.kind == "task":
        template = request.spec.template
        body: dict[str, Any] = {"type": template.type}
        if template.HasField("container"):
            body["image"] = template.container.image
        body["inputs"] = sorted(template.interface.inputs.variables)
        return body
    if entity.kind == "workflow":
        template = request.spec.template
        return {"nodes": len(template.nodes), "inputs": sorted(template.interface.inputs.variables),
                "outputs": sorted(template.interface.outputs.variables),
                "subWorkflows": len(request.spec.sub_workflows)}
    spec = request.spec
    return {"workflow": f"{spec.workflow_id.name}@{spec.workflow_id.version}",
            "schedule": bool(spec.entity_metadata.HasField("schedule"))}
