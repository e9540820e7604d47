"""Connection settings and where each came from (pure: reads only the mappings and files it is given).

Precedence, per setting: command-line flags → the environment of flyte-reconciler.yaml chosen with
``--env`` → environment variables flytekit users already set (``FLYTE_PLATFORM_*``,
``FLYTE_CREDENTIALS_*``) → the flytectl config file (``--flytectl-config``, ``$FLYTECTL_CONFIG``,
``~/.flyte/config.yaml``), read with flytectl's ``admin.*`` keys. An environment someone named on the
command line is a deliberate choice; a variable left in a shell or a CI job is ambient, so the named
environment wins for every key it sets. The client secret and the static token are each one setting
with several spellings (``GROUPS``): the highest source that spells one of them decides it whole, so a
staging secret in the shell is never sent to production's token endpoint. Whenever an ambient
variable is overridden or overrides another source with a different value, ``overrides`` says so
(``doctor`` lists them, the CLI prints a notice). Secrets are held in ``Secret`` values that never print.

This module never opens a connection, never imports grpc and never prints; ``doctor`` renders
``describe()``. Keys are our snake_case names (``SETTING_KEYS``); each source's own spelling is mapped
in one table per source below.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from reconciler.errors import ConfigError

FALSE = frozenset({"false", "0", "off", "no", ""})
TRUE = frozenset({"true", "1", "on", "yes"})
AUTH_MODES = ("ClientSecret", "ExternalCommand", "DeviceFlow", "Pkce", "StaticToken")
# Lower-cased names without - and _ → canonical mode: flytectl's Go names plus flytekit's aliases
# (``AuthType[name.upper()]``: client_credentials, basic, external_process, standard).
AUTH_ALIASES = {"clientsecret": "ClientSecret", "clientcredentials": "ClientSecret", "basic": "ClientSecret",
                "externalcommand": "ExternalCommand", "externalprocess": "ExternalCommand",
                "pkce": "Pkce", "standard": "Pkce", "deviceflow": "DeviceFlow",
                "token": "StaticToken", "statictoken": "StaticToken"}
BOOL_KEYS = ("insecure", "insecure_skip_verify", "use_audience_from_admin", "allow_plaintext_credentials")
LIST_KEYS = ("scopes",)
ARGV_KEYS = ("command",)

# flytectl's ``admin.*`` keys exactly as the Go client reads them (idl/clients/go/admin/config.go).
FLYTECTL_ADMIN_KEYS = {
    "endpoint": "endpoint", "insecure": "insecure", "insecureSkipVerify": "insecure_skip_verify",
    "caCertFilePath": "ca_cert_file", "authType": "auth_type", "clientId": "client_id",
    "clientSecretLocation": "client_secret_location", "clientSecretEnvVar": "client_secret_env_var",
    "scopes": "scopes", "audience": "audience", "useAudienceFromAdmin": "use_audience_from_admin",
    "tokenUrl": "token_url", "authorizationHeader": "authorization_header", "command": "command",
}
# The environment variables flytekit reads (fk/configuration), plus our own for a static token.
ENV_VARS = {
    "FLYTE_PLATFORM_URL": "endpoint", "FLYTE_RECONCILER_ENDPOINT": "endpoint",  # ours wins over flytekit's
    "FLYTE_PLATFORM_INSECURE": "insecure",
    "FLYTE_PLATFORM_INSECURE_SKIP_VERIFY": "insecure_skip_verify",
    "FLYTE_PLATFORM_CA_CERT_FILE_PATH": "ca_cert_file", "FLYTE_PLATFORM_CONSOLE_ENDPOINT": "console_url",
    "FLYTE_CREDENTIALS_CLIENT_ID": "client_id", "FLYTE_CREDENTIALS_CLIENT_SECRET": "client_secret",
    "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION": "client_secret_location",
    "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR": "client_secret_env_var",
    "FLYTE_CREDENTIALS_AUTH_MODE": "auth_type", "FLYTE_CREDENTIALS_SCOPES": "scopes",
    "FLYTE_CREDENTIALS_AUDIENCE": "audience", "FLYTE_CREDENTIALS_COMMAND": "command",
    "FLYTE_RECONCILER_TOKEN_FILE": "token_file", "FLYTE_RECONCILER_TOKEN_ENV_VAR": "token_env_var",
}
# Keys of an environment in flyte-reconciler.yaml (camelCase like flytectl's).
ENVIRONMENT_KEYS = {
    "endpoint": "endpoint", "insecure": "insecure", "caCertFile": "ca_cert_file",
    "insecureSkipVerify": "insecure_skip_verify", "authType": "auth_type", "clientId": "client_id",
    "clientSecretEnvVar": "client_secret_env_var", "clientSecretLocation": "client_secret_location",
    "scopes": "scopes", "audience": "audience", "useAudienceFromAdmin": "use_audience_from_admin",
    "tokenUrl": "token_url", "authorizationHeader": "authorization_header", "command": "command",
    "consoleUrl": "console_url", "tokenFile": "token_file", "tokenEnvVar": "token_env_var",
    "allowPlaintextCredentials": "allow_plaintext_credentials",
}
# Keys that are one setting spelled several ways: only the highest source that sets any of them counts.
GROUPS = (("client_secret", "client_secret_env_var", "client_secret_location"), ("token_file", "token_env_var"))
AMBIENT = "environment variable"
SETTING_KEYS = tuple(dict.fromkeys([*FLYTECTL_ADMIN_KEYS.values(), *ENV_VARS.values(), *ENVIRONMENT_KEYS.values()]))
ENDPOINT_SCHEMES = ("dns:///", "grpc://", "grpcs://", "http://", "https://")


class Secret:
    """A secret value; its str/repr are redacted so it cannot leak through logs or errors."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # pickling would write the value out: refuse
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str

    @property
    def ambient(self) -> bool:
        return self.source.startswith(AMBIENT)

    @property
    def variable(self) -> str:
        return self.source.removeprefix(AMBIENT).strip()


