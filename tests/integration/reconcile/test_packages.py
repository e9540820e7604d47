"""Packages end to end: real `pyflyte package` output registered through the CLI into the embedded admin."""

from __future__ import annotations

import shutil
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2, launch_plan_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages"))
from build import HERE, build

pytestmark = pytest.mark.integration

HEAD = "apiVersion: flyte-reconciler/v1\n"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same workflows packaged plain and fast, and an edited copy (a task changed)."""
    root = tmp_path_factory.mktemp("packages")
    edited = root / "edited-src"
    shutil.copytree(HERE, edited, ignore=shutil.ignore_patterns("__pycache__"))
    etl = edited / "wfs" / "etl.py"
    # A plain package carries interfaces, not code: the edit changes the task's interface.
    etl.write_text(etl.read_text().replace("def double(x: int) -> int:\n    return x * 2",
                                           "def double(x: int, factor: int = 2) -> int:\n    return x * factor"))
    assert "factor" in etl.read_text()
    return {"plain": build(root / "plain.tgz"), "fast": build(root / "fast.tgz", fast=True),
            "edited": build(root / "edited.tgz", source=edited)}


def manifests(repo, source: Path, *, version: str = "auto", launch_plan: bool = True) -> None:  # type: ignore[no-untyped-def]
    text = (HEAD + "kind: Project\nmetadata: {name: flytesnacks}\nspec: {displayName: Flyte Snacks}\n---\n"
            + HEAD + "kind: Package\nmetadata: {project: flytesnacks, domain: development, name: etl}\n"
            f"spec:\n  source: {source}\n  version: {version}\n")
    if launch_plan:
        text += ("---\n" + HEAD + "kind: LaunchPlan\nmetadata: {project: flytesnacks, domain: development, "
                 "name: etl_daily}\nspec:\n  workflow: {package: etl, name: wfs.etl.pipeline}\n"
                 "  defaultInputs: {x: 7}\n")
    (repo.root / "m.yaml").write_text(text)


@pytest.fixture
def stub(admin: LocalAdmin) -> Iterator[AdminServiceStub]:
    channel = grpc.insecure_channel(admin.address)
    yield AdminServiceStub(channel)
    channel.close()


def _registered(stub: AdminServiceStub, resource_type: int, name: str) -> list[str]:
    response = {
        identifier_pb2.TASK: stub.ListTasks, identifier_pb2.WORKFLOW: stub.ListWorkflows,
        identifier_pb2.LAUNCH_PLAN: stub.ListLaunchPlans,
    }[resource_type](common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development", name=name), limit=100))
    return sorted(e.id.version for e in getattr(response, {identifier_pb2.TASK: "tasks",
                                                          identifier_pb2.WORKFLOW: "workflows",
                                                          identifier_pb2.LAUNCH_PLAN: "launch_plans"}[resource_type]))


def _launch_plan_workflow_version(stub: AdminServiceStub) -> str:
    active = stub.GetActiveLaunchPlan(launch_plan_pb2.ActiveLaunchPlanRequest(id=common_pb2.NamedEntityIdentifier(
        project="flytesnacks", domain="development", name="etl_daily")))
    return active.spec.workflow_id.version


def test_a_package_and_the_launch_plan_on_it_apply_in_one_run_and_then_plan_empty(repo, stub, packages) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, packages["plain"])
    planned = repo.run("plan")
    assert planned.exit_code == 0, planned.output
    assert "1 package to add (5 actions)" in planned.output
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    versions = _registered(stub, identifier_pb2.TASK, "wfs.etl.double")
    assert len(versions) == 1 and versions[0].startswith("p-")
    assert _registered(stub, identifier_pb2.WORKFLOW, "wfs.etl.pipeline") == versions
    assert _registered(stub, identifier_pb2.LAUNCH_PLAN, "wfs.etl.nightly") == versions
    assert _launch_plan_workflow_version(stub) == versions[0]  # the launch plan runs what the package registered
    again = repo.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_editing_a_task_registers_a_new_auto_version_and_switches_the_launch_plan(repo, stub, admin, packages
                                                                                    ) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, packages["plain"])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    first = _launch_plan_workflow_version(stub)
    manifests(repo, packages["edited"])
    planned = repo.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    second = _launch_plan_workflow_version(stub)
    assert second != first and second.startswith("p-")
    assert _registered(stub, identifier_pb2.TASK, "wfs.etl.double") == sorted([first, second])
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_pinned_version_with_changed_content_is_refused_before_any_write(repo, stub, admin, packages
                                                                           ) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, packages["plain"], version="v1", launch_plan=False)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    manifests(repo, packages["edited"], version="v1", launch_plan=False)
    admin.reset_counters()
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "task/wfs.etl.double version 'v1' is already registered with different content" in result.output
    assert "interface.inputs.variables.factor" in result.output  # the field difference is shown
    assert admin.write_calls() == 0


def test_fast_registration_uploads_the_code_archive_byte_identical_once(repo, admin, packages) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, packages["fast"])
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "upload_package_archive" in result.output
    with tarfile.open(packages["fast"]) as tar:
        member = next(m for m in tar if m.name.startswith("fast"))
        original = tar.extractfile(member).read()  # type: ignore[union-attr]
    stored = admin.db  # the blob table holds what the signed PUT delivered
    with stored.read() as conn:
        rows = conn.execute("SELECT native_url, data FROM blobs").fetchall()
    assert len(rows) == 1 and bytes(rows[0]["data"]) == original
    assert admin.blob(rows[0]["native_url"]) == original
    admin.reset_counters()
    again = repo.run("apply", "--auto-approve")  # nothing to register: no upload either
    assert again.exit_code == 0 and "upload_package_archive" not in again.output
    assert admin.write_calls() == 0


def test_the_tasks_of_a_fast_package_point_at_the_uploaded_archive(repo, stub, admin, packages) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, packages["fast"], launch_plan=False)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    version = _registered(stub, identifier_pb2.TASK, "wfs.etl.double")[0]
    task = stub.GetTask(common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project="flytesnacks", domain="development", name="wfs.etl.double",
        version=version)))
    args = list(task.closure.compiled_task.template.container.args)
    location = args[args.index("--additional-distribution") + 1]
    assert location.startswith("s3://my-s3-bucket/flytesnacks/development/") and admin.blob(location) is not None


def test_a_saved_plan_with_a_package_applies_exactly(repo, stub, packages, tmp_path) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, packages["fast"])
    out = tmp_path / "p.json"
    assert repo.run("plan", "--out", str(out)).exit_code == 0
    applied = repo.run("apply", "--plan", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_missing_source_is_refused_with_its_line(repo, admin) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, repo.root / "nope.tgz", launch_plan=False)
    result = repo.run("plan")
    assert result.exit_code == 1
    assert f"{repo.root / 'm.yaml'}:10: Package package/flytesnacks/development/etl: spec.source:" in result.output
    assert admin.write_calls() == 0


def test_flytekit_reads_back_what_the_package_registered(repo, stub, packages) -> None:  # type: ignore[no-untyped-def]
    flytekit_remote = pytest.importorskip("flytekit.remote")
    from flytekit.configuration import Config

    manifests(repo, packages["fast"], launch_plan=False)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    version = _registered(stub, identifier_pb2.WORKFLOW, "wfs.etl.pipeline")[0]
    remote = flytekit_remote.FlyteRemote(Config.for_endpoint(repo.admin.address, insecure=True),
                                         default_project="flytesnacks", default_domain="development")
    workflow = remote.fetch_workflow(name="wfs.etl.pipeline", version=version)
    assert workflow.id.version == version
    assert set(workflow.interface.inputs) == {"x"} and set(workflow.interface.outputs) == {"o0"}
    assert {n.id for n in workflow.nodes} >= {"n0", "n1"}


def test_sandbox_serve_seeds_pyflyte_output_hydrated_like_a_package(tmp_path, packages) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal
    import socket
    import subprocess
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", str(port),
             "--db", str(tmp_path / "s.db"), "--no-samples", "--seed", str(packages["fast"]),
             "--seed-project", "demo", "--seed-domain", "staging"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"})
    try:
        deadline = time.monotonic() + 120
        while b"Registered" not in log.read_bytes():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert b"Registered 5 entities" in log.read_bytes() and b"demo/staging at version p-" in log.read_bytes()
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        with channel:
            listed = AdminServiceStub(channel).ListWorkflows(common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project="demo", domain="staging", name="wfs.etl.pipeline"),
                limit=10))
        assert [w.id.version[:2] for w in listed.workflows] == ["p-"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_prune_packages_is_refused_with_its_line(repo, packages) -> None:  # type: ignore[no-untyped-def]
    manifests(repo, packages["plain"], launch_plan=False)
    (repo.root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\nprune:\n  packages: true\n")
    result = repo.run("plan")
    assert result.exit_code == 1
    assert "flyte-reconciler.yaml:3: Config: prune.packages: Flyte Admin cannot delete tasks" in result.output
