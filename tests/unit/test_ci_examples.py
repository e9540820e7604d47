"""The GitHub action, the copyable workflows and the pre-commit hook parse and reference only what exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from reconciler.cli import cli

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / ".github" / "actions" / "flyte-reconciler" / "action.yml"


def test_action_declares_what_its_steps_use() -> None:
    action = yaml.safe_load(ACTION.read_text())
    inputs, outputs = set(action["inputs"]), set(action["outputs"])
    text = ACTION.read_text()
    assert set(re.findall(r"inputs\.([a-z-]+)", text)) <= inputs
    step_outputs = set(re.findall(r"echo \"([a-z-]+)=", text))
    assert {o["value"].split(".")[-1].rstrip(" }") for o in action["outputs"].values()} <= step_outputs
    assert {"exit-code", "plan-file", "has-changes"} <= outputs


def test_example_workflows_use_only_declared_action_inputs_and_outputs() -> None:
    action = yaml.safe_load(ACTION.read_text())
    for path in sorted((REPO / "examples" / "github").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            steps = {s.get("id"): s for s in job["steps"]}
            for step in job["steps"]:
                if step.get("uses") == "./.github/actions/flyte-reconciler":
                    assert set(step["with"]) <= set(action["inputs"]), path
            for step_id, output in re.findall(r"steps\.([a-z]+)\.outputs\.([a-z-]+)", path.read_text()):
                assert step_id in steps and output in action["outputs"], (path, step_id, output)


def test_commands_used_by_ci_examples_exist() -> None:
    texts = [p.read_text() for p in [ACTION, *(REPO / "examples").rglob("*.yml")]]
    used = {m for t in texts for m in re.findall(r"flyte-reconciler (validate|plan|apply|show|diff|export)", t)}
    assert used <= set(cli.commands)


def test_pre_commit_hook_runs_validate() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "flyte-reconciler-validate" and hooks[0]["entry"] == "flyte-reconciler validate"
    gitlab = yaml.safe_load((REPO / "examples" / "gitlab" / ".gitlab-ci.yml").read_text())
    assert {"validate", "plan", "apply", "drift"} <= set(gitlab)
