"""The one output seam: everything the tool shows a person goes through a ``Console``.

The core (engine, applier) never prints; it is handed a ``Console`` (or just a ``Progress``) and
reports through it. ``TerminalConsole`` is the implementation for a terminal or a CI log:

- primary output (a rendered plan, a report) goes to stdout; messages and progress go to stderr,
  so ``plan --format json > plan.json`` stays clean;
- colour only when wanted: never with ``--no-color`` or ``NO_COLOR`` set (https://no-color.org); else
  always with ``FORCE_COLOR`` set (https://force-color.org: CI logs render ANSI but are not terminals);
  else never with ``TERM=dumb`` or when the stream is not a terminal;
- on a terminal, progress is one line redrawn in place (failures are kept above it); elsewhere
  (CI logs, pipes) it is one plain line per finished item, never carriage returns.

It must never decide *what* to do (no prompts, no exit codes) and never import click: the CLI owns
those, and the core may use this module without pulling in the CLI.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Mapping
from typing import Protocol, TextIO

_RESET = "\x1b[0m"
_STYLES = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "bold": "\x1b[1m", "dim": "\x1b[2m"}
BAR_WIDTH = 24
# Interactive redraws closer together than this are skipped (the final state is always drawn).
REDRAW_INTERVAL = 0.05


class Progress(Protocol):
    """Progress of a fixed number of items (e.g. plan actions being applied)."""

    def advance(self, ok: bool, label: str) -> None: ...
    def close(self) -> None: ...


class Console(Protocol):
    def output(self, text: str) -> None:
        """Primary output (a plan, a report): stdout."""

    def info(self, message: str) -> None: ...
    def success(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def error(self, message: str) -> None: ...
    def progress(self, total: int, label: str) -> Progress: ...


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or file-like objects without a terminal
        return False


def color_enabled(*, no_color: bool = False, stream: TextIO | None = None,
                  environ: Mapping[str, str] | None = None) -> bool:
    """Whether to use ANSI colour on ``stream`` (default stdout), given ``--no-color`` and the env."""
    env = os.environ if environ is None else environ
    if no_color or env.get("NO_COLOR", "") != "":
        return False  # opting out wins over forcing, as CPython's own colouring decides
    if env.get("FORCE_COLOR", "") != "":
        return True
    if env.get("TERM") == "dumb":
        return False
    return _isatty(sys.stdout if stream is None else stream)


class TerminalConsole:
    """A ``Console`` writing to real streams (stdout/stderr by default).

    ``color``: ``None`` decides from the environment and whether stdout is a terminal.
    ``interactive``: ``None`` means "stderr is a terminal"; it selects the in-place progress line.
    """

    def __init__(self, *, color: bool | None = None, out: TextIO | None = None, err: TextIO | None = None,
                 interactive: bool | None = None) -> None:
        self.out = sys.stdout if out is None else out
        self.err = sys.stderr if err is None else err
        self.color = color_enabled(stream=self.out) if color is None else color
        self.interactive = _isatty(self.err) if interactive is None else interactive
        self._lock = threading.RLock()
        self._active: _TerminalProgress | None = None

    def style(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color else text

    def _message(self, text: str) -> None:
        with self._lock:
            if self._active is not None:
                self._active.clear_line()
            self.err.write(text + "\n")
            if self._active is not None:
                self._active.redraw(force=True)
            self.err.flush()

    def output(self, text: str) -> None:
        with self._lock:
            if self._active is not None:
                self._active.clear_line()
            self.out.write(text if text.endswith("\n") else text + "\n")
            self.out.flush()

    def info(self, message: str) -> None:
        self._message(message)

    def success(self, message: str) -> None:
        self._message(self.style("green", message))

    def warn(self, message: str) -> None:
        self._message(self.style("yellow", "Warning: ") + message)

    def error(self, message: str) -> None:
        self._message(self.style("red", "Error: ") + message)

    def progress(self, total: int, label: str) -> Progress:
        if total < 0:
            raise ValueError(f"progress total must be >= 0, not {total}")
        progress = _TerminalProgress(self, total, label)
        with self._lock:
            self._active = progress
            progress.redraw(force=True)
            self.err.flush()
        return progress

    def _finished(self, progress: _TerminalProgress) -> None:
        with self._lock:
            if self._active is progress:
                self._active = None


class _TerminalProgress:
    """Counts finished items; safe to advance from several worker threads at once."""

    def __init__(self, console: TerminalConsole, total: int, label: str) -> None:
        self.console = console
        self.total = total
        self.label = label
        self.ok = 0
        self.failed = 0
        self.closed = False
        self._started = time.monotonic()
        self._drawn = 0  # width of the progress line currently on screen
        self._last_draw = 0.0

    @property
    def done(self) -> int:
        return self.ok + self.failed

    def __enter__(self) -> _TerminalProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def advance(self, ok: bool, label: str) -> None:
        console = self.console
        with console._lock:
            if self.closed:
                raise RuntimeError(f"progress {self.label!r} advanced after close()")
            if ok:
                self.ok += 1
            else:
                self.failed += 1
            status = console.style("green", "ok    ") if ok else console.style("red", "failed")
            if console.interactive:
                if not ok:  # failures stay on screen above the progress line
                    self.clear_line()
                    console.err.write(f"  {status.rstrip()} {label}\n")
                self.redraw(force=self.done >= self.total)
            else:
                width = len(str(self.total))
                console.err.write(f"[{self.done:>{width}}/{self.total}] {status} {label}\n")
            console.err.flush()

    def clear_line(self) -> None:
        if self.console.interactive and self._drawn:
            self.console.err.write("\r" + " " * self._drawn + "\r")
            self._drawn = 0

    def redraw(self, *, force: bool = False) -> None:
        if not self.console.interactive or self.closed:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < REDRAW_INTERVAL:
            return
        self._last_draw = now
        filled = BAR_WIDTH if self.total == 0 else min(BAR_WIDTH, BAR_WIDTH * self.done // self.total)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        line = f"{self.label} [{bar}] {self.done}/{self.total}{failed}"
        columns = shutil.get_terminal_size((80, 24)).columns
        line = line[: max(10, columns - 1)]
        self.clear_line()
        self.console.err.write(line)
        self._drawn = len(line)

    def close(self) -> None:
        console = self.console
        with console._lock:
            if self.closed:
                return
            self.clear_line()
            self.closed = True
            elapsed = time.monotonic() - self._started
            failed = console.style("red", f"{self.failed} failed") if self.failed else "0 failed"
            console.err.write(f"{self.label}: {self.ok} succeeded, {failed} "
                              f"({self.done} of {self.total}) in {elapsed:.1f}s\n")
            console.err.flush()
        console._finished(self)
