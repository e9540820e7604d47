"""The run configuration ``flyte-reconciler.yaml``: environments, managed scope, domains, prune policy."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CONFIG_FILE = "flyte-reconciler.yaml"
DEFAULT_DOMAINS = ("development", "staging", "production")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Environment(_Strict):
    endpoint: str | None = None
    insecure: bool = False
    consoleUrl: str | None = None
    vars: dict[str, Any] = {}
    # connection keys read by the settings resolver (flytectl-compatible names)
    caCertFile: str | None = None
    insecureSkipVerify: bool | None = None
    authType: str | None = None
    clientId: str | None = None
    clientSecretEnvVar: str | None = None
    clientSecretLocation: str | None = None
    scopes: list[str] | None = None
    audience: str | None = None
    tokenUrl: str | None = None
    command: list[str] | None = None


class Scope(_Strict):
    projects: list[str] = []
    domains: list[str] = []


class Prune(_Strict):
    projects: bool = False
    launchPlans: bool = False
    attributes: bool = False
    workflows: bool = False
    backfills: bool = False


class RunConfig(_Strict):
    environments: dict[str, Environment] = {}
    scope: Scope = Field(default_factory=Scope)
    domains: list[str] = list(DEFAULT_DOMAINS)
    prune: Prune = Field(default_factory=Prune)
    path: str | None = Field(default=None, exclude=True)
