"""Saved plans pin their target: record it at ``plan --out``, connect to exactly it at ``apply --plan``.

``record_target`` turns the settings a plan connected with into a ``PlannedTarget`` (endpoint, TLS
mode with the CA bundle's fingerprint, auth mode and client id — never a secret). ``pinned_target``
gives the ``Target`` that reaches the recorded admin again with no extra flags: the recorded endpoint
and TLS mode are used as if given as flags, secrets and the CA bundle come from the same sources as
at plan time, and anything given now that points elsewhere — a flag, a variable, another ``--env``,
``--sandbox`` — refuses the apply with a ``WrongTargetError`` naming both targets, before any
connection is opened.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from reconciler.connect import Target, connection_settings
from reconciler.errors import ConfigError, WrongTargetError
from reconciler.manifests.config import RunConfig
from reconciler.plan.target import CA_PREFIX, INSECURE, SKIP_VERIFY, SYSTEM_ROOTS, PlannedTarget
from reconciler.settings import ENV_VARS, ConnectionSettings

# Sources that are something the user says for this run (a flag or a variable), as opposed to the
# files (flyte-reconciler.yaml, the flytectl config) whose answer the recorded target replaces.
_EXPLICIT_SOURCES = ("command-line flag", "environment variable")
_FLAGS = {"endpoint": "--endpoint (or FLYTE_RECONCILER_ENDPOINT)", "insecure": "--insecure/--secure"}


def _tls(settings: ConnectionSettings) -> str:
    if settings.get("insecure"):
        return INSECURE
    if settings.get("insecure_skip_verify"):
        return SKIP_VERIFY
    path = settings.get("ca_cert_file")
    if not path:
        return SYSTEM_ROOTS
    try:
        return CA_PREFIX + hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"cannot read the CA certificate file {path}: {exc.strerror}") from exc


def _config_path(config: RunConfig | None) -> str | None:
    return config.path if config is not None and config.path else None


def record_target(target: Target, config: Any, *, scope: tuple[frozenset[str], frozenset[str]] | None = None
                  ) -> PlannedTarget:
    """The target ``open_admin(target, config)`` connects to, as a saved plan records it."""
    projects, domains = scope or (frozenset(), frozenset())
    common = PlannedTarget(environment=target.environment, config_file=_config_path(config),
                           scope_projects=tuple(sorted(projects)), scope_domains=tuple(sorted(domains)))
    if target.sandbox:
        return common.model_copy(update={"sandbox": True, "tls": INSECURE})
    settings = connection_settings(target, config)
    client_id = settings.get("client_id")
    return common.model_copy(update={"endpoint": settings.get("endpoint"), "tls": _tls(settings),
                                     "auth_mode": settings.auth_mode()[0],
                                     "client_id": str(client_id) if client_id else None})


def _refuse(recorded: PlannedTarget, elsewhere: str) -> WrongTargetError:
    return WrongTargetError(
        f"the saved plan was made for {recorded.describe()}, but {elsewhere}; refusing to apply it there "
        "(nothing was written)",
        hint="apply a saved plan without connection flags (it connects to the target it was made for), or make "
             "a plan for the other target with `flyte-reconciler plan --out FILE`")


def _explicit(source: str | None) -> bool:
    return bool(source) and str(source).startswith(_EXPLICIT_SOURCES)  # "environment variable NAME" too


def _named(key: str, source: str | None) -> str:
    """Which flag or variable set ``key``, for the message."""
    if source == "command-line flag":
        return _FLAGS[key]
    if source and source.startswith("environment variable "):
        return f"the {source}"
    names = [name for name, ours in ENV_VARS.items() if ours == key and os.environ.get(name)]
    return f"the environment variable {names[0]}" if names else f"the {source}"


def _check_explicit(recorded: PlannedTarget, given: Target, config: Any) -> None:
    """Refuse when a flag or variable given now names another endpoint or TLS mode than the plan's."""
    now = connection_settings(Target(endpoint=given.endpoint, insecure=given.insecure,
                                     environment=recorded.environment, flytectl_config=given.flytectl_config), config)
    endpoint, source = now.get("endpoint"), now.source("endpoint")
    if endpoint and _explicit(source) and endpoint != recorded.endpoint:
        raise _refuse(recorded, f"{_named('endpoint', source)} points to {endpoint}")
    insecure, source = now.get("insecure"), now.source("insecure")
    if insecure is not None and _explicit(source) and bool(insecure) != recorded.insecure:
        raise _refuse(recorded, f"{_named('insecure', source)} asks for {'plaintext' if insecure else 'TLS'}")
    # A variable the plan's environment overrides still says the user meant another target: refuse too.
    for override in now.overrides:
        ignored = override.loser
        if ignored.ambient and override.key == "endpoint" and ignored.value != recorded.endpoint:
            raise _refuse(recorded, f"the {ignored.source} points to {ignored.value}")
        if ignored.ambient and override.key == "insecure" and bool(ignored.value) != recorded.insecure:
            raise _refuse(recorded, f"the {ignored.source} asks for {'plaintext' if ignored.value else 'TLS'}")


def pinned_target(recorded: PlannedTarget, *, given: Target, config: Any) -> Target:
    """The connection for a saved plan: exactly ``recorded``; ``given`` holds this run's flags."""
    if given.environment and given.environment != recorded.environment:
        raise _refuse(recorded, f"--env {given.environment} names another environment")
    if recorded.sandbox:
        if given.endpoint:
            raise _refuse(recorded, f"--endpoint {given.endpoint} points to another admin")
        return Target(sandbox=True, environment=recorded.environment)
    if given.sandbox:
        raise _refuse(recorded, "--sandbox points to the embedded sandbox admin")
    _check_explicit(recorded, given, config)
    effective = Target(endpoint=recorded.endpoint, insecure=recorded.insecure, environment=recorded.environment,
                       flytectl_config=given.flytectl_config,
                       allow_plaintext_credentials=given.allow_plaintext_credentials)
    now = record_target(effective, config)
    differences = recorded.differences(now)
    if differences:
        raise _refuse(recorded, f"the settings found now ({', '.join(differences)} differ) lead to {now.describe()}")
    return effective
