"""The offline diff on a scratch git repository with two commits."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli

REPO = Path(__file__).resolve().parents[2]

LP = """apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
  defaultInputs: {limit: LIMIT}
"""


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def test_diff_between_two_commits_shows_semantic_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    (manifests / "lp.yaml").write_text(LP.replace("LIMIT", "100"))
    (manifests / "attrs.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: Attributes\n"
                                          "metadata: {project: flytesnacks, domain: development}\n"
                                          "spec: {executionQueue: [a]}\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "one")
    (manifests / "lp.yaml").write_text(LP.replace("LIMIT", "200"))
    (manifests / "attrs.yaml").unlink()
    (manifests / "wf.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: Workflow\n"
                                       "metadata: {project: flytesnacks, domain: development, name: etl.ingest}\n"
                                       "spec: {description: Ingests}\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "two")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["diff", "--base", "HEAD~1", "--head", "HEAD", "manifests",
                                      "--detailed-exitcode"])
    assert result.exit_code == 2, result.output
    assert "~ launchplan/flytesnacks/development/nightly" in result.output
    assert "spec.defaultInputs.limit: 100 → 200" in result.output
    assert "new launch plan version r-" in result.output
    assert "- attributes/flytesnacks/development/-/execution_queue" in result.output
    assert "+ workflow/flytesnacks/development/etl.ingest" in result.output
    markdown = CliRunner().invoke(cli, ["diff", "--base", "HEAD~1", "manifests", "--format", "markdown"])
    assert markdown.exit_code == 0 and markdown.output.count("```") == 2
    same = CliRunner().invoke(cli, ["diff", "--base", "HEAD", "manifests", "--detailed-exitcode"])
    assert same.exit_code == 0 and "No differences" in same.output
