"""One environment's reconcile: safe to call at any time, it loads, plans, applies what the policy allows.

The flow is exactly ``plan``/``apply``'s: ``engine.make_plan`` observes Admin and plans, the policy picks
which of the plan's actions this sync may apply, ``apply.apply_plan`` writes them, and a second plan
after any write gives the status shown. Nothing here plans by itself or talks gRPC directly.

A revision whose manifests fail validation is never applied: the last good revision goes on being
reconciled and the errors (``FILE:LINE: …``) are kept on the environment for the page and the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.apply import DEFAULT_HANDLER, DEFAULT_PARALLELISM, FAILED, NOT_ATTEMPTED, ApplyReport, apply_plan
from reconciler.connect import Target, open_admin
from reconciler.controller.policy import MANUAL, RESOLVED, changed_addresses, digests, select_actions
from reconciler.controller.sources import Checkout
from reconciler.controller.status import (
    FAILED_STATUS,
    OUT_OF_SYNC,
    Failure,
    ObjectStatus,
    failures_after,
    object_statuses,
)
from reconciler.controller.windows import SyncWindow, sync_allowed
from reconciler.engine import Selection, make_plan
from reconciler.errors import ManifestError, ReconcilerError, TransientAdminError
from reconciler.manifests import LoadedManifests, ParseCache, load_config, load_manifests
from reconciler.manifests.config import CONFIG_FILE
from reconciler.plan.model import Plan
from reconciler.plan.render import default_console_url
from reconciler.review import desired_bodies

SUCCEEDED = "Succeeded"
FAILED_RESULT = "Failed"
INTERRUPTED = "Interrupted"


STOPPING = "the controller is stopping"


class SyncInterrupted(ReconcilerError):
    """The controller is stopping: writes not yet started are not started."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class EnvironmentSettings:
    name: str  # shown on the page and in the API
    config_env: str | None  # the environment of flyte-reconciler.yaml (its endpoint and vars); None: none
    sync: str = MANUAL
    paused: bool = False
    max_deletions: int = 10


@dataclass(frozen=True)
class ConnectionFlags:
    sandbox: bool = False
    endpoint: str | None = None
    insecure: bool | None = None
    flytectl_config: str | None = None
    allow_plaintext_credentials: bool = False


@dataclass
class SyncOutcome:
    result: str
    plan: Plan | None
    statuses: dict[str, ObjectStatus]
    report: ApplyReport | None = None
    error: str | None = None
    observe_s: float = 0.0
    apply_s: float = 0.0
    skipped: str = ""  # why nothing was applied although the policy would have (paused, window)


@dataclass
class EnvironmentRuntime:
    """What the loop keeps about one environment between cycles (``state`` is persisted as JSON)."""

    settings: EnvironmentSettings
    state: dict[str, Any]
    statuses: dict[str, ObjectStatus]
    flags: ConnectionFlags
    local_config: str | None = None
    # Parsed YAML of unchanged files across revisions (``manifests.parse_cache``), shared by environments.
    parse_cache: ParseCache | None = None
    _loaded: tuple[str, LoadedManifests] | None = None
    _digests: tuple[str, dict[str, str]] | None = None
    _client: tuple[Any, str] | None = None
    _stack: ExitStack = field(default_factory=ExitStack)
    on_rpc: Callable[[str, str], None] | None = None
    # Desired-state digests of the last complete sync (what "changed in git" compares against under auto);
    # kept apart from ``state`` so the large map is written only when it changes.
    applied: dict[str, str] | None = None
    applied_changed: bool = False

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def paused(self) -> bool:
        return bool(self.state.get("paused", self.settings.paused))

    def close(self) -> None:
        self._stack.close()
        self._client = None

    # manifests --------------------------------------------------------------------------------------
    def _config_for(self, checkout: Checkout) -> Any:
        for candidate in (checkout.manifests / CONFIG_FILE, checkout.root / CONFIG_FILE):
            if candidate.is_file():
                return load_config(str(candidate), [])
        return load_config(self.local_config, []) if self.local_config else load_config(None, [str(checkout.manifests)])

    def load(self, checkout: Checkout) -> LoadedManifests:
        """The manifests of ``checkout`` (cached per revision); ``ManifestError`` with paths relative to it."""
        if self._loaded is not None and self._loaded[0] == checkout.revision:
            return self._loaded[1]
        try:
            config = self._config_for(checkout)
            loaded = load_manifests([str(checkout.manifests)], config=config, environment=self.settings.config_env,
                                    cache=self.parse_cache)
        except ManifestError as exc:
            raise ManifestError([replace(p, file=_relative(p.file, checkout.root)) for p in exc.problems]) from exc
        self._loaded = (checkout.revision, loaded)
        return loaded

    def desired_digests(self, loaded: LoadedManifests) -> dict[str, str]:
        """Per-address digests of the desired state, computed once per revision (a cycle on an unchanged
        revision must cost no more than a no-op plan)."""
        if self._digests is None or self._digests[0] != loaded.digest:
            bodies: dict[str, Any] = dict(desired_bodies(loaded))
            for doc in loaded.documents:  # kinds the review does not model (packages…): their whole document
                bodies.setdefault(doc.address, doc.model.model_dump(mode="json"))
            self._digests = (loaded.digest, digests(bodies))
        return self._digests[1]

    # admin ------------------------------------------------------------------------------------------
    def client(self, config: Any) -> tuple[Any, str]:
        if self._client is None:
            target = Target(sandbox=self.flags.sandbox, endpoint=self.flags.endpoint, insecure=self.flags.insecure,
                            environment=self.settings.config_env, flytectl_config=self.flags.flytectl_config,
                            allow_plaintext_credentials=self.flags.allow_plaintext_credentials)
            client, label = self._stack.enter_context(open_admin(target, config))
            if hasattr(client, "on_call"):
                client.on_call = self.on_rpc
            self._client = (client, label)
        return self._client


