"""Export keeps inactive launch plans (as ``active: false``) and launch-plan descriptions (over gRPC)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner
from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2

from reconciler.cli import cli

REPO = Path(__file__).resolve().parents[3]


def test_export_then_plan_loses_nothing(tmp_path: Path, admin, stub) -> None:  # type: ignore[no-untyped-def]
    connect = ["--endpoint", admin.address, "--insecure"]
    manifests = tmp_path / "sample"
    shutil.copytree(REPO / "manifests", manifests)
    shutil.copy(REPO / "flyte-reconciler.yaml", tmp_path / "flyte-reconciler.yaml")
    applied = CliRunner().invoke(cli, ["apply", str(manifests), "--env", "sandbox", "--auto-approve", *connect])
    assert applied.exit_code == 0, applied.output
    described = common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="production", name="weekly_cleanup")
    stub.UpdateNamedEntity(common_pb2.NamedEntityUpdateRequest(
        resource_type=identifier_pb2.LAUNCH_PLAN, id=described,
        metadata=common_pb2.NamedEntityMetadata(description="Deletes old artefacts every Sunday")))

    exported = tmp_path / "exported"
    result = CliRunner().invoke(cli, ["export", "--project", "flytesnacks", "--out", str(exported), *connect])
    assert result.exit_code == 0, result.output
    docs = [d for d in yaml.safe_load_all((exported / "flytesnacks.yaml").read_text()) if d]
    plans = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "LaunchPlan"}
    assert plans["evaluate_adhoc"]["active"] is False and plans["evaluate_adhoc"]["version"].startswith("r-")
    assert plans["weekly_cleanup"]["description"] == "Deletes old artefacts every Sunday"

    (exported / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    plan = CliRunner().invoke(cli, ["plan", str(exported), "--detailed-exitcode", *connect])
    assert plan.exit_code == 0, plan.output
    assert "Unmanaged" not in plan.output
