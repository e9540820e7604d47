"""The tool's CPU per write during a first apply (issue 21: target ≤ 0.2 ms).

An organisation of ``size_projects`` projects × 3 domains (as ``benchmarks.org`` builds it, backfills
included) is registered into the embedded admin, which runs in its own process at 10 ms injected latency
(so its CPU is not counted); the first plan is made in this process, then applied with the real writer and
client, ``--parallelism 32`` and a non-interactive console as a CI log gets it (one progress line per write,
written to the null device). The figure is this process's CPU time (user + system, every thread: the
workers, gRPC's own threads) during ``apply_plan`` divided by the RPCs it sent; planning is not counted.
The apply is repeated on fresh copies of the registered database and the median reported: the machine is
shared, and CPU time is what a busy machine inflates least.

    python -m benchmarks.writes [PROJECTS]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.admin import Admin
from benchmarks.org import register_org, write_org
from reconciler.admin.client import AdminClient
from reconciler.admin.writes import AdminWriter
from reconciler.apply import apply_plan
from reconciler.console import TerminalConsole
from reconciler.engine import Selection, make_plan
from reconciler.manifests import load_config, load_manifests

LATENCY_MS = 10
PARALLELISM = 32
ROUNDS = 3
TARGET_MS = 0.2


def _one_apply(db: Path, root: Path) -> tuple[float, float, int, int]:
    """(CPU s, wall s, actions, RPCs) of applying the first plan of ``root`` against ``db``."""
    config = load_config(None, [str(root)])
    loaded = load_manifests([str(root)], config=config)
    with Admin.running(db, LATENCY_MS) as admin, AdminClient(endpoint=admin.address, insecure=True) as client, \
            open(os.devnull, "w") as devnull:
        plan = make_plan(loaded, client, Selection(max_deletions=10**6))
        console = TerminalConsole(color=False, out=devnull, err=devnull, interactive=False)
        progress = console.progress(len(plan.actions), "applying")
        calls_before = sum(client.calls.values())
        cpu, wall = time.process_time(), time.perf_counter()
        report = apply_plan(plan, AdminWriter(client), parallelism=PARALLELISM, progress=progress)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert report.complete, "the first apply did not complete"
        return cpu, wall, len(plan.actions), sum(client.calls.values()) - calls_before


def write_cpu(size_projects: int) -> str:
    """One line: the tool's CPU per write of a first apply of ``size_projects`` projects × 3 domains."""
    work = Path(tempfile.mkdtemp(prefix="flyte-reconciler-writes-"))
    try:
        registered = work / "registered.db"
        with Admin.running(registered, 0) as admin:
            register_org(admin.address, size_projects)
        root = write_org(work / "org", size_projects, backfills=max(1, size_projects // 15))
        samples = []
        for round_ in range(ROUNDS):
            db = work / f"apply-{round_}.db"
            shutil.copyfile(registered, db)
            samples.append(_one_apply(db, root))
            db.unlink()
        samples.sort(key=lambda s: s[0] / s[3])
        cpu, wall, actions, rpcs = samples[len(samples) // 2]
        per_write = cpu / rpcs * 1000
        best = samples[0][0] / samples[0][3] * 1000
        return (f"first apply, {size_projects} projects × 3 domains: {actions} actions, {rpcs} writes; tool CPU "
                f"{per_write:.3f} ms per write (median of {ROUNDS}, best {best:.3f} ms; apply phase {cpu:.2f} s "
                f"CPU, {wall:.2f} s wall at {LATENCY_MS} ms, --parallelism {PARALLELISM}; target ≤ {TARGET_MS} ms: "
                f"{'met' if per_write <= TARGET_MS else 'not met'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(write_cpu(int(sys.argv[1]) if len(sys.argv) > 1 else 60))
