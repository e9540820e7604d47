"""The PR loop as the action runs it (run.sh, as a subprocess, against two embedded admins standing in
for staging and production): plan both environments into saved plans, compose the one sticky
comment, apply each reviewed plan only to its own admin, refuse a stale one, then a drift run that
finds a hand-made launch plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import project_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin

REPO_ROOT = Path(__file__).resolve().parents[3]
ACTION_DIR = REPO_ROOT / ".github" / "actions" / "flyte-reconciler"
BIN = Path(sys.executable).parent  # where the editable install put `flyte-reconciler`

PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks, description: Examples, labels: {team: ml}}
"""
LAUNCH_PLAN = """\
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: NAME}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
  fixedInputs: {region: eu}
"""


@pytest.fixture
def admins(tmp_path: Path) -> Iterator[dict[str, LocalAdmin]]:
    with LocalAdmin.start(db_path=tmp_path / "staging.db", port=0, seed_samples=True) as staging, \
            LocalAdmin.start(db_path=tmp_path / "production.db", port=0, seed_samples=True) as production:
        yield {"staging": staging, "production": production}


class Loop:
    """A manifest repository and the action's run.sh pointed at it."""

    def __init__(self, root: Path, admins: dict[str, LocalAdmin]) -> None:
        self.root, self.admins = root, admins
        (root / "manifests").mkdir(parents=True)
        (root / "manifests" / "project.yaml").write_text(PROJECT)
        (root / "manifests" / "lp.yaml").write_text(LAUNCH_PLAN.replace("NAME", "nightly_report"))
        self.configure()

    def configure(self, extra: str = "") -> None:
        environments = "".join(f"  {name}: {{endpoint: '{admin.address}', insecure: true}}\n"
                               for name, admin in self.admins.items())
        (self.root / "flyte-reconciler.yaml").write_text(
            f"environments:\n{environments}scope: {{projects: [flytesnacks], domains: [development]}}\n{extra}")

    def action(self, command: str, **inputs: str) -> tuple[int, dict[str, str]]:
        """Run run.sh as the composite action does; returns (exit code, step outputs)."""
        outputs = self.root / f"outputs-{len(list(self.root.glob('outputs-*')))}"
        env = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.root),
               "GITHUB_OUTPUT": str(outputs), "RUNNER_TEMP": str(self.root / "tmp"),
               "FR_ACTION_DIR": str(ACTION_DIR), "FR_COMMAND": command, "FR_PATHS": "manifests/",
               **{f"FR_{k.upper()}": v for k, v in inputs.items()}}
        done = subprocess.run(["bash", str(ACTION_DIR / "run.sh")], cwd=self.root, env=env, capture_output=True,
                              text=True, timeout=300)
        lines = outputs.read_text().splitlines() if outputs.exists() else []
        return done.returncode, dict(line.split("=", 1) for line in lines)


@pytest.fixture
def loop(tmp_path: Path, admins: dict[str, LocalAdmin]) -> Loop:
    return Loop(tmp_path / "repo", admins)


