"""Reproducer of issue 14: the config ``flytectl config init`` and the Flyte sandbox write
(``authType: Pkce``) was refused by ``doctor`` and every command, though the admin has no auth at all.
As with flytectl and flytekit, no login starts until Admin asks for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli

pytestmark = pytest.mark.integration

# What `flytectl demo start` / `flytectl config init` write to ~/.flyte/config.yaml (port aside).
SANDBOX_CONFIG = """admin:
  # For GRPC endpoints you might want to use dns:///flyte.myexample.com
  endpoint: dns:///localhost:{port}
  authType: Pkce
  insecure: true
console:
  endpoint: http://localhost:{port}
logger:
  show-source: true
  level: 0
"""
PROJECT = ("apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: flytesnacks}\n"
           "spec: {displayName: Flyte snacks}\n")


def test_the_flytectl_sandbox_config_just_works(fresh_admin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("FLYTECTL_CONFIG", "FLYTE_PLATFORM_URL", "FLYTE_CREDENTIALS_AUTH_MODE", "FLYTE_RECONCILER_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    port = fresh_admin.address.rpartition(":")[2]
    (tmp_path / ".flyte").mkdir()
    (tmp_path / ".flyte" / "config.yaml").write_text(SANDBOX_CONFIG.format(port=port))
    doctor = CliRunner().invoke(cli, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert "not needed: Flyte Admin answers without credentials (Pkce would start only if asked)" in doctor.output
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "project.yaml").write_text(PROJECT)
    applied = CliRunner().invoke(cli, ["apply", "--auto-approve", "manifests/"])
    assert applied.exit_code == 0, applied.output
    assert "Apply complete" in applied.output
