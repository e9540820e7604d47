"""Saved plans pin their target: `apply --plan FILE` connects to exactly the admin the plan was made for.

Over real gRPC against embedded admins: the plan records environment, endpoint, TLS mode and auth;
applying it needs no flags, reads the run configuration when the plan names an environment, and
refuses — exit 1, zero writes anywhere, a message naming both targets — any flag, variable, `--env`
or `--sandbox` that points elsewhere. Also: the `--format json` view and plans of another format are
refused with a clear message, and `apply --plan FILE PATHS` names the manifest files that moved.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin

REPO_ROOT = Path(__file__).resolve().parents[3]

PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks, description: DESCRIPTION}
"""


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    # Ambient connection variables of the machine running the tests must not decide where a plan goes.
    clean = {"FLYTE_PLATFORM_URL": "", "FLYTE_RECONCILER_ENDPOINT": "", "FLYTE_RECONCILER_ENV": "",
             "FLYTE_RECONCILER_PLAN_KEY": "", **(env or {})}
    return CliRunner().invoke(cli, list(args), env=clean)


@pytest.fixture
def other(tmp_path: Path) -> Iterator[LocalAdmin]:
    """A second admin, standing in for the wrong target."""
    with LocalAdmin.start(db_path=tmp_path / "other.db", port=0, seed_samples=True) as running:
        yield running


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    root = tmp_path / "repo" / "manifests"
    root.mkdir(parents=True)
    (root / "project.yaml").write_text(PROJECT.replace("DESCRIPTION", "Planned"))
    return root


def _saved_by_endpoint(manifests: Path, admin: LocalAdmin, out: Path) -> None:
    made = run("plan", str(manifests), "--endpoint", admin.address, "--insecure", "--out", str(out))
    assert made.exit_code == 0, made.output


