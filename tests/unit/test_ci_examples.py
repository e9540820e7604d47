"""The GitHub action, the copyable workflows, the GitLab pipeline and the pre-commit hook: they
parse, pass actionlint, reference only what exists, install the tool from its own source, and
apply only the plan that was reviewed, in the environment it was reviewed for."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
import yaml

from reconciler.cli import cli

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / ".github" / "actions" / "flyte-reconciler" / "action.yml"
ROOT_ACTION = REPO / "action.yml"
RUN_SH = ACTION.parent / "run.sh"
GITHUB = REPO / "examples" / "github"
GITLAB = REPO / "examples" / "gitlab" / ".gitlab-ci.yml"
PUBLISHED_ACTION = "OWNER/flyte-reconciler@v1"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _our_steps(workflow: dict) -> list[dict]:
    ours = (PUBLISHED_ACTION, "./", "./.github/actions/flyte-reconciler")
    return [s for s in _steps(workflow) if s.get("uses") in ours]


# -- actionlint -------------------------------------------------------------------------------------

ACTIONLINT = shutil.which("actionlint")
# Skipped only outside CI: .ci/run builds actionlint from the Go module proxy, so in CI a missing binary fails.
needs_actionlint = pytest.mark.skipif(
    ACTIONLINT is None and not os.environ.get("CI"),
    reason="actionlint not installed (go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12, "
           "or pip install -e '.[actionlint]' where GitHub is reachable)")


def _lint_project(tmp_path: Path, workflows: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A throwaway repository holding both actions and ``workflows``; actionlint checks the workflows
    and, through their ``uses: ./…`` steps, the inputs and outputs the action files declare."""
    shutil.copy(ROOT_ACTION, tmp_path / "action.yml")
    shutil.copytree(REPO / ".github" / "actions", tmp_path / ".github" / "actions")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    for name, text in workflows.items():
        (tmp_path / ".github" / "workflows" / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert ACTIONLINT is not None
    return subprocess.run([ACTIONLINT, "-no-color", "-shellcheck=", "-pyflakes="], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


@needs_actionlint
def test_actionlint_passes_on_the_examples_against_both_action_files(tmp_path: Path) -> None:
    workflows = {f"example-{p.name}": p.read_text().replace(PUBLISHED_ACTION, "./") for p in GITHUB.glob("*.yml")}
    workflows.update({f"nested-{p.name}": p.read_text().replace(PUBLISHED_ACTION, "./.github/actions/flyte-reconciler")
                      for p in GITHUB.glob("*.yml")})
    workflows.update({p.name: p.read_text() for p in (REPO / ".github" / "workflows").glob("*.yml")})
    result = _lint_project(tmp_path, workflows)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_actionlint
def test_actionlint_catches_an_undeclared_input_or_output(tmp_path: Path) -> None:
    probe = ("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - id: p\n        uses: ./\n"
             "        with:\n          command: plan\n          version: flyte-reconciler\n"
             "      - run: echo ${{ steps.p.outputs.plan-json }}\n")
    result = _lint_project(tmp_path, {"probe.yml": probe})
    assert result.returncode == 1
    assert 'input "version" is not defined' in result.stdout and 'property "plan-json"' in result.stdout


def test_run_sh_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(RUN_SH)], check=True)


# -- installation -----------------------------------------------------------------------------------

def test_both_action_files_are_the_same_action_installed_from_its_own_checkout() -> None:
    nested, root = _load(ACTION), _load(ROOT_ACTION)
    assert {k: v for k, v in nested.items() if k != "runs"} == {k: v for k, v in root.items() if k != "runs"}
    install = [s for s in root["runs"]["steps"] if "pip install" in s.get("run", "")]
    assert len(install) == 1 and install[0]["env"]["FR_SOURCE"] == "${{ github.action_path }}"
    nested_install = [s for s in nested["runs"]["steps"] if "pip install" in s.get("run", "")]
    assert nested_install[0]["env"]["FR_SOURCE"] == "${{ github.action_path }}/../../.."
    assert (ACTION.parent / "../../..").resolve() == REPO and (REPO / "pyproject.toml").is_file()
    assert _without_paths(nested["runs"]) == _without_paths(root["runs"])


