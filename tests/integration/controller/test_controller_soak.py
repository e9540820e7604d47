"""200 cycles in one process: resident memory grows by less than 10 % after the first 10 cycles, and
file descriptors and threads stay flat. The controller runs in this process (no HTTP server) against
the embedded admin over loopback gRPC, on the sample manifests with selfHeal (a backfill advancing)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from reconciler.controller.cycle import ConnectionFlags, EnvironmentSettings
from reconciler.controller.loop import Controller, ControllerSettings
from reconciler.localadmin import LocalAdmin

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
CYCLES = 200


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_two_hundred_cycles_keep_memory_descriptors_and_threads_flat(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(REPO / "manifests", source / "manifests")
    shutil.copy(REPO / "flyte-reconciler.yaml", source / "flyte-reconciler.yaml")
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0, seed_samples=True) as admin:
        settings = ControllerSettings(
            source=str(source), path="manifests",
            environments=(EnvironmentSettings(name="sandbox", config_env="sandbox", sync="selfHeal"),),
            interval_s=0.0, workdir=tmp_path / "wd", flags=ConnectionFlags(endpoint=admin.address, insecure=True))
        records: list[dict] = []
        controller = Controller(settings, log=records.append)
        controller.open()
        try:
            controller.run(max_cycles=10)
            rss, fds, threads = _rss_kb(), _fds(), threading.active_count()
            controller.run(max_cycles=CYCLES)
            grown = _rss_kb() / rss - 1
            assert controller.cycles == CYCLES
            assert grown < 0.10, f"RSS grew {grown:.1%} between cycle 10 and {CYCLES}"
            assert _fds() <= fds + 2, (fds, _fds())
            assert threading.active_count() <= threads + 1, (threads, threading.active_count())
            syncs = [r for r in records if r.get("msg") == "sync"]
            assert len(syncs) == CYCLES and all(r["result"] == "Succeeded" for r in syncs)
            assert len(controller.store.syncs("sandbox")) == CYCLES  # history kept (trimmed at 500)
            print(f"\nsoak: RSS {rss} kB after 10 cycles, {_rss_kb()} kB after {CYCLES} ({grown:+.1%}); "
                  f"fds {fds} → {_fds()}; threads {threads} → {threading.active_count()}")
        finally:
            controller.close()
