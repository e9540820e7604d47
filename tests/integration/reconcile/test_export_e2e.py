"""Export the sample organisation applied to the embedded admin, then plan against it: no changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from reconciler.cli import cli

REPO = Path(__file__).resolve().parents[3]


def test_export_then_plan_is_empty(tmp_path: Path, admin) -> None:
    connect = ["--endpoint", admin.address, "--insecure"]
    manifests = tmp_path / "sample"
    shutil.copytree(REPO / "manifests", manifests)
    shutil.copy(REPO / "flyte-reconciler.yaml", tmp_path / "flyte-reconciler.yaml")
    applied = CliRunner().invoke(cli, ["apply", str(manifests), "--env", "sandbox", "--auto-approve", *connect])
    assert applied.exit_code == 0, applied.output
    exported = tmp_path / "exported"
    result = CliRunner().invoke(cli, ["export", "--project", "flytesnacks", "--project", "analytics",
                                      "--out", str(exported), *connect])
    assert result.exit_code == 0, result.output
    text = (exported / "analytics.yaml").read_text()
    assert "kind: LaunchPlan" in text and "version: r-" in text and "kind: Workflow" in text
    (exported / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks, analytics]}\n")
    plan = CliRunner().invoke(cli, ["plan", str(exported), "--detailed-exitcode", *connect])
    assert plan.exit_code == 0, plan.output
    assert "No changes" in plan.output
