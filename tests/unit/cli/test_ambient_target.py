"""Reproducer of issue 14: an ambient ``FLYTE_PLATFORM_URL`` beat an explicit ``--env production``
(production's variables rendered, another admin contacted, no warning). Two embedded admins stand in
for staging and production; the admins' own call counters say which one was contacted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin

pytestmark = pytest.mark.integration

PROJECT = ("apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: flytesnacks}\n"
           "spec: {displayName: '{{ vars.title }}'}\n")


@pytest.fixture
def admins(tmp_path: Path) -> Iterator[tuple[LocalAdmin, LocalAdmin]]:
    with LocalAdmin.start(db_path=tmp_path / "staging.db", port=0) as staging, \
            LocalAdmin.start(db_path=tmp_path / "production.db", port=0) as production:
        yield staging, production


def test_an_explicit_env_wins_over_an_ambient_platform_url(admins: tuple[LocalAdmin, LocalAdmin], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    staging, production = admins
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("FLYTECTL_CONFIG", "FLYTE_RECONCILER_ENDPOINT", "FLYTE_RECONCILER_ENV"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "flyte-reconciler.yaml").write_text(
        "environments:\n"
        f"  staging: {{endpoint: 'dns:///{staging.address}', insecure: true, vars: {{title: Staging}}}}\n"
        f"  production: {{endpoint: 'dns:///{production.address}', insecure: true, vars: {{title: Production}}}}\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "project.yaml").write_text(PROJECT)
    staging.reset_counters()
    production.reset_counters()
    result = CliRunner().invoke(cli, ["plan", "--env", "production", "--format", "json", "manifests/"],
                                env={"FLYTE_PLATFORM_URL": staging.address, "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert '"Production"' in result.stdout
    assert sum(production.counters().values()) > 0
    assert sum(staging.counters().values()) == 0
    assert (f"notice: FLYTE_PLATFORM_URL={staging.address} is ignored: flyte-reconciler.yaml environment "
            f"production sets endpoint={production.address}") in result.stderr.splitlines()


def test_doctor_lists_the_overridden_ambient_variable(admins: tuple[LocalAdmin, LocalAdmin], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    staging, production = admins
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("FLYTECTL_CONFIG", raising=False)
    (tmp_path / "flyte-reconciler.yaml").write_text(
        f"environments:\n  production: {{endpoint: '{production.address}', insecure: true}}\n")
    result = CliRunner().invoke(cli, ["doctor", "--env", "production"], env={"FLYTE_PLATFORM_URL": staging.address,
                                                                             "FLYTE_RECONCILER_ENV": "staging"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    section = lines.index("Ambient environment variables overridden or overriding:")
    assert lines[section + 1].strip() == "FLYTE_RECONCILER_ENV=staging is ignored: --env production was given"
    assert lines[section + 2].strip() == (f"FLYTE_PLATFORM_URL={staging.address} is ignored: flyte-reconciler.yaml "
                                          f"environment production sets endpoint={production.address}")
    assert "notice: FLYTE_PLATFORM_URL" in result.stderr


def test_an_explicit_env_over_another_flyte_reconciler_env_is_a_notice(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flyte-reconciler.yaml").write_text(
        "environments:\n  staging: {vars: {title: Staging}}\n  production: {vars: {title: Production}}\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "project.yaml").write_text(PROJECT)
    chosen = CliRunner().invoke(cli, ["render", "--env", "production", "manifests/"],
                                env={"FLYTE_RECONCILER_ENV": "staging"})
    assert chosen.exit_code == 0 and "Production" in chosen.stdout
    assert chosen.stderr == "notice: FLYTE_RECONCILER_ENV=staging is ignored: --env production was given\n"
    ambient = CliRunner().invoke(cli, ["render", "manifests/"], env={"FLYTE_RECONCILER_ENV": "staging"})
    assert ambient.exit_code == 0 and "Staging" in ambient.stdout and ambient.stderr == ""


def test_a_saved_plan_for_an_environment_refuses_an_ambient_url_elsewhere(admins: tuple[LocalAdmin, LocalAdmin],
                                                                          tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment wins over the variable, and for a saved plan the variable pointing elsewhere is
    still a sign the user meant another target: refused, nothing written anywhere."""
    staging, production = admins
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("FLYTECTL_CONFIG", "FLYTE_RECONCILER_ENDPOINT", "FLYTE_RECONCILER_ENV", "FLYTE_PLATFORM_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "flyte-reconciler.yaml").write_text(
        f"environments:\n  production: {{endpoint: '{production.address}', insecure: true, "
        "vars: {title: Production}}\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "project.yaml").write_text(PROJECT)
    planned = CliRunner().invoke(cli, ["plan", "--env", "production", "--out", "p.json", "manifests/"])
    assert planned.exit_code == 0, planned.output
    staging.reset_counters()
    production.reset_counters()
    refused = CliRunner().invoke(cli, ["apply", "--plan", "p.json", "--auto-approve"],
                                 env={"FLYTE_PLATFORM_URL": staging.address})
    assert refused.exit_code == 1, refused.output
    assert f"environment variable FLYTE_PLATFORM_URL points to {staging.address}" in refused.output
    assert sum(staging.counters().values()) == 0 and sum(production.counters().values()) == 0