def _without_paths(runs: dict) -> dict:
    """The steps without the two values that may differ: where the source and run.sh are."""
    steps = [{**s, "env": {k: v for k, v in s.get("env", {}).items() if k not in ("FR_SOURCE", "FR_ACTION_DIR")}}
             for s in runs["steps"]]
    return {**runs, "steps": steps}


def test_nothing_installs_the_tool_by_name_from_a_package_registry() -> None:
    texts = {p: p.read_text() for p in [ACTION, ROOT_ACTION, RUN_SH, GITLAB, *GITHUB.glob("*.yml"),
                                       *(REPO / "README.md",)]}
    for path, text in texts.items():
        for install in re.finditer(r"pip install([^\n&;|]*)", text):
            for token in install.group(1).split():
                assert not re.fullmatch(r"flyte-reconciler(\[.*\])?([<>=!~].*)?", token.strip("\"'")), (path, token)
        assert "version: flyte-reconciler" not in text, path
    assert "FLYTE_RECONCILER_SOURCE: \"git+https://github.com/OWNER/flyte-reconciler@v1\"" in texts[GITLAB]


# -- the workflows ----------------------------------------------------------------------------------

def test_examples_use_only_declared_inputs_and_outputs() -> None:
    action = _load(ACTION)
    for path in sorted(GITHUB.glob("*.yml")):
        workflow = _load(path)
        for step in _our_steps(workflow):
            assert set(step["with"]) <= set(action["inputs"]), path
        ids = {s.get("id") for s in _steps(workflow)}
        for step_id, output in re.findall(r"steps\.([a-z]+)\.outputs\.([a-z-]+)", path.read_text()):
            assert step_id in ids, (path, step_id)
            if step_id in {s.get("id") for s in _our_steps(workflow)}:
                assert output in action["outputs"], (path, output)


def test_pull_request_plans_every_environment_into_artifacts_keyed_by_head_commit_and_one_comment() -> None:
    workflow = _load(GITHUB / "plan-on-pull-request.yml")
    plan, comment = workflow["jobs"]["plan"], workflow["jobs"]["comment"]
    environments = plan["strategy"]["matrix"]["environment"]
    assert environments == ["staging", "production"]
    step = next(s for s in _our_steps({"jobs": {"plan": plan}}) if s["with"]["command"] == "plan")
    assert step["with"]["environment"] == "${{ matrix.environment }}"
    upload = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "flyte-plan-${{ matrix.environment }}-${{ github.event.pull_request.head.sha }}"
    assert upload["if"].startswith("always()")  # a failed plan's error is uploaded too
    # The comment job runs even when a plan failed, so the comment never keeps a plan that no longer holds.
    assert comment["needs"] == "plan" and comment["if"] == "always()"
    compose = next(s for s in _our_steps({"jobs": {"c": comment}}))
    assert compose["with"]["command"] == "comment" and compose["with"]["expect"] == ",".join(environments)
    poster = next(s for s in comment["steps"] if s.get("uses", "").startswith("actions/github-script"))
    assert "updateComment" in poster["with"]["script"] and "sticky plan comment, part" in poster["with"]["script"]


