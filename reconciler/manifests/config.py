"""The run configuration ``flyte-reconciler.yaml``: environments, managed scope, domains, prune policy.

Validated as strictly as manifests (unknown keys rejected with a "did you mean", every problem
located at its line). Adding a key is one field on the right model below; connection and auth
keys of an environment are read by ``reconciler.settings`` (its ``ENVIRONMENT_KEYS`` table must
name only fields of ``Environment``). This module never renders templates and never connects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.errors import ManifestError, ManifestProblem
from reconciler.manifests.problems import pydantic_problems
from reconciler.manifests.secrets import CREDENTIAL_VARIABLES
from reconciler.manifests.yamlload import YamlProblem, load_documents

CONFIG_FILE = "flyte-reconciler.yaml"
DEFAULT_DOMAINS = ("development", "staging", "production")
MAX_CONFIG_BYTES = 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Environment(_Strict):
    """One named target (``--env NAME``): where Admin is and the template variables for it."""

    endpoint: str | None = None
    insecure: bool = False
    consoleUrl: str | None = None
    vars: dict[str, Any] = {}
    # Connection and auth keys, spelled like flytectl's ``admin.*`` keys where one exists.
    caCertFile: str | None = None
    insecureSkipVerify: bool | None = None
    authType: str | None = None
    clientId: str | None = None
    clientSecretEnvVar: str | None = None
    clientSecretLocation: str | None = None
    scopes: list[str] | None = None
    audience: str | None = None
    useAudienceFromAdmin: bool | None = None
    tokenUrl: str | None = None
    authorizationHeader: str | None = None
    command: str | list[str] | None = None
    tokenFile: str | None = None
    tokenEnvVar: str | None = None
    allowPlaintextCredentials: bool | None = None


class Scope(_Strict):
    """What this manifest set manages: live objects here but not in git are "unmanaged"."""

    projects: list[str] = []
    domains: list[str] = []


class Prune(_Strict):
    """Per kind: remove (or deactivate/archive) managed-scope objects absent from the manifests."""

    projects: bool = False
    launchPlans: bool = False
    attributes: bool = False
    workflows: bool = False
    backfills: bool = False
    runs: bool = False  # terminate a still-running execution of a Run removed from the manifests
    packages: bool = False  # refused when true: Admin cannot delete tasks or workflows

    @field_validator("packages")
    @classmethod
    def _packages_are_never_pruned(cls, value: bool) -> bool:
        if value:
            raise ValueError("Flyte Admin cannot delete tasks, workflows or launch plan versions, so packages are "
                             "never pruned (remove prune.packages; unmanaged workflows stay listed)")
        return value


class Templates(_Strict):
    """What templates may read from the process environment (see ``reconciler.manifests.secrets``)."""

    env: list[str] = []

    @field_validator("env")
    @classmethod
    def _no_credentials(cls, names: list[str]) -> list[str]:
        for name in names:
            if name in CREDENTIAL_VARIABLES:
                raise ValueError(f"{name} is a credential variable of the tool; templates can never read it (list "
                                 "only variables that hold no secret)")
        return names


# --- controller: the long-running reconciler's settings (``flyte-reconciler controller``) ---------------
SYNC_POLICIES = ("manual", "auto", "selfHeal")


class SyncWindow(_Strict):
    """A window (cron start + duration) in which automatic syncs are allowed or denied, as in Argo CD."""

    kind: Literal["allow", "deny"]
    schedule: str  # 5-field cron, evaluated in UTC
    duration: str  # e.g. 30m, 1h, 2h30m
    environments: list[str] = []  # empty: every environment
    manualSync: bool = False  # a deny window still lets an explicit POST .../sync through


class ControllerEnvironment(_Strict):
    sync: Literal["manual", "auto", "selfHeal"] | None = None
    paused: bool = False
    maxDeletions: int | None = Field(default=None, ge=0)


class ControllerNotification(_Strict):
    """A webhook told about changes of state; the URL (a secret for Slack) may come from the environment."""

    url: str | None = None
    urlEnvVar: str | None = None
    format: Literal["json", "slack"] = "json"


class ControllerConfig(_Strict):
    source: str | None = None
    ref: str | None = None
    path: str | None = None
    sync: Literal["manual", "auto", "selfHeal"] | None = None
    interval: float | None = Field(default=None, gt=0)
    listen: str | None = None
    workdir: str | None = None
    maxDeletions: int | None = Field(default=None, ge=0)
    environments: dict[str, ControllerEnvironment] = {}
    syncWindows: list[SyncWindow] = []
    notifications: list[ControllerNotification] = []
    tokenEnvVar: str | None = None  # bearer token for writes and non-loopback reads
    webhookSecretEnvVar: str | None = None  # GitHub HMAC secret / GitLab token
    gitTokenEnvVar: str | None = None  # HTTPS token for the git source (via GIT_ASKPASS, never on a command line)


class Drift(_Strict):
    """What ``plan --detailed-exitcode`` counts as drift besides pending actions."""

    # report: unmanaged objects inside the managed scope exit 2 (a hand-made object is drift);
    # ignore: they are listed but do not change the exit code.
    unmanaged: Literal["report", "ignore"] = "report"


class RunConfig(_Strict):
    environments: dict[str, Environment] = {}
    templates: Templates = Field(default_factory=Templates)
    scope: Scope = Field(default_factory=Scope)
    domains: list[str] = list(DEFAULT_DOMAINS)
    prune: Prune = Field(default_factory=Prune)
    controller: ControllerConfig | None = None
    drift: Drift = Field(default_factory=Drift)
    path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _scope_domains_are_known(self) -> RunConfig:
        if not self.domains:
            raise ValueError("the domain list is empty (the domains Flyte Admin is configured with, "
                             "default development, staging, production)")
        unknown = [d for d in self.scope.domains if d not in self.domains]
        if unknown:
            raise ValueError(f"scope.domains names {', '.join(unknown)}, not in the configured domains "
                             f"(a subset of: {', '.join(self.domains)})")
        return self


def _candidates(search_paths: list[str]) -> list[Path]:
    candidates: list[Path] = []
    for search in search_paths:
        root = Path(search)
        root = root if root.is_dir() else root.parent
        candidates += [root / CONFIG_FILE, root.parent / CONFIG_FILE]
    candidates.append(Path(CONFIG_FILE))
    return candidates


def load_config(path: str | None, search_paths: list[str]) -> RunConfig:
    """Read the run configuration: ``path`` when given (it must exist), else the first
    ``flyte-reconciler.yaml`` at (or just above) the root of a manifest path, else the current
    directory's; without any, the defaults. Raises ``ManifestError`` with located problems."""
    if path is not None:
        if not Path(path).is_file():
            raise ManifestError([ManifestProblem(path, 1, "Config", "", "", "config file not found",
                                                 "an existing flyte-reconciler.yaml (--config FILE)")])
        return _read(Path(path))
    for candidate in _candidates(search_paths):
        if candidate.is_file():
            return _read(candidate)
    return RunConfig()


