"""Seeding registers serialized entities through the admin's gRPC API (placeholders substituted)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.errors import AdminError, ConfigError
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.seed import (
    SAMPLE_DOMAINS,
    SAMPLE_PROJECTS,
    SAMPLE_VERSIONS,
    SAMPLES_DIR,
    seed_directory,
    seed_samples,
)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ("reports.daily_report", "etl.ingest", "ml.train_model", "ml.evaluate", "ops.cleanup")


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0) as running:
        yield running


@pytest.fixture
def stub(admin: LocalAdmin) -> Iterator[AdminServiceStub]:
    with grpc.insecure_channel(admin.address) as channel:
        yield AdminServiceStub(channel)


def lp_id(project: str, domain: str, name: str, version: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project=project, domain=domain, name=name, version=version
    )


def get_lp(
    stub: AdminServiceStub, project: str, domain: str, name: str, version: str
) -> launch_plan_pb2.LaunchPlan:
    return stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id(project, domain, name, version)))


def test_seed_samples_registers_every_combination(admin: LocalAdmin, stub: AdminServiceStub) -> None:
    report = seed_samples(admin)
    expected = len(SAMPLE_PROJECTS) * len(SAMPLE_DOMAINS) * len(SAMPLE_VERSIONS) * len(WORKFLOWS) * 3
    assert (report.skipped, report.created) == (False, expected + len(SAMPLE_PROJECTS))
    listed = stub.ListProjects(project_pb2.ProjectListRequest())
    assert {"flytesnacks", "analytics"} <= {p.id for p in listed.projects}
    for project in SAMPLE_PROJECTS:
        for domain in SAMPLE_DOMAINS:
            for version in SAMPLE_VERSIONS:
                for name in WORKFLOWS:
                    plan = get_lp(stub, project, domain, name, version)
                    assert plan.spec.workflow_id == identifier_pb2.Identifier(
                        resource_type=identifier_pb2.WORKFLOW,
                        project=project,
                        domain=domain,
                        name=name,
                        version=version,
                    )
                    assert plan.closure.state == launch_plan_pb2.INACTIVE


def test_sample_launch_plans_carry_python_defaults(admin: LocalAdmin, stub: AdminServiceStub) -> None:
    seed_samples(admin)
    params = get_lp(
        stub, "flytesnacks", "development", "reports.daily_report", "v1"
    ).spec.default_inputs.parameters
    assert params["run_date"].required
    assert params["region"].default.scalar.primitive.string_value == "us"
    assert params["limit"].default.scalar.primitive.integer == 100
    assert params["dry_run"].default.scalar.primitive.boolean is False
    assert params["dry_run"].HasField("default")
    params = get_lp(stub, "analytics", "production", "ml.train_model", "v2").spec.default_inputs.parameters
    assert params["dataset"].required
    assert params["learning_rate"].default.scalar.primitive.float_value == pytest.approx(0.01)
    assert params["params"].var.type.map_value_type.simple == 3  # STRING
    assert len(params["params"].default.map.literals) == 0
    assert params["timeout"].default.scalar.primitive.duration.seconds == 3600
    params = get_lp(stub, "flytesnacks", "staging", "etl.ingest", "v1").spec.default_inputs.parameters
    assert [x.scalar.primitive.string_value for x in params["tables"].default.collection.literals] == [
        "events"
    ]
    assert {n for n, p in params.items() if p.required} == {"since", "source"}
    params = get_lp(stub, "flytesnacks", "staging", "ml.evaluate", "v1").spec.default_inputs.parameters
    assert [x.scalar.primitive.string_value for x in params["metrics"].default.collection.literals] == [
        "accuracy"
    ]
    params = get_lp(stub, "flytesnacks", "staging", "ops.cleanup", "v2").spec.default_inputs.parameters
    assert (params["kickoff"].required, params["older_than_days"].default.scalar.primitive.integer) == (
        True,
        30,
    )


def test_seed_samples_is_fast_when_already_seeded(admin: LocalAdmin) -> None:
    seed_samples(admin)
    started = time.perf_counter()
    report = seed_samples(admin)
    assert report.skipped
    assert time.perf_counter() - started < 0.5


def test_seed_samples_completes_a_partial_seed(admin: LocalAdmin, stub: AdminServiceStub) -> None:
    stub.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="flytesnacks", name="Flyte Snacks"))
    )
    report = seed_samples(admin)
    assert report.existing == 1  # the project; everything else is created
    assert stub.GetProject(project_pb2.ProjectGetRequest(id="flytesnacks")).name == "Flyte Snacks"


def test_seed_directory_substitutes_placeholders_and_is_idempotent(
    admin: LocalAdmin, stub: AdminServiceStub, tmp_path: Path
) -> None:
    stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="team", name="t")))
    directory = tmp_path / "pkg"
    shutil.copytree(SAMPLES_DIR, directory, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__"))
    first = seed_directory(admin.address, directory, project="team", domain="staging", version="abc123")
    assert (first.created, first.existing) == (15, 0)
    again = seed_directory(admin, directory, project="team", domain="staging", version="abc123")
    assert (again.created, again.existing) == (0, 15)
    task = stub.GetTask(
        common_pb2.ObjectGetRequest(
            id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.TASK,
                project="team",
                domain="staging",
                name="ops.cleanup_task",
                version="abc123",
            )
        )
    )
    assert task.id.version == "abc123"


def test_seed_directory_reports_admin_errors_with_the_file(admin: LocalAdmin, tmp_path: Path) -> None:
    with pytest.raises(AdminError) as info:
        seed_directory(admin.address, SAMPLES_DIR, project="unregistered", domain="development", version="v1")
    assert info.value.code == "INVALID_ARGUMENT"
    assert "00_reports.daily_report_task_1.pb" in str(info.value)
    with pytest.raises(ConfigError, match="does not exist"):
        seed_directory(admin.address, tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "0_x_1.pb").write_bytes(b"\xff\xff\xff")
    with pytest.raises(ConfigError, match=r"not a serialized flyteidl\.admin\.TaskSpec"):
        seed_directory(admin.address, bad, project="p", domain="development", version="v1")


def test_shipped_samples_match_the_generator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = ROOT / "scripts" / "make_sample_workflows.py"
    spec = importlib.util.spec_from_file_location("make_sample_workflows", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    written = module.write_samples(tmp_path)
    shipped = sorted(SAMPLES_DIR.glob("*.pb"))
    assert [p.name for p in written] == [p.name for p in shipped]
    for fresh, old in zip(written, shipped, strict=True):
        assert fresh.read_bytes() == old.read_bytes(), (
            f"{old.name} is stale: run scripts/make_sample_workflows.py"
        )
