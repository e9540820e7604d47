"""Prometheus metrics of the controller (``prometheus_client``), on a registry of its own.

Named for what they count, with few and bounded labels (environment, result, kind, status, method,
code, phase), after Flux's ``gotk_reconcile_*`` and Argo CD's ``argocd_app_*``.
"""

from __future__ import annotations

from collections import Counter as Counter_
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from reconciler.controller.status import STATUSES, ObjectStatus

PREFIX = "flyte_reconciler_"
CONTENT_TYPE = CONTENT_TYPE_LATEST
_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
BACKFILL_PHASES = ("succeeded", "running", "failed", "pending")


class ControllerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.syncs = Counter(f"{PREFIX}syncs", "Syncs by environment and result.", ["environment", "result"],
                             registry=r)
        self.last_success = Gauge(f"{PREFIX}last_successful_sync_timestamp_seconds",
                                  "Unix time of the last sync that ended Succeeded.", ["environment"], registry=r)
        self.objects = Gauge(f"{PREFIX}objects", "Objects by environment, kind and status.",
                             ["environment", "kind", "status"], registry=r)
        self.apply_seconds = Histogram(f"{PREFIX}apply_duration_seconds", "Time spent applying a sync's actions.",
                                       ["environment"], buckets=_BUCKETS, registry=r)
        self.observe_seconds = Histogram(f"{PREFIX}observe_duration_seconds",
                                         "Time spent observing Admin and planning.", ["environment"],
                                         buckets=_BUCKETS, registry=r)
        self.admin_rpcs = Counter(f"{PREFIX}admin_rpcs", "Flyte Admin RPCs by method and status code.",
                                  ["method", "code"], registry=r)
        self.backfill_runs = Gauge(f"{PREFIX}backfill_runs", "Backfill runs by environment and phase.",
                                   ["environment", "phase"], registry=r)
        self.admin_reachable = Gauge(f"{PREFIX}admin_reachable", "1 when Admin answered the last sync.",
                                     ["environment"], registry=r)
        self.paused = Gauge(f"{PREFIX}environment_paused", "1 while the environment is paused.", ["environment"],
                            registry=r)

    def record_rpc(self, method: str, code: str) -> None:
        self.admin_rpcs.labels(method=method, code=code).inc()

    def set_objects(self, environment: str, statuses: Mapping[str, ObjectStatus]) -> None:
        counts: Counter_[tuple[str, str]] = Counter_()
        phases: Counter_[str] = Counter_()
        for status in statuses.values():  # one pass: this runs every cycle over every address
            counts[(status.kind, status.status)] += 1
            if status.progress is not None:
                for phase in BACKFILL_PHASES:
                    phases[phase] += int(status.progress.get(phase, 0))
        for kind in {k for k, _ in counts} | {"project"}:
            for state in STATUSES:
                self.objects.labels(environment=environment, kind=kind, status=state).set(counts[(kind, state)])
        for phase in BACKFILL_PHASES:
            self.backfill_runs.labels(environment=environment, phase=phase).set(phases[phase])

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
