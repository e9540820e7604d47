"""Each configuration source on its own, their precedence key by key, and the normalisations
(booleans, lists, argv, endpoints, auth mode names) that make flytectl and flytekit settings work as-is."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.manifests.config import Environment
from reconciler.settings import ENV_VARS, Secret, resolve

FULL_FLYTECTL = """\
admin:
  endpoint: dns:///flyte.example.com:443
  insecure: false
  insecureSkipVerify: true
  caCertFilePath: ~/certs/ca.pem
  authType: ClientSecret
  clientId: flytepropeller
  clientSecretLocation: /etc/secrets/client_secret
  clientSecretEnvVar: MY_SECRET
  scopes: [all, offline]
  audience: https://flyte.example.com
  useAudienceFromAdmin: true
  tokenUrl: https://idp.example.com/oauth2/token
  authorizationHeader: authorization
  command: [gettoken, --quiet]
  maxRetries: 4
console:
  endpoint: https://console.example.com
task:
  project: flytesnacks
"""


def _file(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_flytectl_admin_key_is_read(tmp_path: Path) -> None:
    path = _file(tmp_path, FULL_FLYTECTL)
    s = resolve(flags={}, environ={"HOME": "/nonexistent"}, flytectl_config=str(path))
    assert s.get("endpoint") == "flyte.example.com:443"
    assert s.get("insecure") is False and s.get("insecure_skip_verify") is True
    assert s.get("ca_cert_file") == str(Path("~/certs/ca.pem").expanduser())
    assert s.get("auth_type") == "ClientSecret" and s.get("client_id") == "flytepropeller"
    assert s.get("client_secret_location") == "/etc/secrets/client_secret"
    assert s.get("client_secret_env_var") == "MY_SECRET"
    assert s.get("scopes") == ["all", "offline"]
    assert s.get("audience") == "https://flyte.example.com" and s.get("use_audience_from_admin") is True
    assert s.get("token_url") == "https://idp.example.com/oauth2/token"
    assert s.get("authorization_header") == "authorization"
    assert s.get("command") == ["gettoken", "--quiet"]
    assert s.get("console_url") == "https://console.example.com"
    assert {setting.source for setting in s.values.values()} == {f"flytectl config {path}"}


def test_flytectl_file_discovery_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".flyte").mkdir(parents=True)
    _file(home / ".flyte", "admin: {endpoint: 'dns:///home:1'}\n")
    env_file = _file(tmp_path, "admin: {endpoint: 'dns:///envvar:2'}\n", "env.yaml")
    flag_file = _file(tmp_path, "admin: {endpoint: 'dns:///flag:3'}\n", "flag.yaml")
    environ = {"HOME": str(home)}
    assert resolve(flags={}, environ=environ).get("endpoint") == "home:1"
    environ["FLYTECTL_CONFIG"] = str(env_file)
    assert resolve(flags={}, environ=environ).get("endpoint") == "envvar:2"
    assert resolve(flags={}, environ=environ, flytectl_config=str(flag_file)).get("endpoint") == "flag:3"
    # $FLYTECTL_CONFIG naming a missing file falls through to ~/.flyte/config.yaml, as flytectl does
    environ["FLYTECTL_CONFIG"] = str(tmp_path / "gone.yaml")
    assert resolve(flags={}, environ=environ).get("endpoint") == "home:1"


def test_no_source_at_all_resolves_to_nothing(tmp_path: Path) -> None:
    s = resolve(flags={}, environ={"HOME": str(tmp_path)})
    assert dict(s.values) == {}
    assert ("auth_type", "none", "default: no credentials configured") in s.describe()


def test_each_flytekit_environment_variable(tmp_path: Path) -> None:
    environ = {
        "HOME": str(tmp_path), "FLYTE_PLATFORM_URL": "dns:///kit.example.com:443", "FLYTE_PLATFORM_INSECURE": "no",
        "FLYTE_PLATFORM_INSECURE_SKIP_VERIFY": "1", "FLYTE_PLATFORM_CA_CERT_FILE_PATH": "/ca.pem",
        "FLYTE_PLATFORM_CONSOLE_ENDPOINT": "https://console", "FLYTE_CREDENTIALS_CLIENT_ID": "bot",
        "FLYTE_CREDENTIALS_CLIENT_SECRET": "s3cr3t-value", "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION": "/s",
        "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR": "OTHER", "FLYTE_CREDENTIALS_AUTH_MODE": "client_credentials",
        "FLYTE_CREDENTIALS_SCOPES": "all, offline", "FLYTE_CREDENTIALS_AUDIENCE": "aud",
        "FLYTE_CREDENTIALS_COMMAND": "gettoken,--audience,flyte",
    }
    s = resolve(flags={}, environ=environ)
    assert s.get("endpoint") == "kit.example.com:443"
    assert s.get("insecure") is False and s.get("insecure_skip_verify") is True
    assert (s.get("ca_cert_file"), s.get("console_url"), s.get("client_id")) == ("/ca.pem", "https://console", "bot")
    assert isinstance(s.get("client_secret"), Secret) and s.get("client_secret").reveal() == "s3cr3t-value"
    assert (s.get("client_secret_location"), s.get("client_secret_env_var")) == ("/s", "OTHER")
    assert s.get("auth_type") == "ClientSecret"
    assert s.get("scopes") == ["all", "offline"] and s.get("audience") == "aud"
    assert s.get("command") == ["gettoken", "--audience", "flyte"]
    for key, setting in s.values.items():  # each source names its variable
        assert ENV_VARS[setting.source.removeprefix("environment variable ")] == key


@pytest.mark.parametrize(("text", "expected"), [("false", False), ("False", False), ("0", False), ("off", False),
                                                ("NO", False), ("true", True), ("1", True), ("on", True),
                                                ("yes", True)])
def test_boolean_spellings(tmp_path: Path, text: str, expected: bool) -> None:
    s = resolve(flags={}, environ={"HOME": str(tmp_path), "FLYTE_PLATFORM_INSECURE": text})
    assert s.get("insecure") is expected


def test_a_boolean_that_is_not_one_is_an_error_naming_its_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError,
                       match=r"insecure from environment variable FLYTE_PLATFORM_INSECURE is 'maybe', not a boolean"):
        resolve(flags={}, environ={"HOME": str(tmp_path), "FLYTE_PLATFORM_INSECURE": "maybe"})


@pytest.mark.parametrize(("name", "expected"), [
    ("ClientSecret", "ClientSecret"), ("clientsecret", "ClientSecret"), ("client_credentials", "ClientSecret"),
    ("basic", "ClientSecret"), ("ExternalCommand", "ExternalCommand"), ("external_process", "ExternalCommand"),
    ("Pkce", "Pkce"), ("standard", "Pkce"), ("DeviceFlow", "DeviceFlow"), ("device-flow", "DeviceFlow"),
])
def test_auth_mode_names_are_case_insensitive_with_flytekit_aliases(tmp_path: Path, name: str, expected: str) -> None:
    s = resolve(flags={}, environ={"HOME": str(tmp_path), "FLYTE_CREDENTIALS_AUTH_MODE": name})
    assert s.get("auth_type") == expected


def test_unknown_auth_mode_names_the_source(tmp_path: Path) -> None:
    path = _file(tmp_path, "admin: {authType: Kerberos}\n")
    with pytest.raises(ConfigError, match=r"unknown auth mode 'Kerberos' \(from flytectl config"):
        resolve(flags={}, environ={"HOME": str(tmp_path)}, flytectl_config=str(path))


def test_precedence_key_by_key_across_all_four_sources(tmp_path: Path) -> None:
    path = _file(tmp_path, FULL_FLYTECTL)
    environment = {"endpoint": "yaml.example.com:443", "clientId": "yaml-bot", "scopes": ["yaml"],
                   "consoleUrl": "https://yaml-console"}
    environ = {"HOME": str(tmp_path), "FLYTECTL_CONFIG": str(path), "FLYTE_PLATFORM_URL": "env.example.com:443",
               "FLYTE_CREDENTIALS_CLIENT_ID": "env-bot"}
    s = resolve(flags={"endpoint": "flag.example.com:443"}, environ=environ, environment=environment,
                environment_name="prod")
    assert (s.get("endpoint"), s.source("endpoint")) == ("flag.example.com:443", "command-line flag")
    # the environment named with --env wins over an ambient variable
    assert (s.get("client_id"), s.source("client_id")) == ("yaml-bot", "flyte-reconciler.yaml environment prod")
    assert (s.get("scopes"), s.source("scopes")) == (["yaml"], "flyte-reconciler.yaml environment prod")
    assert s.get("console_url") == "https://yaml-console"
    assert (s.get("token_url"), s.source("token_url")) == ("https://idp.example.com/oauth2/token",
                                                           f"flytectl config {path}")


def test_environment_model_defaults_do_not_override_the_flytectl_file(tmp_path: Path) -> None:
    """``Environment.insecure`` defaults to False; only what the user wrote may take precedence."""
    path = _file(tmp_path, "admin: {endpoint: 'dns:///localhost:30080', insecure: true}\n")
    written = Environment.model_validate({"clientId": "bot"})
    s = resolve(flags={}, environ={"HOME": str(tmp_path)}, environment=written, environment_name="dev",
                flytectl_config=str(path))
    assert s.get("insecure") is True and s.source("insecure").startswith("flytectl config")
    assert s.source("client_id") == "flyte-reconciler.yaml environment dev"
    explicit = Environment.model_validate({"insecure": False})
    assert resolve(flags={}, environ={"HOME": str(tmp_path)}, environment=explicit,
                   flytectl_config=str(path)).get("insecure") is False


@pytest.mark.parametrize("endpoint", ["dns:///flyte.example.com:443", "flyte.example.com:443",
                                      "https://flyte.example.com:443/", "grpcs://flyte.example.com:443"])
def test_endpoint_schemes_are_stripped_for_python_grpc(tmp_path: Path, endpoint: str) -> None:
    s = resolve(flags={"endpoint": endpoint}, environ={"HOME": str(tmp_path)})
    assert s.get("endpoint") == "flyte.example.com:443"


def test_an_endpoint_with_a_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not HOST"):
        resolve(flags={"endpoint": "https://flyte.example.com/console"}, environ={"HOME": str(tmp_path)})


def test_auth_mode_is_inferred_from_what_is_configured(tmp_path: Path) -> None:
    base = {"HOME": str(tmp_path)}
    cases = [({"FLYTE_RECONCILER_TOKEN_FILE": "/t"}, "StaticToken"),
             ({"FLYTE_CREDENTIALS_COMMAND": "gettoken"}, "ExternalCommand"),
             ({"FLYTE_CREDENTIALS_CLIENT_ID": "bot", "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR": "X"}, "ClientSecret"),
             ({"FLYTE_CREDENTIALS_CLIENT_ID": "bot"}, "none")]
    for extra, mode in cases:
        assert resolve(flags={}, environ={**base, **extra}).auth_mode()[0] == mode
    explicit = resolve(flags={}, environ={**base, "FLYTE_CREDENTIALS_AUTH_MODE": "DeviceFlow",
                                          "FLYTE_CREDENTIALS_COMMAND": "gettoken"})
    assert explicit.auth_mode() == ("DeviceFlow", "environment variable FLYTE_CREDENTIALS_AUTH_MODE")


def test_a_literal_secret_is_only_accepted_from_the_environment(tmp_path: Path) -> None:
    """A secret on the command line lands in shell history and process lists: refuse it."""
    with pytest.raises(ConfigError, match="literal client secret is not accepted from command-line flag") as caught:
        resolve(flags={"client_secret": "canary-literal"}, environ={"HOME": str(tmp_path)})
    assert "canary-literal" not in str(caught.value)


def test_secrets_are_redacted_in_repr_describe_and_cannot_be_pickled(tmp_path: Path) -> None:
    s = resolve(flags={}, environ={"HOME": str(tmp_path), "FLYTE_CREDENTIALS_CLIENT_SECRET": "canary-9d1"})
    assert "canary-9d1" not in repr(s) and "canary-9d1" not in str(s.describe())
    assert ("client_secret", "****", "environment variable FLYTE_CREDENTIALS_CLIENT_SECRET") in s.describe()
    assert f"{s.get('client_secret')}" == "Secret('****')"
    with pytest.raises(TypeError):
        pickle.dumps(s.get("client_secret"))


def test_settings_are_immutable(tmp_path: Path) -> None:
    s = resolve(flags={"endpoint": "a:1"}, environ={"HOME": str(tmp_path)})
    with pytest.raises(TypeError):
        s.values["endpoint"] = None  # type: ignore[index]


def test_unknown_flag_keys_are_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown setting keys"):
        resolve(flags={"endpiont": "a:1"}, environ={"HOME": str(tmp_path)})