def _relative(file: str, root: Path) -> str:
    try:
        return str(Path(file).resolve().relative_to(root.resolve()))
    except ValueError:
        return file


def reconcile(env: EnvironmentRuntime, loaded: LoadedManifests, *, windows: tuple[SyncWindow, ...],
              requested: bool, stopping: Callable[[], bool],
              parallelism: int = DEFAULT_PARALLELISM) -> SyncOutcome:
    """Plan, apply what policy, pause and windows allow, re-plan after writes; never raises for Admin errors."""
    client, endpoint = env.client(loaded.config)
    own = loaded.config.environments.get(env.settings.config_env or "")
    configured = own.consoleUrl if own is not None else None
    try:
        env.state["consoleUrl"] = configured or default_console_url(endpoint)
    except ValueError:  # an endpoint naming no host has no console
        env.state["consoleUrl"] = configured
    selection = Selection(max_deletions=env.settings.max_deletions)
    previous_failures = {a: Failure(**f) for a, f in env.state.get("failures", {}).items()}

    def plan_now() -> tuple[Plan, float]:
        started = time.monotonic()
        made = make_plan(loaded, client, selection, environment=env.settings.config_env, endpoint=endpoint)
        return made, time.monotonic() - started

    try:
        plan, observe_s = plan_now()
    except TransientAdminError as exc:
        env.state["reachable"] = False
        env.state["adminError"] = str(exc)
        return SyncOutcome(FAILED_RESULT, None, env.statuses, error=f"Admin unreachable: {exc}")
    except ReconcilerError as exc:  # Admin answered (NOT_FOUND, PERMISSION_DENIED…) or the plan is refused
        env.state["reachable"] = True
        return SyncOutcome(FAILED_RESULT, None, env.statuses, error=str(exc))
    env.state["reachable"] = True
    env.state.pop("adminError", None)

    current = {**env.desired_digests(loaded), **digests({RESOLVED: plan.resolved})}
    changed = changed_addresses(env.applied, current)
    policy = env.settings.sync
    wanted = select_actions(plan, policy=policy, changed=changed, requested=requested)
    skipped = ""
    if wanted and env.paused and not requested:
        wanted, skipped = (), "paused"
    if wanted:
        allowed, why = sync_allowed(windows, env.name, manual=requested)
        if not allowed:
            wanted, skipped = (), why

    report: ApplyReport | None = None
    apply_s = 0.0
    if wanted:
        def handle(writer: Any, action: Any) -> None:
            if stopping():
                raise SyncInterrupted(STOPPING)
            DEFAULT_HANDLER(writer, action)

        from reconciler.admin.writes import AdminWriter

        started = time.monotonic()
        report = apply_plan(plan.model_copy(update={"actions": wanted}), AdminWriter(client),
                            parallelism=parallelism, handle=handle)
        apply_s = time.monotonic() - started
        if not stopping():
            try:
                plan, extra = plan_now()
                observe_s += extra
            except ReconcilerError as exc:  # the writes happened; the status waits for the next cycle
                return SyncOutcome(FAILED_RESULT, plan, env.statuses, report, str(exc), observe_s, apply_s)

    interrupted = report is not None and any(r.status == FAILED and r.error == STOPPING for r in report.results)
    failures = failures_after(_without_interruptions(report), previous_failures, now_iso())
    statuses = object_statuses(plan, failures)
    env.state["failures"] = {a: vars(f) for a, f in failures.items()
                             if a in statuses and statuses[a].status == FAILED_STATUS}
    complete = report is None or report.complete
    if complete and not skipped and (policy != MANUAL or requested) and env.applied != current:
        env.applied, env.applied_changed = current, True
    if interrupted:
        result = INTERRUPTED
    elif complete:
        result = SUCCEEDED
    else:
        result = FAILED_RESULT
    error = None
    if report is not None and not complete and not interrupted:
        failed = [r for r in report.results if r.status == FAILED]
        error = f"{len(failed)} action(s) failed: " + "; ".join(f"{r.action.address}: {r.error}" for r in failed[:3])
    return SyncOutcome(result, plan, statuses, report, error, observe_s, apply_s, skipped)


def _without_interruptions(report: ApplyReport | None) -> ApplyReport | None:
    """Actions refused because the process is stopping are not failures of the object."""
    if report is None:
        return None
    return ApplyReport([r for r in report.results
                        if not (r.status == FAILED and r.error == STOPPING) and r.status != NOT_ATTEMPTED])


def out_of_sync(statuses: dict[str, ObjectStatus]) -> bool:
    return any(s.status == OUT_OF_SYNC for s in statuses.values())
