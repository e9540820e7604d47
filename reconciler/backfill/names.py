"""Deterministic execution names and labels for backfill runs (pure).

A run's name depends only on the backfill's address and its kickoff instant, so re-applying (or
re-running after a crash) never launches the same instant twice. The format is fixed forever:
changing it would duplicate every run already launched.

    bf-<backfill name, ≤ 30>-<YYYYMMDD>t<HHMM>-<6 hex of sha256(address|instant)>   (≤ 57 characters)
    <that>-r<attempt> for recoveries                                                    (≤ 63 characters)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

LABEL_BACKFILL = "flyte-reconciler-backfill"
LABEL_KICKOFF = "flyte-reconciler-kickoff"
LABEL_INPUTS = "flyte-reconciler-inputs"


def execution_name(address: str, kickoff: dt.datetime) -> str:
    name = address.rsplit("/", 1)[-1][:30]
    instant = kickoff.astimezone(dt.UTC)
    digest = hashlib.sha256(f"{address}|{instant.isoformat()}".encode()).hexdigest()[:6]
    return f"bf-{name}-{instant:%Y%m%d}t{instant:%H%M}-{digest}"


def retry_name(base: str, attempt: int) -> str:
    return f"{base}-r{attempt}"


def inputs_digest(inputs: dict[str, Any]) -> str:
    """A short digest of a backfill's extra inputs, recorded on every run to detect later edits."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:12]


def labels(address: str, kickoff: dt.datetime, inputs: dict[str, Any] | None = None) -> dict[str, str]:
    """Label values follow Kubernetes rules (≤ 63, alphanumeric ends)."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:12]
    name = address.rsplit("/", 1)[-1][:40]
    return {LABEL_BACKFILL: f"{name}-{digest}", LABEL_KICKOFF: kickoff.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
            LABEL_INPUTS: inputs_digest(inputs or {})}