def test_the_sample_repository_plans_an_environment_and_applies_the_plan_with_no_flags(
        admin: LocalAdmin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14's reproducer on a copy of this repository: the environment's endpoint is the embedded admin."""
    clone = tmp_path / "clone"
    shutil.copytree(REPO_ROOT / "manifests", clone / "manifests")
    config = (REPO_ROOT / "flyte-reconciler.yaml").read_text()
    (clone / "flyte-reconciler.yaml").write_text(config.replace("localhost:8089", admin.address))
    monkeypatch.chdir(clone)
    made = run("plan", "--env", "sandbox", "manifests/", "--out", "p.json")
    assert made.exit_code == 0, made.output
    recorded = json.loads(Path("p.json").read_text())["target"]
    assert recorded["environment"] == "sandbox" and recorded["endpoint"] == admin.address
    assert recorded["tls"] == "insecure" and recorded["config_file"] == "flyte-reconciler.yaml"
    before = admin.write_calls()
    applied = run("apply", "--plan", "p.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert admin.write_calls() > before
    assert "unknown environment" not in applied.output


def test_a_flag_pointing_elsewhere_is_refused_naming_both_targets(admin: LocalAdmin, other: LocalAdmin,
                                                                    manifests: Path, tmp_path: Path) -> None:
    saved = tmp_path / "p.json"
    _saved_by_endpoint(manifests, admin, saved)
    before = (admin.write_calls(), other.write_calls())
    refused = run("apply", "--plan", str(saved), "--endpoint", other.address, "--insecure", "--auto-approve")
    assert refused.exit_code == 1, refused.output
    assert admin.address in refused.output and other.address in refused.output
    assert "Traceback" not in refused.output
    assert (admin.write_calls(), other.write_calls()) == before
    assert sum(other.counters().values()) == 0  # the wrong admin was never even contacted


def test_a_variable_pointing_elsewhere_is_refused(admin: LocalAdmin, other: LocalAdmin, manifests: Path,
                                                  tmp_path: Path) -> None:
    saved = tmp_path / "p.json"
    _saved_by_endpoint(manifests, admin, saved)
    before = admin.write_calls()
    refused = run("apply", "--plan", str(saved), "--auto-approve", env={"FLYTE_PLATFORM_URL": other.address})
    assert refused.exit_code == 1, refused.output
    assert "environment variable FLYTE_PLATFORM_URL" in refused.output and other.address in refused.output
    assert admin.address in refused.output
    assert admin.write_calls() == before and sum(other.counters().values()) == 0


def test_an_insecure_plan_needs_no_flags_and_a_tls_flag_is_refused(admin: LocalAdmin, manifests: Path,
                                                                    tmp_path: Path) -> None:
    saved = tmp_path / "p.json"
    _saved_by_endpoint(manifests, admin, saved)
    before = admin.write_calls()
    refused = run("apply", "--plan", str(saved), "--secure", "--auto-approve")
    assert refused.exit_code == 1 and "TLS" in refused.output, refused.output
    assert admin.write_calls() == before
    applied = run("apply", "--plan", str(saved), "--auto-approve")  # no --endpoint, no --insecure
    assert applied.exit_code == 0, applied.output
    assert admin.write_calls() == before + 1  # the one UpdateProject the plan holds


def test_another_env_or_the_sandbox_is_refused(admin: LocalAdmin, manifests: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (manifests.parent / "flyte-reconciler.yaml").write_text(textwrap.dedent(f"""\
        environments:
          staging: {{endpoint: "{admin.address}", insecure: true}}
          production: {{endpoint: "{admin.address}", insecure: true}}
        """))
    monkeypatch.chdir(tmp_path)  # the sandbox, if it were (wrongly) started, would live here
    saved = tmp_path / "p.json"
    assert run("plan", str(manifests), "--env", "staging", "--out", str(saved)).exit_code == 0
    before = admin.write_calls()
    other_env = run("apply", "--plan", str(saved), "--env", "production", "--auto-approve")
    assert other_env.exit_code == 1 and "--env production" in other_env.output, other_env.output
    sandbox = run("apply", "--plan", str(saved), "--sandbox", "--auto-approve")
    assert sandbox.exit_code == 1 and "sandbox" in sandbox.output, sandbox.output
    assert admin.write_calls() == before
    assert not (tmp_path / ".flyte-reconciler" / "sandbox.db").exists()  # no sandbox was started


def test_a_sandbox_plan_applies_only_to_the_sandbox(admin: LocalAdmin, manifests: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    saved = tmp_path / "p.json"
    made = run("plan", "--sandbox", str(manifests), "--out", str(saved))
    assert made.exit_code == 0, made.output
    calls = sum(admin.counters().values())
    refused = run("apply", "--plan", str(saved), "--endpoint", admin.address, "--insecure", "--auto-approve")
    assert refused.exit_code == 1, refused.output
    assert "sandbox" in refused.output and admin.address in refused.output
    assert sum(admin.counters().values()) == calls  # refused before contacting the admin named by the flag
    applied = run("apply", "--plan", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert sum(admin.counters().values()) == calls  # the sandbox got the writes, not the admin


def test_the_json_view_and_other_format_versions_are_refused_clearly(admin: LocalAdmin, manifests: Path,
                                                                      tmp_path: Path) -> None:
    view = run("plan", str(manifests), "--endpoint", admin.address, "--insecure", "--format", "json")
    assert view.exit_code == 0
    (tmp_path / "view.json").write_text(view.stdout)
    refused = run("apply", "--plan", str(tmp_path / "view.json"), "--auto-approve")
    assert refused.exit_code == 1
    assert "not a saved plan" in refused.output and "plan --out FILE" in refused.output
    assert "validation error" not in refused.output and "Traceback" not in refused.output

    old = {"format_version": 1, "tool_version": "0.3.0", "manifests_digest": "x", "actions": []}
    (tmp_path / "old.json").write_text(json.dumps(old))
    refused = run("apply", "--plan", str(tmp_path / "old.json"), "--auto-approve")
    assert refused.exit_code == 1
    assert "flyte-reconciler 0.3.0" in refused.output and "plan format 1" in refused.output
    assert "Traceback" not in refused.output


def test_apply_with_paths_refuses_manifests_that_moved_naming_the_files(admin: LocalAdmin, manifests: Path,
                                                                        tmp_path: Path) -> None:
    (manifests / "other.yaml").write_text(PROJECT.replace("flytesnacks", "analytics").replace("DESCRIPTION", "A"))
    saved = tmp_path / "p.json"
    _saved_by_endpoint(manifests, admin, saved)
    before = admin.write_calls()
    (manifests / "project.yaml").write_text(PROJECT.replace("DESCRIPTION", "Changed after the review"))
    (manifests / "new.yaml").write_text(PROJECT.replace("flytesnacks", "fresh").replace("DESCRIPTION", "N"))
    moved = run("apply", "--plan", str(saved), str(manifests), "--auto-approve")
    assert moved.exit_code == 1, moved.output
    assert "project.yaml" in moved.output and "new.yaml" in moved.output and "other.yaml" not in moved.output
    assert admin.write_calls() == before
    (manifests / "project.yaml").write_text(PROJECT.replace("DESCRIPTION", "Planned"))
    (manifests / "new.yaml").unlink()
    same = run("apply", "--plan", str(saved), str(manifests), "--auto-approve")
    assert same.exit_code == 0, same.output
    assert admin.write_calls() > before


def test_a_signed_plan_applied_without_the_key_warns_that_the_signature_was_not_checked(
        admin: LocalAdmin, manifests: Path, tmp_path: Path) -> None:
    saved = tmp_path / "p.json"
    made = run("plan", str(manifests), "--endpoint", admin.address, "--insecure", "--out", str(saved),
               env={"FLYTE_RECONCILER_PLAN_KEY": "ci-key"})
    assert made.exit_code == 0, made.output
    assert json.loads(saved.read_text())["signature"].startswith("hmac-sha256:")
    assert "ci-key" not in saved.read_text() + made.output
    applied = run("apply", "--plan", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "signature was not checked" in applied.stderr
    assert f"made for {admin.address} (insecure)" in applied.stderr
