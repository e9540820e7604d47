"""The ``controller`` row: one cycle of ``flyte-reconciler controller`` on an unchanged organisation.

The controller runs in this process (no HTTP server) with a directory source and ``selfHeal`` against
the benchmark's admin; after a first cycle (which loads and validates the manifests once per revision)
each further cycle re-reads the source's digest, observes, plans, finds nothing to apply and records
the status. Reported beside the no-op plan: the median of three cycles and the RPCs of one cycle.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from reconciler.controller.cycle import ConnectionFlags, EnvironmentSettings
from reconciler.controller.loop import Controller, ControllerSettings


def _rpcs(controller: Controller) -> int:
    return int(sum(s.value for m in controller.metrics.admin_rpcs.collect() for s in m.samples
                   if s.name.endswith("_total")))


def controller_cycle(root: Path, address: str) -> tuple[float, int, float]:
    """(median seconds of a no-op cycle, RPCs of one cycle, seconds of the first cycle)."""
    with tempfile.TemporaryDirectory(prefix="flyte-reconciler-bench-controller-") as work:
        settings = ControllerSettings(
            source=str(root), environments=(EnvironmentSettings(name="bench", config_env=None, sync="selfHeal",
                                                                max_deletions=10**6),),
            interval_s=0.0, workdir=Path(work), flags=ConnectionFlags(endpoint=address, insecure=True))
        records: list[dict] = []
        controller = Controller(settings, log=records.append)
        controller.open()
        try:
            started = time.perf_counter()
            controller.run(max_cycles=1)
            first = time.perf_counter() - started
            times, rpcs = [], []
            for _ in range(3):
                before = _rpcs(controller)
                started = time.perf_counter()
                controller.run(max_cycles=controller.cycles + 1)
                times.append(time.perf_counter() - started)
                rpcs.append(_rpcs(controller) - before)
            syncs = [r for r in records if r.get("msg") == "sync"]
            assert all(r["result"] == "Succeeded" and r["actionsApplied"] == 0 for r in syncs), syncs[-1]
            return sorted(times)[1], rpcs[-1], first
        finally:
            controller.close()