@dataclass(frozen=True)
class Override:
    """An ambient variable that lost to, or won over, another source with a different value."""

    key: str
    winner: Setting
    loser: Setting
    winner_key: str = ""  # the key that decided a GROUPS setting, when not ``key`` itself

    def line(self) -> str:
        if self.loser.ambient:
            key = self.winner_key or self.key
            return (f"{self.loser.variable}={_shown(self.loser.value)} is ignored: {self.winner.source} sets "
                    f"{key}={_shown(self.winner.value)}")
        return (f"{self.winner.variable}={_shown(self.winner.value)} overrides {self.key}="
                f"{_shown(self.loser.value)} from {self.loser.source}")


@dataclass(frozen=True)
class ConnectionSettings:
    """The resolved settings: ``values`` maps a key of ``SETTING_KEYS`` to its value and source."""

    values: Mapping[str, Setting] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "overrides", tuple(self.overrides))

    def notices(self) -> list[str]:
        """One line per ambient variable that was overridden or overrides (for stderr and ``doctor``)."""
        return [override.line() for override in self.overrides]

    def get(self, key: str, default: Any = None) -> Any:
        setting = self.values.get(key)
        return setting.value if setting is not None else default

    def source(self, key: str) -> str | None:
        setting = self.values.get(key)
        return setting.source if setting is not None else None

    def auth_mode(self) -> tuple[str, str]:
        """The effective auth mode and why: explicit, else inferred from what is configured."""
        explicit = self.values.get("auth_type")
        if explicit is not None:
            return explicit.value, explicit.source
        if self.get("token_env_var") or self.get("token_file"):
            return "StaticToken", "inferred: a static token is configured"
        if self.get("command"):
            return "ExternalCommand", "inferred: a token command is configured"
        if self.get("client_id") and any(self.get(k) for k in ("client_secret", "client_secret_env_var",
                                                                 "client_secret_location")):
            return "ClientSecret", "inferred: a client id and secret are configured"
        return "none", "default: no credentials configured"

    def describe(self) -> list[tuple[str, str, str]]:
        """Rows ``(key, shown value, source)`` for ``doctor``; secrets shown as ``****``."""
        rows = [(key, _shown(s.value), s.source) for key, s in self.values.items() if key != "auth_type"]
        rows.append(("auth_type", *self.auth_mode()))
        if "insecure" not in self.values:
            rows.append(("insecure", "False", "default (TLS)"))
        return sorted(rows)


