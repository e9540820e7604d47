"""Measure the embedded admin: start-up time and GetLaunchPlan throughput (one client, 8 in flight).

Usage: python scripts/bench_localadmin.py [--seconds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import grpc
from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with LocalAdmin.start(db_path=db, port=0, seed_samples=True):
            pass  # seed once, so the timed start below is a warm restart of an existing sandbox
        started = time.perf_counter()
        with LocalAdmin.start(db_path=db, port=0, seed_samples=True) as admin:
            startup = time.perf_counter() - started
            channel = grpc.insecure_channel(admin.address)
            stub = AdminServiceStub(channel)
            request = common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.LAUNCH_PLAN, project="flytesnacks", domain="development",
                name="reports.daily_report", version="v1"))
            stub.GetLaunchPlan(request)
            done = 0
            lock = threading.Lock()
            deadline = time.perf_counter() + args.seconds

            def worker() -> None:
                nonlocal done
                count = 0
                while time.perf_counter() < deadline:
                    stub.GetLaunchPlan.future(request).result()
                    count += 1
                with lock:
                    done += count

            threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
            begin = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - begin
            channel.close()
    print(f"start-up (seeded sandbox): {startup:.2f} s")
    print(f"GetLaunchPlan: {done} calls in {elapsed:.1f} s = {done / elapsed:.0f} calls/s "
          f"(one channel, {args.concurrency} in flight)")


if __name__ == "__main__":
    main()
