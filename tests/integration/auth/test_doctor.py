"""``doctor``: every value with its source, the checks in order, exit codes, a next step per failure,
and a failed prerequisite skipping the checks after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig
from reconciler.localadmin.auth.testca import TestCA, make_test_ca


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_test_ca(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME and working directory, no FLYTE_* variables from the machine running the tests."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for name in ("FLYTECTL_CONFIG", "FLYTE_PLATFORM_URL", "FLYTE_PLATFORM_INSECURE", "FLYTE_PLATFORM_CA_CERT_FILE_PATH",
                 "FLYTE_CREDENTIALS_AUTH_MODE", "FLYTE_CREDENTIALS_CLIENT_ID", "FLYTE_CREDENTIALS_CLIENT_SECRET",
                 "FLYTE_RECONCILER_TOKEN_FILE", "FLYTE_RECONCILER_ENDPOINT", "FLYTE_RECONCILER_ENV"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def secured(tmp_path: Path, ca: TestCA) -> Iterator[LocalAdmin]:
    auth = AuthConfig(client_id="ci-bot", client_secret="doctor-secret-0e5a")
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, credentials=ca.server_credentials(), auth=auth) as admin:
        yield admin


def _doctor(*args: str) -> Result:
    return CliRunner().invoke(cli, ["doctor", *args])


def _line(output: str, label: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(label))


def test_all_checks_pass_with_sources_from_the_run_config_environment(secured: LocalAdmin, ca: TestCA, home: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "flyte-reconciler.yaml").write_text(
        "environments:\n  prod:\n"
        f"    endpoint: dns:///{secured.address}\n    caCertFile: {ca.ca_file}\n"
        "    clientId: ci-bot\n    clientSecretEnvVar: CI_BOT_SECRET\n")
    monkeypatch.setenv("CI_BOT_SECRET", "doctor-secret-0e5a")
    result = _doctor("--env", "prod")
    assert result.exit_code == 0, result.output
    assert "(flyte-reconciler.yaml environment prod)" in _line(result.output, "client_id")
    assert "inferred: a client id and secret are configured" in _line(result.output, "auth_type")
    assert "(auth: ClientSecret)" in result.output
    assert "ok, a token was obtained (ClientSecret)" in _line(result.output, "credentials")
    assert _line(result.output, "Admin version").split()[-1] != "FAILED:"
    assert "development" in _line(result.output, "domains")
    assert _line(result.output, "list projects").split()[2] == "ok"
    assert result.output.rstrip().endswith("All checks passed.")
    assert "doctor-secret-0e5a" not in result.output


def test_refused_credentials_fail_first_and_skip_the_rest(secured: LocalAdmin, ca: TestCA, home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_PLATFORM_CA_CERT_FILE_PATH", str(ca.ca_file))
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_ID", "ci-bot")
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", "not-the-secret")
    result = _doctor("--endpoint", secured.address)
    assert result.exit_code == 1
    assert "UNAUTHENTICATED: refused the client credentials (HTTP 401): invalid_client" in _line(result.output,
                                                                                           "credentials")
    assert "next step: check auth_type and the credentials listed above" in result.output
    assert "skipped" in _line(result.output, "Admin version") and "skipped" in _line(result.output, "list projects")
    assert "client_secret" in result.output and "****" in _line(result.output, "client_secret")
    assert "not-the-secret" not in result.output


def test_an_anonymous_call_to_an_auth_admin_is_unauthenticated_with_a_next_step(secured: LocalAdmin, ca: TestCA,
                                                                                home: Path) -> None:
    result = _doctor("--endpoint", secured.address, "--flytectl-config", str(_flytectl(home, ca)))
    assert result.exit_code == 1
    assert "none configured (anonymous calls)" in _line(result.output, "credentials")
    assert "UNAUTHENTICATED" in _line(result.output, "Admin version")
    assert "next step: check auth_type and the credentials" in result.output


def _flytectl(home: Path, ca: TestCA) -> Path:
    path = home / "flytectl.yaml"
    path.write_text(f"admin:\n  caCertFilePath: {ca.ca_file}\n")
    return path


def test_a_configuration_error_is_a_failed_check(home: Path) -> None:
    result = _doctor("--endpoint", "flyte.example.com:443", "--flytectl-config", str(home / "missing.yaml"))
    assert result.exit_code == 1
    assert "FAILED: flytectl config file" in _line(result.output, "configuration")
    assert "next step: check --flytectl-config" in result.output


def test_the_sandbox_needs_no_configuration(home: Path) -> None:
    result = _doctor("--sandbox")
    assert result.exit_code == 0, result.output
    assert "Connecting to sandbox (auth: none)" in result.output and "All checks passed." in result.output


def test_an_unreachable_admin_during_discovery_is_a_failed_connection(home: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_ID", "ci-bot")
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", "unused-secret")
    result = _doctor("--endpoint", "127.0.0.1:1", "--insecure")
    assert result.exit_code == 1
    # no discovery before Admin asks: the first (anonymous) call finds the admin unreachable
    assert "FAILED: GetVersion Flyte Admin: UNAVAILABLE" in _line(result.output, "credentials")
    assert "next step: check the endpoint and port" in result.output
