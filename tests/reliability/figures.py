"""Figures of the reliability test families (runs, faults injected, kills, bad inputs, duplicates found).

Tests call ``record(family, **counts)`` with what they actually did and saw; counts of one family add up
over calls. With ``RELIABILITY_FIGURES`` unset (a plain pytest run) nothing is written. ``python -m
reliability`` sets it, runs the families and turns the file into docs/reliability.md. ``scale(ci, full)``
picks the CI or the documented full-run size of a family (``RELIABILITY_FULL=1``).
"""

from __future__ import annotations

import json
import os
import threading

_LOCK = threading.Lock()


def full_run() -> bool:
    return os.environ.get("RELIABILITY_FULL") == "1"


def scale(ci: int, full: int) -> int:
    """How many seeds/kills/cases a family runs: ``ci`` in CI, ``full`` for the documented figures."""
    return full if full_run() else ci


def record(family: str, **counts: int) -> None:
    """Append one observation of a family (one JSON line) to ``$RELIABILITY_FIGURES``, if set."""
    path = os.environ.get("RELIABILITY_FIGURES")
    if not path:
        return
    line = json.dumps({"family": family, **{k: int(v) for k, v in counts.items()}}, sort_keys=True)
    with _LOCK, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
