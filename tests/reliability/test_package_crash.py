"""Crash safety of package registration: `apply` of a 51-entity package (17 tasks, 17 workflows, 17 default
launch plans, built with `pyflyte package`) is killed with SIGKILL at seeded write counts; one more
apply converges (exit 0, then an empty plan), with every entity registered once at the planned version."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin
from tests.reliability.org_checks import cli
from tests.reliability.test_crash_and_concurrency import _kill_at

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packages"))
from build import HERE, build

pytestmark = pytest.mark.integration

STEPS = 17
KILLS = 4


def _many(source: Path) -> None:
    lines = ["from flytekit import task, workflow", ""]
    for i in range(STEPS):
        lines += ["@task", f"def step{i}(x: int) -> int:", f"    return x + {i}", "",
                  "@workflow", f"def flow{i}(x: int = {i}) -> int:", f"    return step{i}(x=x)", ""]
    (source / "wfs" / "many.py").write_text("\n".join(lines))


def test_kill_9_during_a_package_registration_then_rerun_converges(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(HERE, source, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "wfs" / "etl.py").unlink()
    _many(source)
    package = build(tmp_path / "many.tgz", source=source)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n")
    (root / "m.yaml").write_text(
        "apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: flytesnacks}\nspec: {displayName: F}\n---\n"
        "apiVersion: flyte-reconciler/v1\nkind: Package\nmetadata: {project: flytesnacks, domain: development, "
        f"name: many}}\nspec: {{source: {package}}}\n")
    rng = random.Random(7)
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0, seed_samples=True) as admin:
        args = ["apply", str(root), "--auto-approve", "--endpoint", admin.address, "--insecure", "--parallelism", "1"]
        kills = 0
        for _ in range(KILLS):
            if _kill_at(admin, args, admin.write_calls() + rng.randint(1, 12), tmp_path / "kills.log"):
                kills += 1
        assert kills >= 1
        final = cli(*args)
        assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
        plan = cli("plan", str(root), "--endpoint", admin.address, "--insecure", "--detailed-exitcode")
        assert plan.returncode == 0, plan.stdout[-3000:]
        channel = grpc.insecure_channel(admin.address)
        with channel:
            stub = AdminServiceStub(channel)
            request = common_pb2.ResourceListRequest(id=common_pb2.NamedEntityIdentifier(
                project="flytesnacks", domain="development"), limit=1000, filters="contains(name,wfs.many)")
            tasks = stub.ListTasks(request).tasks
            workflows = stub.ListWorkflows(request).workflows
        assert len(tasks) == STEPS and len(workflows) == STEPS
        assert len({t.id.version for t in [*tasks, *workflows]}) == 1  # one version, each entity once