def test_apply_on_merge_applies_exactly_the_reviewed_plan_of_each_environment() -> None:
    workflow = _load(GITHUB / "apply-on-merge.yml")
    plan_workflow = _load(GITHUB / "plan-on-pull-request.yml")
    apply = workflow["jobs"]["apply"]
    planned = plan_workflow["jobs"]["plan"]["strategy"]["matrix"]["environment"]
    assert apply["strategy"]["matrix"]["environment"] == planned
    assert apply["environment"] == "${{ matrix.environment }}" and apply["needs"] == "reviewed"
    download = next(s for s in apply["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["name"] == "flyte-plan-${{ matrix.environment }}-${{ needs.reviewed.outputs.head-sha }}"
    assert download["with"]["run-id"] == "${{ needs.reviewed.outputs.run-id }}"
    (ours,) = _our_steps({"jobs": {"apply": apply}})
    assert ours["with"] == {"command": "apply", "environment": "${{ matrix.environment }}",
                            "plan-file": "reviewed/plan.json"}
    refused = next(s for s in apply["steps"] if s.get("if") == "failure()")
    assert "createComment" in refused["with"]["script"]
    # The reviewed job looks up the plan workflow by the file name the examples are copied under.
    assert "workflow_id: 'plan-on-pull-request.yml'" in workflow["jobs"]["reviewed"]["steps"][0]["with"]["script"]
    # No step of any example plans and applies in one go.
    for path in GITHUB.glob("*.yml"):
        for step in _our_steps(_load(path)):
            assert step["with"]["command"] != "apply" or step["with"].get("plan-file"), path


def test_the_action_refuses_apply_without_a_saved_plan_and_checks_its_environment() -> None:
    text = RUN_SH.read_text()
    assert 'flyte-reconciler apply --plan "$FR_PLAN_FILE"' in text
    assert "apply needs plan-file" in text and '[ "$planned_env" != "$FR_ENV" ]' in text
    assert re.findall(r"flyte-reconciler apply(?! --plan)", text) == []


def test_drift_workflow_reports_unmanaged_objects_through_the_exit_code() -> None:
    workflow = _load(GITHUB / "drift-detection.yml")
    (step,) = _our_steps(workflow)
    assert step["with"]["command"] == "plan" and "--detailed-exitcode" in RUN_SH.read_text()
    assert "unmanaged" in (GITHUB / "drift-detection.yml").read_text()


def test_gitlab_pipeline_has_the_same_flows() -> None:
    gitlab = _load(GITLAB)
    assert {"validate", "plan", "comment", "apply", "drift"} <= set(gitlab)
    assert gitlab["plan"]["parallel"]["matrix"] == [{"ENVIRONMENT": ["staging", "production"]}]
    assert gitlab["plan"]["artifacts"]["when"] == "always" and gitlab["comment"]["when"] == "always"
    apply = "\n".join(gitlab["apply"]["script"])
    assert "fetch-reviewed" in apply and "apply --plan" in apply and "refused" in apply
    assert re.findall(r"flyte-reconciler apply(?! --plan)", apply) == []
    assert (GITLAB.parent / "flyte_ci.py").is_file()


def test_commands_used_by_ci_examples_exist() -> None:
    texts = [p.read_text() for p in [ACTION, RUN_SH, GITLAB, *(REPO / "examples").rglob("*.yml")]]
    used = {m for t in texts for m in re.findall(r"flyte-reconciler (validate|plan|apply|show|diff|export)", t)}
    assert {"validate", "plan", "apply", "show"} <= used <= set(cli.list_commands(click.Context(cli)))


def test_pre_commit_hook_runs_validate() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "flyte-reconciler-validate" and hooks[0]["entry"] == "flyte-reconciler validate"


def test_readme_shows_how_to_use_it_in_ci() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Use in CI", 1)[1].split("\n## ", 1)[0]
    assert f"uses: {PUBLISHED_ACTION}" in section
    for mention in ("examples/github/", "examples/gitlab/", ".pre-commit-hooks.yaml", "flyte-reconciler-validate",
                    "--format github", "drift.unmanaged"):
        assert mention in section, mention


def test_gitlab_glue_records_a_plan_or_an_error_for_the_note(tmp_path: Path) -> None:
    import json
    import sys

    from reconciler.plan.model import Plan

    script = str(GITLAB.parent / "flyte_ci.py")
    ok, failed = tmp_path / "plans" / "staging", tmp_path / "plans" / "production"
    ok.mkdir(parents=True)
    failed.mkdir(parents=True)
    (ok / "plan.json").write_text(Plan(tool_version="t", manifests_digest="d", environment="staging").to_json())
    (ok / "stderr.txt").write_text("Saved the plan")
    (failed / "stderr.txt").write_text("Error: UNAVAILABLE")
    for directory, environment, code in ((ok, "staging", "0"), (failed, "production", "1")):
        subprocess.run([sys.executable, script, "record", str(directory), "--environment", environment,
                        "--exit-code", code, "--log-url", "https://ci/job/1"], check=True)
    assert json.loads((ok / "result.json").read_text()) == {
        "environment": "staging", "exit_code": 0, "log_url": "https://ci/job/1", "plan": "plan.json", "error": None}
    assert json.loads((failed / "result.json").read_text())["error"] == "error.txt"
    assert (failed / "error.txt").read_text() == "Error: UNAVAILABLE"
