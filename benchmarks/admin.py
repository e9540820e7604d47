"""The embedded admin in its own process, for the benchmarks (its CPU is not the tool's)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Admin:
    """The embedded admin in a subprocess (restarted on the same database to change the latency)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.process: subprocess.Popen[bytes] | None = None
        self.address = ""

    def start(self, latency_ms: float) -> None:
        self.stop()
        port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", str(port), "--db", str(self.db),
             "--no-samples", "--inject-latency-ms", str(latency_ms), "--run-duration", "36000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        self.address = f"127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("the embedded admin did not start")

    @classmethod
    @contextmanager
    def running(cls, db: Path, latency_ms: float) -> Iterator[Admin]:
        """An admin on ``db`` for the duration of a ``with`` block."""
        admin = cls(db)
        admin.start(latency_ms)
        try:
            yield admin
        finally:
            admin.stop()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.communicate(timeout=30)
            self.process = None