def _shown(value: Any) -> str:
    if isinstance(value, Secret):
        return "****"
    if isinstance(value, list | tuple):
        return " ".join(shlex.quote(str(v)) for v in value) if value else "[]"
    return str(value)


def _bool(key: str, value: Any, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in FALSE:
        return False
    if text in TRUE:
        return True
    raise ConfigError(f"{key} from {source} is {value!r}, not a boolean",
                      hint="use true/false (also accepted: 1/0, on/off, yes/no)")


def _auth(value: Any, source: str) -> str:
    name = AUTH_ALIASES.get(str(value).replace("-", "").replace("_", "").lower())
    if name is None:
        raise ConfigError(f"unknown auth mode {value!r} (from {source})",
                          hint="one of " + ", ".join(AUTH_MODES) + " (flytekit's client_credentials, "
                               "external_process and standard are accepted too)")
    return name


def _list(value: Any) -> list[str]:
    if isinstance(value, str):  # env vars and hand-written YAML: "all,offline" or "all offline"
        return [part for part in value.replace(",", " ").split() if part]
    return [str(part) for part in value]


def _argv(value: Any) -> list[str]:
    if isinstance(value, str):  # FLYTE_CREDENTIALS_COMMAND is comma-separated (flytekit); YAML may be a line
        return [p.strip() for p in value.split(",") if p.strip()] if "," in value else shlex.split(value)
    return [str(part) for part in value]


def normalise_endpoint(endpoint: str, source: str) -> str:
    """``dns:///host:port`` (flytectl) and URL schemes → ``host:port`` for Python gRPC."""
    text = endpoint.strip()
    for prefix in ENDPOINT_SCHEMES:
        text = text.removeprefix(prefix)
    text = text.rstrip("/")
    if not text or "/" in text:
        raise ConfigError(f"endpoint {endpoint!r} (from {source}) is not HOST[:PORT]",
                          hint="write the gRPC address, e.g. flyte.example.com:443 or dns:///flyte.example.com")
    return text


def flytectl_config_path(explicit: str | None, environ: Mapping[str, str]) -> Path | None:
    """flytectl's discovery order: ``--flytectl-config`` > ``$FLYTECTL_CONFIG`` > ``~/.flyte/config.yaml``."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"flytectl config file {explicit} not found",
                              hint="check --flytectl-config, or drop it to use $FLYTECTL_CONFIG / ~/.flyte/config.yaml")
        return path
    home = environ.get("HOME") or str(Path.home())
    for candidate in (environ.get("FLYTECTL_CONFIG"), str(Path(home) / ".flyte" / "config.yaml")):
        if candidate and Path(candidate).expanduser().is_file():
            return Path(candidate).expanduser()
    return None


def _flytectl(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read flytectl config {path}: {exc}",
                          hint="fix the file, or point --flytectl-config elsewhere") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"flytectl config {path} is not a YAML mapping")
    admin = data.get("admin") or {}
    result = {ours: admin[theirs] for theirs, ours in FLYTECTL_ADMIN_KEYS.items()
              if admin.get(theirs) not in (None, "", [])}
    console = (data.get("console") or {}).get("endpoint")
    if console:
        result["console_url"] = console
    return result


def _env_vars(environ: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """One layer per variable set (each is its own source, named in ``doctor`` and notices)."""
    return [(f"{AMBIENT} {theirs}", {ours: environ[theirs]}) for theirs, ours in ENV_VARS.items()
            if environ.get(theirs)]


def _environment(env: Any) -> dict[str, Any]:
    if env is None:
        return {}
    if isinstance(env, Mapping):
        data = dict(env)
    else:  # the run config's pydantic Environment: only what the user wrote, not the model's defaults
        data = env.model_dump(include=set(env.model_fields_set))
    return {ours: data[theirs] for theirs, ours in ENVIRONMENT_KEYS.items() if data.get(theirs) not in (None, "", [])}


def _normalise(key: str, value: Any, source: str) -> Any:
    if key in BOOL_KEYS:
        return _bool(key, value, source)
    if key in LIST_KEYS:
        return _list(value)
    if key in ARGV_KEYS:
        return _argv(value)
    if key == "auth_type":
        return _auth(value, source)
    if key == "client_secret":
        return value if isinstance(value, Secret) else Secret(str(value))
    if key == "endpoint":
        return normalise_endpoint(str(value), source)
    if key in ("ca_cert_file", "client_secret_location", "token_file"):
        return str(Path(str(value)).expanduser())
    return value


def resolve(*, flags: Mapping[str, Any], environ: Mapping[str, str] | None = None, environment: Any = None,
            environment_name: str | None = None, flytectl_config: str | None = None) -> ConnectionSettings:
    """Merge the four sources; ``flags`` uses our key names, ``None`` meaning "not given"."""
    environ = os.environ if environ is None else environ
    unknown = sorted(set(flags) - set(SETTING_KEYS))
    if unknown:
        raise ValueError(f"unknown setting keys in flags: {unknown}")  # a programming error, not the user's
    path = flytectl_config_path(flytectl_config, environ)
    layers = [  # lowest precedence first
        (f"flytectl config {path}", _flytectl(path)),
        *_env_vars(environ),
        (f"flyte-reconciler.yaml environment {environment_name}", _environment(environment)),
        ("command-line flag", {k: v for k, v in flags.items() if v is not None}),
    ]
    candidates: dict[str, list[Setting]] = {}
    for source, layer in layers:
        for key, value in layer.items():
            if key == "client_secret" and not source.startswith(AMBIENT) and not isinstance(value, Secret):
                # A literal secret belongs in the environment, never in a committed file or a shell history.
                raise ConfigError(f"a literal client secret is not accepted from {source}",
                                  hint="use FLYTE_CREDENTIALS_CLIENT_SECRET, clientSecretEnvVar or "
                                       "clientSecretLocation")
            candidates.setdefault(key, []).append(Setting(_normalise(key, value, source), source))
    # The four sources in precedence order; every ambient variable shares the rank of the process environment.
    rank = {source: 1 if source.startswith(AMBIENT) else 0 for source, _ in layers}
    rank.update({layers[-2][0]: 2, layers[-1][0]: 3})
    overrides: list[Override] = []
    for group in GROUPS:
        _decide_group(group, candidates, rank, overrides)
    values: dict[str, Setting] = {}
    for key, found in candidates.items():
        winner = values[key] = found[-1]
        overrides.extend(Override(key, winner, loser) for loser in found[:-1]
                         if (winner.ambient or loser.ambient) and loser.value != winner.value)
    return ConnectionSettings(values, tuple(overrides))


def _decide_group(group: tuple[str, ...], candidates: dict[str, list[Setting]], rank: Mapping[str, int],
                  overrides: list[Override]) -> None:
    """Keep only the group's settings from the highest layer that spells any of them; ambient variables
    are one layer here (flytekit's literal secret beside a variable name is flytekit's own choice)."""
    found = [(key, setting) for key in group for setting in candidates.get(key, [])]
    if not found:
        return
    top = max(rank[setting.source] for _, setting in found)
    deciding_key, deciding = next((key, s) for key, s in reversed(found) if rank[s.source] == top)
    for key in group:
        kept = [s for s in candidates.get(key, []) if rank[s.source] == top]
        overrides.extend(Override(key, deciding, dropped, winner_key=deciding_key)
                         for dropped in candidates.get(key, [])
                         if rank[dropped.source] != top and (dropped.ambient or deciding.ambient))
        if kept:
            candidates[key] = kept
        else:
            candidates.pop(key, None)
