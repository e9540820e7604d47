"""``--format github``: one ``::error file=F,line=L::message`` per manifest problem, for validate and plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.cli.annotations import error_annotations, problem_annotation
from reconciler.errors import ManifestProblem, PlanError

BAD = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec:
  displayName: Flyte Snacks
  stat: active
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: daily}
spec:
  workflow: {name: reports.daily, version: v1}
  schedule: {cron: "not a cron"}
"""


@pytest.fixture
def bad_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "bad.yaml").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _annotations(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("::")]


@pytest.mark.parametrize("command", [["validate"], ["plan", "--endpoint", "127.0.0.1:9", "--insecure"]])
def test_every_manifest_problem_is_one_error_annotation_at_its_line(bad_repo: Path, command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "manifests/", "--format", "github"])
    assert result.exit_code == 1, result.output
    found = _annotations(result.stdout)
    assert len(found) == 2, found
    assert found[0].startswith("::error file=manifests/bad.yaml,line=6::Project project/flytesnacks: spec.stat: "
                               "unknown field 'stat'")
    assert re.match(r"::error file=manifests/bad\.yaml,line=13::LaunchPlan launchplan/flytesnacks/development/daily: "
                    r"spec\.schedule\.cron: ", found[1])
    assert "Error:" in result.stderr  # the usual message is still there


def test_without_the_format_there_are_no_annotations(bad_repo: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "manifests/"])
    assert result.exit_code == 1 and not _annotations(result.output)


def test_messages_and_properties_are_escaped_as_the_runner_expects() -> None:
    problem = ManifestProblem("dir,x/a:b.yaml", 3, "Project", "project/p", "spec", "50% bad\nsecond line")
    assert problem_annotation(problem) == ("::error file=dir%2Cx/a%3Ab.yaml,line=3::"
                                           "Project project/p: spec: 50%25 bad%0Asecond line")
    warning = ManifestProblem("a.yaml", 1, "", "", "", "unused", severity="warning")
    assert problem_annotation(warning) == "::warning file=a.yaml,line=1::unused"


def test_an_error_without_a_location_is_one_annotation() -> None:
    (line,) = error_annotations(PlanError("the selection matches nothing", hint="fix it"))
    assert line == "::error::the selection matches nothing%0A  hint: fix it"
