"""Measure the embedded admin as users run it: ``flyte-reconciler sandbox serve`` start-up time (process
start until the first answered RPC) and GetLaunchPlan throughput from one client channel with N requests
in flight.

Usage: python scripts/bench_localadmin.py [--seconds 5] [--concurrency 8] [--in-process]

``--in-process`` runs the server inside this process instead (client and server then share one GIL, so
the figure is lower than what a separate ``sandbox serve`` process delivers).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
from flyteidl.admin import common_pb2, version_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin

REQUEST = common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
    resource_type=identifier_pb2.LAUNCH_PLAN, project="flytesnacks", domain="development",
    name="reports.daily_report", version="v1"))


@contextmanager
def serve_process(db: Path) -> Iterator[tuple[str, float]]:
    """``sandbox serve`` on an ephemeral port; yields (address, seconds until the first answered call)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", "--db",
                                str(db)], stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stderr is not None
    try:
        match = re.search(r"listening on (\S+)", process.stderr.readline())
        if not match:
            raise SystemExit("sandbox serve did not start")
        address = match.group(1)
        with grpc.insecure_channel(address) as channel:
            AdminServiceStub(channel).GetVersion(version_pb2.GetVersionRequest(), timeout=10)
        yield address, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stderr.close()


@contextmanager
def serve_in_process(db: Path) -> Iterator[tuple[str, float]]:
    started = time.perf_counter()
    with LocalAdmin.start(db_path=db, port=0, seed_samples=True) as admin:
        yield admin.address, time.perf_counter() - started


def hammer(address: str, seconds: float, concurrency: int) -> tuple[int, float]:
    with grpc.insecure_channel(address) as channel:
        stub = AdminServiceStub(channel)
        stub.GetLaunchPlan(REQUEST)  # warm: connection and first read
        done = 0
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def worker() -> None:
            nonlocal done
            count = 0
            while time.perf_counter() < deadline:
                stub.GetLaunchPlan(REQUEST)
                count += 1
            with lock:
                done += count

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        begin = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return done, time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    serve = serve_in_process if args.in_process else serve_process
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with serve(db) as (_, cold):
            pass  # first start creates and seeds the sandbox
        with serve(db) as (address, warm):
            done, elapsed = hammer(address, args.seconds, args.concurrency)
    where = "in-process server" if args.in_process else "`sandbox serve` process"
    print(f"start-up ({where}): {cold:.2f} s new sandbox, {warm:.2f} s existing sandbox")
    print(f"GetLaunchPlan: {done} calls in {elapsed:.1f} s = {done / elapsed:.0f} calls/s "
          f"(one channel, {args.concurrency} in flight)")


if __name__ == "__main__":
    main()
