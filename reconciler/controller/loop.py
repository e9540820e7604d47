"""The controller: one loop thread reconciling every environment on an interval or on demand.

Each tick polls the source once (a git fetch), then reconciles the environments that are due: on
their interval, after a failure with backoff (Admin or git unreachable), or at once when the webhook,
``POST /refresh`` or ``POST …/sync`` asked. The work directory is locked (a second controller on it
refuses to start); ``stop()`` (SIGTERM) lets the current write finish, records the sync and ends the
loop. Everything the page and the API show is read back from the status store.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from reconciler.controller.cycle import (
    FAILED_RESULT,
    SUCCEEDED,
    ConnectionFlags,
    EnvironmentRuntime,
    EnvironmentSettings,
    SyncOutcome,
    now_iso,
    out_of_sync,
    reconcile,
)
from reconciler.controller.metrics import ControllerMetrics
from reconciler.controller.notify import NotificationTarget, Notifier, events_for
from reconciler.controller.sources import Checkout, Source, SourceError, make_source
from reconciler.controller.status import FAILED_STATUS, counts
from reconciler.controller.store import StatusStore
from reconciler.controller.windows import SyncWindow
from reconciler.errors import ConfigError, ManifestError, ReconcilerError
from reconciler.manifests import ParseCache

DEFAULT_INTERVAL_S = 180.0
DEFAULT_LISTEN = "127.0.0.1:8080"
DEFAULT_WORKDIR = ".flyte-reconciler/controller"
MIN_BACKOFF_S = 2.0


@dataclass(frozen=True)
class ControllerSettings:
    source: str
    environments: tuple[EnvironmentSettings, ...]
    ref: str | None = None
    path: str | None = None
    interval_s: float = DEFAULT_INTERVAL_S
    listen: str = DEFAULT_LISTEN
    workdir: Path = Path(DEFAULT_WORKDIR)
    flags: ConnectionFlags = field(default_factory=ConnectionFlags)
    local_config: str | None = None
    windows: tuple[SyncWindow, ...] = ()
    notifications: tuple[NotificationTarget, ...] = ()
    token_env_var: str = "FLYTE_RECONCILER_CONTROLLER_TOKEN"
    webhook_secret_env_var: str = "FLYTE_RECONCILER_WEBHOOK_SECRET"
    git_token_env_var: str | None = None


def json_logger(stream: TextIO | None = None) -> Callable[[dict[str, Any]], None]:
    lock = threading.Lock()

    def log(record: dict[str, Any]) -> None:
        line = json.dumps({"ts": now_iso(), "level": "info", **record}, sort_keys=True, default=str)
        with lock:
            print(line, file=stream or sys.stderr, flush=True)

    return log


class WorkdirLock:
    """An exclusive ``flock`` on ``WORKDIR/controller.lock``, released by the kernel if the process dies."""

    def __init__(self, workdir: Path) -> None:
        self.path = workdir / "controller.lock"
        self._file: Any = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 (held for the process's life)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ConfigError(f"another controller (pid {holder}) is running on the work directory "
                              f"{self.path.parent}", hint="stop it, or give this one its own --workdir") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class Controller:
    def __init__(self, settings: ControllerSettings, *, log: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.settings = settings
        self.log = log or json_logger()
        self.metrics = ControllerMetrics()
        self.notifier = Notifier(settings.notifications, log=self.log)
        self.source: Source = make_source(settings.source, ref=settings.ref, subpath=settings.path,
                                          workdir=settings.workdir, token_env_var=settings.git_token_env_var)
        self._lock = WorkdirLock(settings.workdir)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._requested: set[str] = set()  # environments with a pending POST .../sync
        self._refresh = False
        self.store: StatusStore | None = None
        self.envs: dict[str, EnvironmentRuntime] = {}
        self._due: dict[str, float] = {}
        self._backoff: dict[str, float] = {}
        self._checkout: Checkout | None = None
        self._good: Checkout | None = None
        self.cycles = 0

    # lifecycle --------------------------------------------------------------------------------------
    def open(self) -> None:
        self._lock.acquire()
        self.store = StatusStore(self.settings.workdir / "status.db")
        parse_cache = ParseCache.open(self.settings.workdir / "parse-cache")
        for env in self.settings.environments:
            state = self.store.environment(env.name)
            state.setdefault("paused", env.paused)
            state["policy"] = env.sync
            runtime = EnvironmentRuntime(settings=env, state=state, statuses=self.store.objects(env.name),
                                         flags=self.settings.flags, local_config=self.settings.local_config,
                                         on_rpc=self.metrics.record_rpc, applied=self.store.applied(env.name),
                                         parse_cache=parse_cache)
            runtime.state["firstSyncDone"] = False  # readiness is per process
            self.envs[env.name] = runtime
            self._due[env.name] = 0.0
            self.metrics.paused.labels(environment=env.name).set(int(runtime.paused))
            self.store.save_environment(env.name, runtime.state)

    def close(self) -> None:
        for env in self.envs.values():
            env.close()
        if self.store is not None:
            self.store.close()
        self._lock.release()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # requests from the web ------------------------------------------------------------------------
    def request_sync(self, name: str) -> None:
        with self._guard:
            self._requested.add(name)
        self._wake.set()

    def refresh(self) -> None:
        with self._guard:
            self._refresh = True
        self._wake.set()

    def set_paused(self, name: str, paused: bool) -> None:
        env = self.envs[name]
        with self._guard:
            env.state["paused"] = paused
            if self.store is not None:
                self.store.save_environment(name, env.state)
        self.metrics.paused.labels(environment=name).set(int(paused))
        self.log({"msg": "pause", "environment": name, "paused": paused})

    def ready(self) -> bool:
        return all(e.state.get("firstSyncDone") and e.state.get("reachable") for e in self.envs.values())

    # the loop ---------------------------------------------------------------------------------------
    def run(self, *, max_cycles: int | None = None) -> None:
        while not self._stop.is_set():
            with self._guard:
                requested, self._requested = set(self._requested), set()
                refresh, self._refresh = self._refresh, False
            now = time.monotonic()
            due = [n for n in self.envs if refresh or n in requested or self._due[n] <= now]
            if due:
                checkout = self._poll()
                for name in due:
                    if self._stop.is_set():
                        break
                    self._sync(self.envs[name], checkout, requested=name in requested,
                               trigger="request" if name in requested else ("refresh" if refresh else "interval"))
                self.cycles += 1
                if max_cycles is not None and self.cycles >= max_cycles:
                    return
            wait = max(0.0, min(self._due.values(), default=now + 1) - time.monotonic())
            self._wake.wait(timeout=wait)
            self._wake.clear()

    def _poll(self) -> Checkout | None:
        try:
            checkout = self.source.poll()
        except SourceError as exc:
            self.log({"level": "error", "msg": "source unreachable", "source": self.source.display, "error": str(exc)})
            for env in self.envs.values():
                env.state["sourceError"] = str(exc)
            return self._checkout
        for env in self.envs.values():
            env.state.pop("sourceError", None)
        self._checkout = checkout
        return checkout

    def _manifests(self, env: EnvironmentRuntime, checkout: Checkout) -> Any:
        """The newest valid manifests: a revision that fails validation is refused and the last good kept."""
        try:
            loaded = env.load(checkout)
        except ManifestError as exc:
            problems = [p.render() for p in exc.problems if p.severity == "error"]
            env.state["invalidRevision"] = {"revision": checkout.revision, "errors": problems}
            self.log({"level": "error", "msg": "revision refused", "environment": env.name,
                      "revision": checkout.revision, "errors": problems})
            good = env.state.get("goodRevision")
            if self._good is not None and self._good.revision == good:
                return env.load(self._good), self._good
            return None, None
        env.state.pop("invalidRevision", None)
        env.state["goodRevision"] = checkout.revision
        self._good = checkout
        prune = getattr(self.source, "prune_snapshots", None)
        if prune is not None:
            prune({checkout.revision})
        return loaded, checkout

    def _sync(self, env: EnvironmentRuntime, checkout: Checkout | None, *, requested: bool, trigger: str) -> None:
        assert self.store is not None
        started_wall, started = now_iso(), time.monotonic()
        loaded, used = (None, None)
        error: str | None = None
        if checkout is None:
            error = env.state.get("sourceError") or "no revision could be read from the source yet"
        else:
            try:
                loaded, used = self._manifests(env, checkout)
            except ReconcilerError as exc:  # e.g. a bad flyte-reconciler.yaml in a snapshot we had accepted
                error = str(exc)
            if loaded is None and error is None:
                error = "the newest revision is invalid and no earlier revision was valid"
        revision = used.revision if used is not None else env.state.get("revision")
        sync_id = self.store.start_sync(env.name, started_wall, revision)
        if loaded is not None:
            try:
                outcome = reconcile(env, loaded, windows=self.settings.windows, requested=requested,
                                    stopping=lambda: self._stop.is_set())
            except ReconcilerError as exc:  # configuration of the connection (unknown environment, auth)
                outcome = SyncOutcome(FAILED_RESULT, None, env.statuses, error=str(exc))
        else:
            outcome = SyncOutcome(FAILED_RESULT, None, env.statuses, error=error)
        duration = time.monotonic() - started
        self._record(env, outcome, sync_id, started_wall, duration, revision, requested, trigger)

    def _record(self, env: EnvironmentRuntime, outcome: SyncOutcome, sync_id: int, started: str, duration: float,
                revision: str | None, requested: bool, trigger: str) -> None:
        assert self.store is not None
        report = outcome.report
        applied = [f"{r.action.symbol} {r.action.address} {r.action.type}" for r in (report.results if report else [])
                   if r.status == "applied"]
        failed = [f"{r.action.address}: {r.error}" for r in (report.results if report else [])
                  if r.status == "failed"]
        # Objects: only rows that changed are written, so an unchanged cycle costs a few statements.
        new, changed = {}, []
        for address, status in outcome.statuses.items():
            before = env.statuses.get(address)
            if before is not None and before == status:
                new[address] = before  # unchanged: keeps its row and its transition time
                continue
            same = before is not None and before.status == status.status and before.since
            status = replace(status, since=before.since if same and before is not None else started)
            new[address] = status
            changed.append(status)
        removed = [a for a in env.statuses if a not in new]
        self.store.write_objects(env.name, changed, removed)
        env.statuses = new
        last = {"startedAt": started, "durationSeconds": round(duration, 3), "result": outcome.result,
                "actionsApplied": len(applied)}
        env.state.update(revision=revision, lastSync=last, firstSyncDone=True)
        if outcome.error:
            env.state["lastError"] = outcome.error
        else:
            env.state.pop("lastError", None)
        if outcome.result == SUCCEEDED:
            env.state["lastSuccessAt"] = started
        self.store.finish_sync(sync_id, duration=duration, result=outcome.result, revision=revision,
                               actions_applied=len(applied),
                               data={"applied": applied, "failed": failed, "error": outcome.error,
                                     "trigger": trigger, "skipped": outcome.skipped, "policy": env.settings.sync})
        self._notify(env, outcome, revision)
        if env.applied_changed and env.applied is not None:
            self.store.save_applied(env.name, env.applied)
            env.applied_changed = False
        self.store.save_environment(env.name, env.state)
        self._schedule(env, outcome)
        self._metrics(env, outcome)
        tally = counts(new)
        self.log({"msg": "sync", "environment": env.name, "revision": revision, "result": outcome.result,
                  "durationSeconds": round(duration, 3), "actionsApplied": len(applied), "actionsFailed": len(failed),
                  "trigger": trigger, "counts": tally, "reachable": env.state.get("reachable"),
                  **({"error": outcome.error} if outcome.error else {}),
                  **({"skipped": outcome.skipped} if outcome.skipped else {})})

    def _schedule(self, env: EnvironmentRuntime, outcome: SyncOutcome) -> None:
        interval = self.settings.interval_s
        if outcome.result == FAILED_RESULT and outcome.plan is None:
            backoff = min(interval, max(MIN_BACKOFF_S, self._backoff.get(env.name, MIN_BACKOFF_S / 2) * 2))
            self._backoff[env.name] = backoff
            self._due[env.name] = time.monotonic() + backoff
        else:
            self._backoff.pop(env.name, None)
            self._due[env.name] = time.monotonic() + interval

    def _notify(self, env: EnvironmentRuntime, outcome: SyncOutcome, revision: str | None) -> None:
        failed_backfills = {a: s.error or "failed" for a, s in outcome.statuses.items()
                            if s.kind == "backfill" and s.status == FAILED_STATUS}
        events, told = events_for(env.name, revision, out_of_sync=out_of_sync(outcome.statuses),
                                  sync_failed=outcome.result == FAILED_RESULT, sync_error=outcome.error,
                                  failed_backfills=failed_backfills, told=env.state.get("notified", {}))
        env.state["notified"] = told
        if events:
            self.notifier.notify(events)

    def _metrics(self, env: EnvironmentRuntime, outcome: SyncOutcome) -> None:
        m = self.metrics
        m.syncs.labels(environment=env.name, result=outcome.result).inc()
        if outcome.result == SUCCEEDED:
            m.last_success.labels(environment=env.name).set(time.time())
        if outcome.plan is not None:
            m.observe_seconds.labels(environment=env.name).observe(outcome.observe_s)
        if outcome.report is not None:
            m.apply_seconds.labels(environment=env.name).observe(outcome.apply_s)
        m.admin_reachable.labels(environment=env.name).set(int(bool(env.state.get("reachable"))))
        m.set_objects(env.name, outcome.statuses)