def _read(path: Path) -> RunConfig:
    file = str(path)

    def fail(line: int, problem: str, expected: str = "", field: str = "") -> ManifestError:
        return ManifestError([ManifestProblem(file, line, "Config", "", field, problem, expected)])

    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise fail(1, "file is too large", f"at most {MAX_CONFIG_BYTES} bytes")
        text = path.read_bytes().decode("utf-8-sig")
        documents = load_documents(text)
    except UnicodeDecodeError as exc:
        raise fail(1, "not valid UTF-8", "UTF-8 YAML text") from exc
    except OSError as exc:
        raise fail(1, f"cannot read the file: {exc.strerror or exc}") from exc
    except YamlProblem as exc:
        raise fail(exc.line, exc.message, field=".".join(map(str, exc.path))) from exc
    if len(documents) > 1:
        raise fail(documents[1].start_line, "more than one YAML document", "one mapping")
    value = documents[0].value if documents else {}
    lines = documents[0].lines if documents else {}
    if not isinstance(value, dict):
        raise fail(1, "the run configuration must be a mapping", "environments, templates, scope, domains, prune")
    if "path" in value:
        raise fail(lines.get(("path",), 1), "unknown field 'path'", "environments, templates, scope, domains, prune",
                   field="path")
    try:
        return RunConfig.model_validate({**value, "path": file})
    except pydantic.ValidationError as exc:
        raise ManifestError(pydantic_problems(exc, model=RunConfig, file=file, lines=lines, start=1,
                                              kind="Config", address="")) from exc
