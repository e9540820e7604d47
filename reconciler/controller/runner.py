"""Run a controller as a process: lock, store, HTTP server, signal handling, the loop, a clean exit.

SIGTERM and SIGINT ask the loop to stop: the write in flight finishes, no new write starts, the sync
is recorded (``Interrupted`` when writes were left), and ``run_controller`` returns normally (exit 0).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from reconciler.controller.loop import Controller, ControllerSettings, json_logger
from reconciler.controller.web import ControllerServer


def run_controller(settings: ControllerSettings, *, log: Callable[[dict[str, Any]], None] | None = None,
                   max_cycles: int | None = None) -> Controller:
    log = log or json_logger()
    controller = Controller(settings, log=log)
    controller.open()  # the lock first: a second controller on this work directory stops here
    try:
        server = ControllerServer(controller, settings.listen)
        server.start()
        try:
            log({"msg": "listening", "url": server.url, "source": controller.source.display,
                 "environments": [e.name for e in settings.environments], "workdir": str(settings.workdir)})
            previous = {}
            if threading.current_thread() is threading.main_thread():
                for signum in (signal.SIGTERM, signal.SIGINT):
                    previous[signum] = signal.signal(signum, lambda *_: controller.stop())
            try:
                controller.run(max_cycles=max_cycles)
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
            log({"msg": "stopped", "cycles": controller.cycles})
        finally:
            server.shutdown()
            server.server_close()
    finally:
        controller.close()
    return controller
