"""Connection settings and where each came from (pure: reads only the mappings and files it is given).

Precedence, per setting: command-line flags → environment variables flytekit users already set
(``FLYTE_PLATFORM_*``, ``FLYTE_CREDENTIALS_*``) → the selected environment of flyte-reconciler.yaml →
the flytectl config file (``--flytectl-config``, ``$FLYTECTL_CONFIG``, ``~/.flyte/config.yaml``), read
with flytectl's ``admin.*`` keys. Secrets are held in ``Secret`` values that never print.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import ConfigError

FALSE = {"false", "0", "off", "no", ""}
AUTH_ALIASES = {"clientsecret": "ClientSecret", "client_credentials": "ClientSecret", "externalcommand":
                "ExternalCommand", "external_process": "ExternalCommand", "pkce": "Pkce", "standard": "Pkce",
                "deviceflow": "DeviceFlow", "token": "StaticToken", "statictoken": "StaticToken"}


class Secret:
    """A secret value; its str/repr are redacted so it cannot leak through logs or errors."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str


@dataclass(frozen=True)
class ConnectionSettings:
    values: dict[str, Setting] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        setting = self.values.get(key)
        return setting.value if setting is not None else default

    def describe(self) -> list[tuple[str, str, str]]:
        rows = []
        for key in sorted(self.values):
            setting = self.values[key]
            shown = "****" if isinstance(setting.value, Secret) else str(setting.value)
            rows.append((key, shown, setting.source))
        return rows


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() not in FALSE


def _auth(value: Any) -> str:
    name = AUTH_ALIASES.get(str(value).replace("-", "").lower())
    if name is None:
        raise ConfigError(f"unknown auth mode {value!r}",
                          hint="one of ClientSecret, ExternalCommand, Pkce, DeviceFlow, StaticToken")
    return name


def flytectl_config_path(explicit: str | None, environ: Mapping[str, str]) -> Path | None:
    for candidate in (explicit, environ.get("FLYTECTL_CONFIG"), str(Path.home() / ".flyte" / "config.yaml")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    if explicit:
        raise ConfigError(f"flytectl config file {explicit} not found")
    return None


def _flytectl(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read flytectl config {path}: {exc}") from exc
    admin = data.get("admin") or {}
    mapping = {"endpoint": "endpoint", "insecure": "insecure", "insecureSkipVerify": "insecure_skip_verify",
               "caCertFilePath": "ca_cert_file", "authType": "auth_type", "clientId": "client_id",
               "clientSecretLocation": "client_secret_location", "clientSecretEnvVar": "client_secret_env_var",
               "scopes": "scopes", "audience": "audience", "tokenUrl": "token_url",
               "authorizationHeader": "authorization_header", "command": "command"}
    result = {ours: admin[theirs] for theirs, ours in mapping.items() if admin.get(theirs) not in (None, "", [])}
    console = (data.get("console") or {}).get("endpoint")
    if console:
        result["console_url"] = console
    return result


def _env_vars(environ: Mapping[str, str]) -> dict[str, Any]:
    mapping = {"FLYTE_PLATFORM_URL": "endpoint", "FLYTE_PLATFORM_INSECURE": "insecure",
               "FLYTE_PLATFORM_INSECURE_SKIP_VERIFY": "insecure_skip_verify",
               "FLYTE_PLATFORM_CA_CERT_FILE_PATH": "ca_cert_file", "FLYTE_PLATFORM_CONSOLE_ENDPOINT": "console_url",
               "FLYTE_CREDENTIALS_CLIENT_ID": "client_id", "FLYTE_CREDENTIALS_CLIENT_SECRET": "client_secret",
               "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION": "client_secret_location",
               "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR": "client_secret_env_var",
               "FLYTE_CREDENTIALS_AUTH_MODE": "auth_type", "FLYTE_CREDENTIALS_SCOPES": "scopes",
               "FLYTE_CREDENTIALS_AUDIENCE": "audience", "FLYTE_CREDENTIALS_COMMAND": "command",
               "FLYTE_RECONCILER_TOKEN_FILE": "token_file", "FLYTE_RECONCILER_TOKEN_ENV_VAR": "token_env_var"}
    result = {ours: environ[theirs] for theirs, ours in mapping.items() if environ.get(theirs)}
    for key in ("scopes", "command"):
        if key in result:
            result[key] = [part.strip() for part in result[key].split(",") if part.strip()]
    return result


def _environment(env: Any) -> dict[str, Any]:
    if env is None:
        return {}
    mapping = {"endpoint": "endpoint", "insecure": "insecure", "caCertFile": "ca_cert_file",
               "insecureSkipVerify": "insecure_skip_verify", "authType": "auth_type", "clientId": "client_id",
               "clientSecretEnvVar": "client_secret_env_var", "clientSecretLocation": "client_secret_location",
               "scopes": "scopes", "audience": "audience", "tokenUrl": "token_url", "command": "command",
               "consoleUrl": "console_url"}
    data = env if isinstance(env, Mapping) else env.model_dump(exclude_none=True)
    return {ours: data[theirs] for theirs, ours in mapping.items() if data.get(theirs) not in (None, "", [])}


def resolve(*, flags: Mapping[str, Any], environ: Mapping[str, str] | None = None, environment: Any = None,
            environment_name: str | None = None, flytectl_config: str | None = None) -> ConnectionSettings:
    environ = os.environ if environ is None else environ
    path = flytectl_config_path(flytectl_config, environ)
    layers = [
        ("flytectl config " + str(path), _flytectl(path)),
        (f"flyte-reconciler.yaml environment {environment_name}", _environment(environment)),
        ("environment variable", _env_vars(environ)),
        ("command-line flag", {k: v for k, v in flags.items() if v is not None}),
    ]
    values: dict[str, Setting] = {}
    for source, layer in layers:  # later layers win
        for key, value in layer.items():
            values[key] = Setting(value, source)
    for key in ("insecure", "insecure_skip_verify"):
        if key in values:
            values[key] = Setting(_bool(values[key].value), values[key].source)
    if "auth_type" in values:
        values["auth_type"] = Setting(_auth(values["auth_type"].value), values["auth_type"].source)
    if "client_secret" in values:
        values["client_secret"] = Setting(Secret(str(values["client_secret"].value)), values["client_secret"].source)
    if "endpoint" in values:
        endpoint = str(values["endpoint"].value)
        for prefix in ("dns:///", "grpc://", "grpcs://", "http://", "https://"):
            endpoint = endpoint.removeprefix(prefix)
        values["endpoint"] = Setting(endpoint.rstrip("/"), values["endpoint"].source)
    return ConnectionSettings(values)
