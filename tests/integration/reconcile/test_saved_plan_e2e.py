"""The reviewed plan is what lands, where it was planned: issue 14's PR loop with two embedded admins.

Staging and production are two embedded admins named as environments of flyte-reconciler.yaml. Both
environments are planned into saved plans (as a pull request would); one live object is changed by
hand in production; the reviewed production plan is refused as stale with no write anywhere; after a
re-plan, applying each saved plan with no connection flags sends exactly its actions — counted per
gRPC method by the admins — to exactly the admin it was planned against, and nothing to the other.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner, Result
from flyteidl.admin import project_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.aids import WRITE_METHODS

MANIFESTS = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks, description: "Owned by {{ vars.team }}"}
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly_report}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
  fixedInputs: {region: "{{ vars.region }}"}
---
apiVersion: flyte-reconciler/v1
kind: Attributes
metadata: {project: flytesnacks, domain: development}
spec:
  executionQueue: ["{{ vars.region }}-queue"]
"""

# The write RPC each action type sends (attributes: at the project-domain level used above).
METHOD_OF = {"create_project": "RegisterProject", "update_project": "UpdateProject",
             "archive_project": "UpdateProject", "register_launch_plan": "CreateLaunchPlan",
             "activate_launch_plan": "UpdateLaunchPlan", "deactivate_launch_plan": "UpdateLaunchPlan",
             "update_metadata": "UpdateNamedEntity", "update_attributes": "UpdateProjectDomainAttributes"}


@pytest.fixture
def admins(tmp_path: Path) -> Iterator[dict[str, LocalAdmin]]:
    with LocalAdmin.start(db_path=tmp_path / "staging.db", port=0, seed_samples=True) as staging, \
            LocalAdmin.start(db_path=tmp_path / "production.db", port=0, seed_samples=True) as production:
        yield {"staging": staging, "production": production}


def run(*args: str) -> Result:
    clean = {"FLYTE_PLATFORM_URL": "", "FLYTE_RECONCILER_ENDPOINT": "", "FLYTE_RECONCILER_ENV": "",
             "FLYTE_RECONCILER_PLAN_KEY": ""}
    return CliRunner().invoke(cli, list(args), env=clean)


def writes(admin: LocalAdmin) -> Counter[str]:
    return Counter({m: n for m, n in admin.counters().items() if m in WRITE_METHODS})


def expected_writes(plan_file: Path) -> Counter[str]:
    return Counter(METHOD_OF[a["type"]] for a in json.loads(plan_file.read_text())["actions"])


def test_pr_loop_plans_both_environments_refuses_the_stale_one_and_applies_exactly_the_reviewed_plans(
        admins: dict[str, LocalAdmin], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "manifests").mkdir(parents=True)
    (repo / "manifests" / "org.yaml").write_text(MANIFESTS)
    (repo / "flyte-reconciler.yaml").write_text(textwrap.dedent(f"""\
        environments:
          staging: {{endpoint: "{admins['staging'].address}", insecure: true, vars: {{team: staging-team, region: eu}}}}
          production: {{endpoint: "{admins['production'].address}", insecure: true,
                        vars: {{team: prod-team, region: us}}}}
        scope: {{projects: [flytesnacks], domains: [development]}}
        """))
    monkeypatch.chdir(repo)

    # The pull request: one saved plan per environment.
    for env in ("staging", "production"):
        made = run("plan", "--env", env, "manifests/", "--out", f"{env}.json")
        assert made.exit_code == 0, made.output
    assert expected_writes(Path("staging.json")) == expected_writes(Path("production.json"))  # same shape
    assert json.loads(Path("production.json").read_text())["target"]["endpoint"] == admins["production"].address

    # Someone changes production by hand after the review.
    with grpc.insecure_channel(admins["production"].address) as channel:
        AdminServiceStub(channel).UpdateProject(project_pb2.Project(
            id="flytesnacks", name="flytesnacks", description="edited by hand"))
    before = {env: writes(admin) for env, admin in admins.items()}
    calls_staging = sum(admins["staging"].counters().values())

    stale = run("apply", "--plan", "production.json", "--auto-approve")
    assert stale.exit_code == 1, stale.output
    assert "stale" in stale.output and "project/flytesnacks" in stale.output
    assert {env: writes(admin) for env, admin in admins.items()} == before
    assert sum(admins["staging"].counters().values()) == calls_staging  # staging was never contacted

    # Re-plan (and review again), then the merge applies exactly the saved plan, with no connection flags.
    assert run("plan", "--env", "production", "manifests/", "--out", "production.json").exit_code == 0
    applied = run("apply", "--plan", "production.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert writes(admins["production"]) - before["production"] == expected_writes(Path("production.json"))
    assert writes(admins["staging"]) == before["staging"]
    assert sum(admins["staging"].counters().values()) == calls_staging

    applied = run("apply", "--plan", "staging.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert writes(admins["staging"]) - before["staging"] == expected_writes(Path("staging.json"))

    # Both converged to their own environment's manifests.
    for env in ("staging", "production"):
        check = run("plan", "--env", env, "manifests/", "--detailed-exitcode")
        assert check.exit_code == 0, check.output