def _hand_make(tmp_path: Path, admin: LocalAdmin) -> None:
    """Someone registers and activates a launch plan by hand (here: with the tool, from another
    directory whose manifests the loop's repository knows nothing about)."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "manifests").mkdir(parents=True)
    (elsewhere / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n")
    (elsewhere / "manifests" / "lp.yaml").write_text(LAUNCH_PLAN.replace("NAME", "hand_made"))
    made = subprocess.run([str(BIN / "flyte-reconciler"), "apply", "manifests/", "--endpoint", admin.address,
                           "--insecure", "--auto-approve"], cwd=elsewhere, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr


def _stub(admin: LocalAdmin) -> AdminServiceStub:
    return AdminServiceStub(grpc.insecure_channel(admin.address))


def _plan_both(loop: Loop) -> None:
    for environment in ("staging", "production"):
        code, out = loop.action("plan", env=environment, out_dir=f"results/{environment}")
        assert code == 0 and out["exit-code"] == "2" and out["has-changes"] == "true", out


def test_pr_loop_plans_comments_applies_each_reviewed_plan_to_its_own_admin_and_refuses_stale(loop: Loop) -> None:
    _plan_both(loop)
    code, out = loop.action("comment", results_dir="results", expect="staging,production", commit="c0ffee1234567")
    assert code == 0
    (comment,) = json.loads(Path(out["comment-file"]).read_text())  # ONE comment
    assert comment.startswith("<!-- flyte-reconciler: sticky plan comment, part 1 -->\n")
    assert "<details><summary><b>production</b>: " in comment and "<details><summary><b>staging</b>: " in comment
    assert "| `production` | 1 project to change (1 action), 1 launch plan to add (2 actions) |" in comment

    staging, production = loop.admins["staging"], loop.admins["production"]
    # A plan reviewed for staging is never applied to production.
    before = (staging.write_calls(), production.write_calls())
    code, out = loop.action("apply", env="production", plan_file="results/staging/plan.json")
    assert code == 1 and "made for environment 'staging', not 'production'" in Path(out["error-file"]).read_text()
    assert (staging.write_calls(), production.write_calls()) == before

    # Each reviewed plan applies to the admin it was planned against, with no extra flags.
    code, _ = _apply_reviewed(loop, "staging")
    assert code == 0
    assert staging.write_calls() > before[0] and production.write_calls() == before[1]

    # Production changed by hand after the review: its reviewed plan is stale and is refused, no writes.
    _stub(production).UpdateProject(project_pb2.Project(id="flytesnacks", name="by hand", description="hand",
                                                        state=project_pb2.Project.ACTIVE))
    writes = production.write_calls()
    code, out = _apply_reviewed(loop, "production")
    assert code == 1 and "stale" in Path(out["error-file"]).read_text()
    assert production.write_calls() == writes

    # Re-plan, review, apply: exactly that plan's actions reach production, none reach staging.
    code, out = loop.action("plan", env="production", out_dir="results/production")
    saved = json.loads(Path(out["plan-file"]).read_text())
    staging_writes = staging.write_calls()
    code, _ = _apply_reviewed(loop, "production")
    assert code == 0 and production.write_calls() - writes == len(saved["actions"]) > 0
    assert staging.write_calls() == staging_writes


def _apply_reviewed(loop: Loop, environment: str) -> tuple[int, dict[str, str]]:
    return loop.action("apply", env=environment, plan_file=f"results/{environment}/plan.json")


def test_a_failed_plan_replaces_its_section_with_the_error_and_the_log_link(loop: Loop) -> None:
    _plan_both(loop)
    code, out = loop.action("plan", env="production", out_dir="results/production", args="--target launchplan/nope/*")
    assert code == 1 and out["exit-code"] == "1"
    assert "matches no address" in Path(out["error-file"]).read_text()
    code, out = loop.action("comment", results_dir="results", expect="staging,production")
    (comment,) = json.loads(Path(out["comment-file"]).read_text())
    failed = comment.split("<details open><summary><b>production</b>: plan failed</summary>", 1)[1]
    assert "matches no address" in failed.split("</details>", 1)[0] and "[job log](" in failed
    assert "<b>production</b>: 1 project" not in comment  # the old plan is gone
    assert "<details><summary><b>staging</b>: " in comment


def test_drift_run_finds_a_hand_made_launch_plan(loop: Loop, tmp_path: Path) -> None:
    production = loop.admins["production"]
    loop.action("plan", env="production", out_dir="results/production")
    code, _ = _apply_reviewed(loop, "production")
    assert code == 0
    code, out = loop.action("plan", env="production", out_dir="drift")
    assert code == 0 and out["exit-code"] == "0" and out["has-changes"] == "false"

    _hand_make(tmp_path, production)

    code, out = loop.action("plan", env="production", out_dir="drift")
    assert code == 0 and out["exit-code"] == "2" and out["has-changes"] == "true"
    report = Path(out["markdown-file"]).read_text()
    assert report.startswith("## flyte-reconciler plan: no changes, 1 unmanaged object\n")
    assert "| `launchplan/flytesnacks/development/hand_made` | active launch plan (version " in report

    # The config can say hand-made objects are not drift; they stay listed.
    loop.configure("drift: {unmanaged: ignore}\n")
    code, out = loop.action("plan", env="production", out_dir="drift")
    assert out["exit-code"] == "0" and "hand_made" in Path(out["markdown-file"]).read_text()


def test_plan_text_no_longer_claims_in_sync_with_a_hand_made_object(loop: Loop, tmp_path: Path) -> None:
    _hand_make(tmp_path, loop.admins["staging"])
    done = subprocess.run([str(BIN / "flyte-reconciler"), "plan", "manifests/", "--env", "staging",
                           "--detailed-exitcode", "--target", "launchplan/flytesnacks/development/hand_made"],
                          cwd=loop.root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Live state matches the manifests" not in done.stdout
    assert "1 unmanaged object in the managed scope" in done.stdout
