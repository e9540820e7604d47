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


def controller_settings(flags: ControllerFlags, connection: ConnectionFlags, config: Any) -> ControllerSettings:
    section = getattr(config, "controller", None)
    def pick(key: str, flag: Any) -> Any:
        return flag if flag is not None else getattr(section, key, None)

    source = pick("source", flags.source)
    if not source:
        raise ConfigError("no source to reconcile from",
                          hint="pass --source URL_OR_PATH (a git URL or a directory), or set controller.source")
    sync = pick("sync", flags.sync)
    if sync is not None and sync not in POLICIES:
        raise ConfigError(f"unknown sync policy {sync!r}", hint="one of " + ", ".join(POLICIES))
    max_deletions = pick("maxDeletions", flags.max_deletions)
    per_env = dict(getattr(section, "environments", None) or {})
    names = list(flags.environments) or list(per_env)
    environments = []
    if names:
        for name in names:
            # Checked against the revision's flyte-reconciler.yaml on every cycle (a git source's file is not
            # here yet): an unknown name fails the sync with the list of known environments.
            own = per_env.get(name)
            environments.append(EnvironmentSettings(
                name=name, config_env=name,
                sync=(flags.sync or getattr(own, "sync", None) or sync or MANUAL),
                paused=bool(getattr(own, "paused", False)),
                max_deletions=_first(flags.max_deletions, getattr(own, "maxDeletions", None), max_deletions,
                                     DEFAULT_MAX_DELETIONS)))
    else:
        if not connection.sandbox and not connection.endpoint:
            raise ConfigError("no environment to reconcile",
                              hint="pass --env NAME (an environment of flyte-reconciler.yaml), --sandbox, or "
                                   "--endpoint HOST:PORT")
        environments.append(EnvironmentSettings(name="sandbox" if connection.sandbox else "default", config_env=None,
                                                sync=sync or MANUAL,
                                                max_deletions=_first(max_deletions, DEFAULT_MAX_DELETIONS)))
    workdir = Path(pick("workdir", flags.workdir) or DEFAULT_WORKDIR)
    return ControllerSettings(
        source=str(source),
        environments=tuple(environments),
        ref=pick("ref", flags.ref),
        path=pick("path", flags.path),
        interval_s=float(pick("interval", flags.interval) or DEFAULT_INTERVAL_S),
        listen=pick("listen", flags.listen) or DEFAULT_LISTEN,
        workdir=workdir,
        flags=connection,
        local_config=flags.config_path,
        windows=tuple(SyncWindow.of(w) for w in (getattr(section, "syncWindows", None) or [])),
        notifications=tuple(NotificationTarget(url=n.url, url_env_var=n.urlEnvVar, format=n.format)
                            for n in (getattr(section, "notifications", None) or [])),
        token_env_var=getattr(section, "tokenEnvVar", None) or "FLYTE_RECONCILER_CONTROLLER_TOKEN",
        webhook_secret_env_var=getattr(section, "webhookSecretEnvVar", None) or "FLYTE_RECONCILER_WEBHOOK_SECRET",
        git_token_env_var=getattr(section, "gitTokenEnvVar", None),
    )


def _first(*values: int | None) -> int:
    for value in values:
        if value is not None:
            return value
    return DEFAULT_MAX_DELETIONS
