"""Saved plans with runs cannot lie: an edited launch_run or terminate_run (digest recomputed, as anyone
can) is refused by `apply --plan` with zero writes; the untouched plan applies exactly its actions."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flyteidl.admin import execution_pb2
from flyteidl.core import literals_pb2

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import LifecycleSettings
from reconciler.plan.integrity import KEY_VARIABLE, seal

MANIFESTS = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: flytesnacks, description: 'Sample project flytesnacks (seeded by the embedded admin)'}
---
apiVersion: flyte-reconciler/v1
kind: Run
metadata: {project: flytesnacks, domain: development, name: migrate}
spec:
  workflow: {name: reports.daily_report, version: v1}
  inputs: {run_date: 2024-01-01T00:00:00Z, limit: 5}
  labels: {team: data}
  generation: GENERATION
  terminatePrevious: true
---
apiVersion: flyte-reconciler/v1
kind: Run
metadata: {project: flytesnacks, domain: development, name: other}
spec: {workflow: {name: ml.evaluate, version: v1}, inputs: {model_uri: s3://m}}
"""


def _launch(doc: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in doc["actions"] if a["type"] == "launch_run")


def _terminate(doc: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in doc["actions"] if a["type"] == "terminate_run")


def _payload_inputs(doc: dict[str, Any]) -> None:  # what is sent changes, what is shown stays
    launch = _launch(doc)
    inputs = literals_pb2.LiteralMap.FromString(base64.b64decode(launch["inputs"]))
    inputs.literals["limit"].scalar.primitive.integer = 5000
    launch["inputs"] = base64.b64encode(inputs.SerializeToString()).decode()


def _payload_entity(doc: dict[str, Any]) -> None:
    launch = _launch(doc)
    spec = execution_pb2.ExecutionSpec.FromString(base64.b64decode(launch["spec"]))
    spec.launch_plan.name = "ops.cleanup"
    launch["spec"] = base64.b64encode(spec.SerializeToString()).decode()


def _shown_inputs(doc: dict[str, Any]) -> None:  # what is shown changes, what is sent stays
    _launch(doc)["after"]["inputs"]["limit"] = 1


def _rename(doc: dict[str, Any]) -> None:
    _launch(doc)["name"] = _launch(doc)["after"]["execution"] = "run-migrate-g9-abcdef"


def _relabel(doc: dict[str, Any]) -> None:
    _launch(doc)["run_label"] = "other"


def _terminate_another_run(doc: dict[str, Any]) -> None:
    _terminate(doc)["name"] = _terminate(doc)["before"]["execution"] = "run-other-g1-123456"


def _move_launch(doc: dict[str, Any]) -> None:
    launch = _launch(doc)
    doc["fingerprints"]["run/flytesnacks/development/other"] = doc["fingerprints"][launch["address"]]
    launch["address"] = "run/flytesnacks/development/other"


EDITS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("payload inputs", _payload_inputs, "is not the one the plan shows"),
    ("payload entity", _payload_entity, "is not the one the plan shows"),
    ("shown inputs", _shown_inputs, "is not the one the plan shows"),
    ("execution name", _rename, "is not the execution of generation 2 of this run"),
    ("run label", _relabel, "would be labelled as run other"),
    ("terminate another run", _terminate_another_run, "does not belong to this run"),
    ("launch moved to another run", _move_launch, "is not the execution of generation 2 of this run"),
]


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalAdmin, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("runs-saved")
    root = tmp / "repo"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n")
    lifecycle = LifecycleSettings(duration_s=3600)  # generation 1 still runs when generation 2 is planned
    with LocalAdmin.start(db_path=tmp / "a.db", port=0, seed_samples=True, lifecycle=lifecycle) as admin:
        connect = ["--endpoint", admin.address, "--insecure"]
        (root / "m.yaml").write_text(MANIFESTS.replace("GENERATION", "1"))
        first = CliRunner().invoke(cli, ["apply", str(root), "--auto-approve", *connect])
        assert first.exit_code == 0, first.output
        (root / "m.yaml").write_text(MANIFESTS.replace("GENERATION", "2"))
        out = tmp / "plan.json"
        made = CliRunner().invoke(cli, ["plan", str(root), "--out", str(out), *connect], env={KEY_VARIABLE: ""})
        assert made.exit_code == 0, made.output
        yield admin, json.loads(out.read_text())


def _apply(path: Path, admin: LocalAdmin) -> Any:
    return CliRunner().invoke(cli, ["apply", "--plan", str(path), "--endpoint", admin.address, "--insecure",
                                    "--auto-approve"], env={KEY_VARIABLE: ""})


@pytest.mark.parametrize(("name", "edit", "expect"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edited_run_action_is_refused_with_zero_writes(setting, tmp_path: Path, name: str,
                                                          edit: Callable[[dict[str, Any]], None], expect: str) -> None:
    admin, plan = setting
    doc = copy.deepcopy(plan)
    edit(doc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(seal(doc)))
    writes = admin.write_calls()
    result = _apply(path, admin)
    assert result.exit_code == 1, result.output
    assert expect in result.output, result.output
    assert "Traceback" not in result.output
    assert admin.write_calls() == writes


def test_the_untouched_plan_applies_exactly_its_run_actions(setting, tmp_path: Path) -> None:
    """Run last: the same plan unedited launches generation 2 and terminates generation 1."""
    admin, plan = setting
    assert [a["type"] for a in plan["actions"]] == ["launch_run", "terminate_run"]
    path = tmp_path / "as-saved.json"
    path.write_text(json.dumps(plan))
    writes = admin.write_calls()
    result = _apply(path, admin)
    assert result.exit_code == 0, result.output
    assert admin.write_calls() - writes == 2
