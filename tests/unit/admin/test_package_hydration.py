"""Hydration of pyflyte output as `flytectl register files` does it, and auto versions."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, tasks_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2
from google.protobuf import struct_pb2

from reconciler.admin.packages import (
    CodeArchive,
    HydrationOptions,
    PackageError,
    RawEntity,
    RawPackage,
    auto_version,
    hydrate,
    read_package,
)

WHERE = ("m.yaml", 7, "package/p/d/n")
OPTIONS = HydrationOptions(project="p", domain="d", version="v9", remote_package_path="s3://b/fast.tar.gz",
                           service_account="sa", iam_role="role", raw_output_prefix="s3://raw", envs=(("K", "V"),))


def _id(kind: int, name: str, **kw: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=kind, name=name, **kw)  # type: ignore[arg-type]


def _task() -> task_pb2.TaskSpec:
    spec = task_pb2.TaskSpec(template=tasks_pb2.TaskTemplate(id=_id(identifier_pb2.TASK, "t"), type="python-task"))
    spec.template.container.args.extend(["pyflyte-fast-execute", "--additional-distribution",
                                         "{{ .remote_package_path }}", "--dest-dir", "{{ .dest_dir }}"])
    return spec


def _workflow() -> workflow_pb2.WorkflowSpec:
    task_ref = core_workflow_pb2.TaskNode(reference_id=_id(identifier_pb2.TASK, "t"))
    then = core_workflow_pb2.Node(id="a", task_node=task_ref)
    branch = core_workflow_pb2.Node(id="b", branch_node=core_workflow_pb2.BranchNode(
        if_else=core_workflow_pb2.IfElseBlock(case=core_workflow_pb2.IfBlock(then_node=then), else_node=then)))
    array = core_workflow_pb2.Node(id="c", array_node=core_workflow_pb2.ArrayNode(node=then))
    reference = core_workflow_pb2.Node(id="r", task_node=core_workflow_pb2.TaskNode(
        reference_id=_id(identifier_pb2.TASK, "other", project="elsewhere", domain="prod", version="v1")))
    ident = _id(identifier_pb2.WORKFLOW, "wf", version="{{ registration.version }}")
    template = core_workflow_pb2.WorkflowTemplate(id=ident, nodes=[branch, array, reference])
    return workflow_pb2.WorkflowSpec(template=template)


def _plan() -> launch_plan_pb2.LaunchPlan:
    workflow = _id(identifier_pb2.WORKFLOW, "wf")
    return launch_plan_pb2.LaunchPlan(id=_id(identifier_pb2.LAUNCH_PLAN, "lp"),
                                      spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=workflow))


def _raw(*entities: RawEntity, archive: CodeArchive | None = None) -> RawPackage:
    return RawPackage(tuple(entities), archive)


def test_task_identifiers_and_fast_arguments_are_filled() -> None:
    (entity,) = hydrate(_raw(RawEntity("task", "0_t_1.pb", _task())), OPTIONS)
    request = entity.request
    assert (request.id.project, request.id.domain, request.id.name, request.id.version) == ("p", "d", "t", "v9")
    assert request.id.resource_type == identifier_pb2.TASK
    assert list(request.spec.template.container.args)[2:] == ["s3://b/fast.tar.gz", "--dest-dir", "."]


def test_pod_task_arguments_are_filled_in_every_container() -> None:
    spec = task_pb2.TaskSpec(template=tasks_pb2.TaskTemplate(id=_id(identifier_pb2.TASK, "pod")))
    pod = struct_pb2.Struct()
    pod.update({"containers": [{"name": "main", "args": ["{{ .remote_package_path }}", "{{ .dest_dir }}"]}]})
    spec.template.k8s_pod.pod_spec.CopyFrom(pod)
    options = HydrationOptions(project="p", domain="d", version="v", remote_package_path="s3://x",
                               destination_directory="/root")
    (entity,) = hydrate(_raw(RawEntity("task", "0_pod_1.pb", spec)), options)
    args = entity.request.spec.template.k8s_pod.pod_spec["containers"][0]["args"]
    assert list(args) == ["s3://x", "/root"]


def test_every_node_reference_is_filled_but_references_elsewhere_are_kept() -> None:
    (entity,) = hydrate(_raw(RawEntity("workflow", "1_wf_2.pb", _workflow())), OPTIONS)
    template = entity.request.spec.template
    branch, array, reference = template.nodes
    for node in (branch.branch_node.if_else.case.then_node, branch.branch_node.if_else.else_node,
                 array.array_node.node):
        ident = node.task_node.reference_id
        assert (ident.project, ident.domain, ident.version) == ("p", "d", "v9")
    kept = reference.task_node.reference_id
    assert (kept.project, kept.domain, kept.version) == ("elsewhere", "prod", "v1")
    assert template.id.version == "v9" and entity.request.id.resource_type == identifier_pb2.WORKFLOW


def test_launch_plans_get_the_registration_options() -> None:
    plan = _plan()
    (entity,) = hydrate(_raw(RawEntity("launchplan", "2_lp_3.pb", plan)), OPTIONS)
    spec = entity.request.spec
    assert spec.workflow_id.version == "v9" and spec.workflow_id.project == "p"
    assert spec.auth_role.kubernetes_service_account == "sa" and spec.auth_role.assumable_iam_role == "role"
    assert spec.security_context.run_as.k8s_service_account == "sa"
    assert spec.raw_output_data_config.output_location_prefix == "s3://raw"
    assert [(kv.key, kv.value) for kv in spec.envs.values] == [("K", "V")]


def test_tasks_register_first_and_the_rest_keep_file_order() -> None:
    plan = _plan()
    raw = _raw(RawEntity("launchplan", "0_lp_3.pb", plan), RawEntity("workflow", "1_wf_2.pb", _workflow()),
               RawEntity("task", "2_t_1.pb", _task()))
    assert [e.kind for e in hydrate(raw, OPTIONS)] == ["task", "launchplan", "workflow"]


def test_auto_versions_follow_the_content_and_the_code_archive() -> None:
    raw = _raw(RawEntity("task", "0_t_1.pb", _task()), archive=CodeArchive("fast1.tar.gz", b"code"))
    base = HydrationOptions(project="p", domain="d", version="")
    first = auto_version(raw, base)
    assert first == auto_version(raw, base) and first.startswith("p-") and len(first) == 22
    assert auto_version(_raw(*raw.entities, archive=CodeArchive("fast1.tar.gz", b"code2")), base) != first
    plan = _plan()
    with_plan = _raw(*raw.entities, RawEntity("launchplan", "1_lp_3.pb", plan), archive=raw.archive)
    assert auto_version(with_plan, HydrationOptions(project="p", domain="d", version="", service_account="x")) \
        != auto_version(with_plan, base)  # registration options change what is registered
    # the location Admin gives the archive is not part of the version (it is derived from the same bytes)
    assert auto_version(raw, HydrationOptions(project="p", domain="d", version="",
                                              remote_package_path="s3://elsewhere")) == first


def _tgz(path: Path, members: dict[str, bytes], symlink: bool = False) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            link = tarfile.TarInfo("9_evil_1.pb")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(link)
    return path


def test_archives_are_read_in_memory_and_links_are_never_followed(tmp_path: Path) -> None:
    path = _tgz(tmp_path / "p.tgz", {"0_t_1.pb": _task().SerializeToString(), "fast9.tar.gz": b"zz"}, symlink=True)
    raw = read_package(path, WHERE)
    assert [e.file for e in raw.entities] == ["0_t_1.pb"] and raw.archive == CodeArchive("fast9.tar.gz", b"zz")


@pytest.mark.parametrize(("members", "problem"), [
    ({}, "holds no serialized entities"),
    ({"0_t_1.pb": b"\xff\xff\xff"}, "is not a serialized flyteidl.admin.TaskSpec"),
    ({"0_t_1.pb": _task().SerializeToString(), "fast1.tar.gz": b"a", "fast2.tar.gz": b"b"}, "two code archives"),
])
def test_bad_packages_are_refused_at_the_manifest_line(tmp_path: Path, members: dict[str, bytes], problem: str) -> None:
    path = _tgz(tmp_path / "p.tgz", members)
    with pytest.raises(PackageError) as caught:
        read_package(path, WHERE)
    (found,) = caught.value.problems
    assert (found.file, found.line, found.field) == ("m.yaml", 7, "spec.source") and problem in found.problem


def test_a_file_that_is_no_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.tgz"
    path.write_bytes(b"not a tar")
    with pytest.raises(PackageError, match="cannot read"):
        read_package(path, WHERE)
