"""Connection settings: each source and their precedence, flytectl files as-is, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.settings import Secret, resolve

FLYTECTL = """\
admin:
  endpoint: dns:///flyte.example.com:443
  insecure: false
  authType: ExternalCommand
  command: [gettoken, --audience, flyte]
  caCertFilePath: /etc/ca.pem
  authorizationHeader: authorization
console:
  endpoint: https://console.example.com
"""


def test_flytectl_config_is_used_as_is(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(FLYTECTL)
    settings = resolve(flags={}, environ={}, flytectl_config=str(path))
    assert settings.get("endpoint") == "flyte.example.com:443"  # dns:/// stripped for Python gRPC
    assert settings.get("auth_type") == "ExternalCommand"
    assert settings.get("command") == ["gettoken", "--audience", "flyte"]
    assert settings.get("console_url") == "https://console.example.com"
    assert settings.values["endpoint"].source.startswith("flytectl config")


def test_precedence_flags_environment_env_flytectl(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(FLYTECTL)
    environ = {"FLYTE_PLATFORM_URL": "env.example.com:443", "FLYTE_PLATFORM_INSECURE": "False",
               "FLYTECTL_CONFIG": str(path), "FLYTE_CREDENTIALS_SCOPES": "all,offline"}
    env = {"endpoint": "yaml.example.com:443", "clientId": "from-yaml", "insecure": True}
    settings = resolve(flags={"endpoint": None}, environ=environ, environment=env, environment_name="prod")
    assert settings.get("endpoint") == "yaml.example.com:443"  # the named environment beats an ambient variable
    assert settings.get("insecure") is True
    assert settings.get("client_id") == "from-yaml"
    assert settings.values["client_id"].source == "flyte-reconciler.yaml environment prod"
    assert settings.get("scopes") == ["all", "offline"]
    flagged = resolve(flags={"endpoint": "flag:1"}, environ=environ, environment=env)
    assert flagged.get("endpoint") == "flag:1" and flagged.values["endpoint"].source == "command-line flag"
    assert flagged.get("command") == ["gettoken", "--audience", "flyte"]  # only the flytectl file sets it


def test_auth_mode_names_and_aliases() -> None:
    for name, expected in (("client_credentials", "ClientSecret"), ("external_process", "ExternalCommand"),
                           ("standard", "Pkce"), ("DeviceFlow", "DeviceFlow")):
        assert resolve(flags={}, environ={"FLYTE_CREDENTIALS_AUTH_MODE": name}).get("auth_type") == expected
    with pytest.raises(ConfigError, match="unknown auth mode"):
        resolve(flags={}, environ={"FLYTE_CREDENTIALS_AUTH_MODE": "magic"})


def test_secrets_are_redacted_everywhere() -> None:
    settings = resolve(flags={}, environ={"FLYTE_CREDENTIALS_CLIENT_SECRET": "canary-s3cr3t"})
    secret = settings.get("client_secret")
    assert isinstance(secret, Secret) and secret.reveal() == "canary-s3cr3t"
    assert "canary" not in repr(settings) and "canary" not in str(settings.describe())


def test_missing_explicit_flytectl_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        resolve(flags={}, environ={}, flytectl_config=str(tmp_path / "nope.yaml"))
