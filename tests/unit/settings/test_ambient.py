"""An explicit ``--env`` wins over ambient FLYTE_* variables for every key the environment sets, and
every ambient variable that is overridden or overrides is reported in one line."""

from __future__ import annotations

from pathlib import Path

from reconciler.settings import resolve

PRODUCTION = {"endpoint": "prod.example.com:443", "clientId": "prod-bot", "clientSecretEnvVar": "PROD_SECRET"}


def test_an_explicit_environment_beats_an_ambient_platform_url(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "FLYTE_PLATFORM_URL": "staging.example.com:443"}
    s = resolve(flags={}, environ=environ, environment=PRODUCTION, environment_name="production")
    assert (s.get("endpoint"), s.source("endpoint")) == ("prod.example.com:443",
                                                         "flyte-reconciler.yaml environment production")
    assert s.notices() == ["FLYTE_PLATFORM_URL=staging.example.com:443 is ignored: flyte-reconciler.yaml "
                           "environment production sets endpoint=prod.example.com:443"]


def test_our_endpoint_variable_is_ambient_too(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "FLYTE_RECONCILER_ENDPOINT": "staging.example.com:443"}
    s = resolve(flags={}, environ=environ, environment=PRODUCTION, environment_name="production")
    assert s.get("endpoint") == "prod.example.com:443"
    assert s.notices()[0].startswith("FLYTE_RECONCILER_ENDPOINT=staging.example.com:443 is ignored")
    alone = resolve(flags={}, environ={**environ, "FLYTE_PLATFORM_URL": "kit.example.com:443"})
    assert alone.get("endpoint") == "staging.example.com:443"  # ours beats flytekit's, and says so
    assert alone.notices() == ["FLYTE_PLATFORM_URL=kit.example.com:443 is ignored: environment variable "
                               "FLYTE_RECONCILER_ENDPOINT sets endpoint=staging.example.com:443"]


def test_an_ambient_variable_overriding_the_flytectl_file_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("admin: {endpoint: 'dns:///file.example.com:443', clientId: same}\n")
    environ = {"HOME": str(tmp_path), "FLYTECTL_CONFIG": str(config), "FLYTE_PLATFORM_URL": "env.example.com:443",
               "FLYTE_CREDENTIALS_CLIENT_ID": "same"}
    s = resolve(flags={}, environ=environ)
    assert s.get("endpoint") == "env.example.com:443"
    # the same value from both places overrides nothing worth a notice
    assert s.notices() == [f"FLYTE_PLATFORM_URL=env.example.com:443 overrides endpoint=file.example.com:443 "
                           f"from flytectl config {config}"]


def test_a_flag_beats_an_ambient_variable_and_says_so(tmp_path: Path) -> None:
    s = resolve(flags={"endpoint": "flag.example.com:443"},
                environ={"HOME": str(tmp_path), "FLYTE_PLATFORM_URL": "env.example.com:443"})
    assert s.get("endpoint") == "flag.example.com:443"
    assert s.notices() == ["FLYTE_PLATFORM_URL=env.example.com:443 is ignored: command-line flag sets "
                           "endpoint=flag.example.com:443"]


def test_no_notice_without_a_conflict(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "FLYTE_CREDENTIALS_SCOPES": "all"}
    s = resolve(flags={}, environ=environ, environment=PRODUCTION, environment_name="production")
    assert s.get("scopes") == ["all"] and s.notices() == []  # the environment does not set scopes


def test_the_environments_secret_is_never_mixed_with_an_ambient_one(tmp_path: Path) -> None:
    """A staging secret left in the shell must not be sent to production's token endpoint: the
    environment spells the secret (by variable name), so every ambient spelling of it is ignored."""
    environ = {"HOME": str(tmp_path), "FLYTE_CREDENTIALS_CLIENT_SECRET": "staging-canary-secret",
               "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION": "/run/staging"}
    s = resolve(flags={}, environ=environ, environment=PRODUCTION, environment_name="production")
    assert s.get("client_secret") is None and s.get("client_secret_location") is None
    assert s.get("client_secret_env_var") == "PROD_SECRET"
    assert s.notices() == [
        "FLYTE_CREDENTIALS_CLIENT_SECRET=**** is ignored: flyte-reconciler.yaml environment production sets "
        "client_secret_env_var=PROD_SECRET",
        "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION=/run/staging is ignored: flyte-reconciler.yaml environment "
        "production sets client_secret_env_var=PROD_SECRET"]
    assert "staging-canary-secret" not in repr(s) + str(s.notices()) + str(s.describe())


def test_an_ambient_secret_decides_over_the_flytectl_files_spelling(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("admin: {clientSecretLocation: /etc/secrets/client_secret}\n")
    environ = {"HOME": str(tmp_path), "FLYTECTL_CONFIG": str(config), "FLYTE_CREDENTIALS_CLIENT_SECRET": "x-canary"}
    s = resolve(flags={}, environ=environ)
    assert s.get("client_secret").reveal() == "x-canary" and s.get("client_secret_location") is None
    assert s.notices() == ["FLYTE_CREDENTIALS_CLIENT_SECRET=**** overrides client_secret_location="
                           f"/etc/secrets/client_secret from flytectl config {config}"]
