"""Controller settings from the command line and the ``controller:`` section of flyte-reconciler.yaml.

Per key: a flag wins over the file, the file over the defaults. Environments: ``--env`` names, else
the keys of ``controller.environments``; with neither, a single environment named after the target
(``sandbox`` or ``default``) that uses no environment of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.controller.cycle import ConnectionFlags, EnvironmentSettings
from reconciler.controller.loop import DEFAULT_INTERVAL_S, DEFAULT_LISTEN, DEFAULT_WORKDIR, ControllerSettings
from reconciler.controller.notify import NotificationTarget
from reconciler.controller.policy import MANUAL, POLICIES
from reconciler.controller.windows import SyncWindow
from reconciler.errors import ConfigError
from reconciler.manifests.config import ControllerConfig, RunConfig
from reconciler.plan.options import DEFAULT_MAX_DELETIONS


@dataclass(frozen=True)
class ControllerFlags:
    source: str | None = None
    ref: str | None = None
    path: str | None = None
    environments: tuple[str, ...] = ()
    sync: str | None = None
    interval: float | None = None
    listen: str | None = None
    workdir: str | None = None
    max_deletions: int | None = None
    config_path: str | None = None


def controller_settings(flags: ControllerFlags, connection: ConnectionFlags, config: RunConfig | None
                        ) -> ControllerSettings:
    # Typed reads of the `controller:` section (an empty section when the file has none): a renamed key is
    # a type error here, not a silent default.
    section = (config.controller if config is not None else None) or ControllerConfig()

    def pick(flag: Any, configured: Any) -> Any:
        return flag if flag is not None else configured

    source = pick(flags.source, section.source)
    if not source:
        raise ConfigError("no source to reconcile from",
                          hint="pass --source URL_OR_PATH (a git URL or a directory), or set controller.source")
    sync = pick(flags.sync, section.sync)
    if sync is not None and sync not in POLICIES:
        raise ConfigError(f"unknown sync policy {sync!r}", hint="one of " + ", ".join(POLICIES))
    max_deletions = pick(flags.max_deletions, section.maxDeletions)
    per_env = dict(section.environments)
    names = list(flags.environments) or list(per_env)
    environments = []
    if names:
        for name in names:
            # Checked against the revision's flyte-reconciler.yaml on every cycle (a git source's file is not
            # here yet): an unknown name fails the sync with the list of known environments.
            own = per_env.get(name)
            environments.append(EnvironmentSettings(
                name=name, config_env=name,
                sync=(flags.sync or (own.sync if own else None) or sync or MANUAL),
                paused=bool(own and own.paused),
                max_deletions=_first(flags.max_deletions, own.maxDeletions if own else None, max_deletions,
                                     DEFAULT_MAX_DELETIONS)))
    else:
        if not connection.sandbox and not connection.endpoint:
            raise ConfigError("no environment to reconcile",
                              hint="pass --env NAME (an environment of flyte-reconciler.yaml), --sandbox, or "
                                   "--endpoint HOST:PORT")
        environments.append(EnvironmentSettings(name="sandbox" if connection.sandbox else "default", config_env=None,
                                                sync=sync or MANUAL,
                                                max_deletions=_first(max_deletions, DEFAULT_MAX_DELETIONS)))
    workdir = Path(pick(flags.workdir, section.workdir) or DEFAULT_WORKDIR)
    return ControllerSettings(
        source=str(source),
        environments=tuple(environments),
        ref=pick(flags.ref, section.ref),
        path=pick(flags.path, section.path),
        interval_s=float(pick(flags.interval, section.interval) or DEFAULT_INTERVAL_S),
        listen=pick(flags.listen, section.listen) or DEFAULT_LISTEN,
        workdir=workdir,
        flags=connection,
        local_config=flags.config_path,
        windows=tuple(SyncWindow.of(w) for w in section.syncWindows),
        notifications=tuple(NotificationTarget(url=n.url, url_env_var=n.urlEnvVar, format=n.format)
                            for n in section.notifications),
        token_env_var=section.tokenEnvVar or "FLYTE_RECONCILER_CONTROLLER_TOKEN",
        webhook_secret_env_var=section.webhookSecretEnvVar or "FLYTE_RECONCILER_WEBHOOK_SECRET",
        git_token_env_var=section.gitTokenEnvVar,
    )


def _first(*values: int | None) -> int:
    for value in values:
        if value is not None:
            return value
    return DEFAULT_MAX_DELETIONS
