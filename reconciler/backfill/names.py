"""Deterministic execution names and labels for backfill runs (pure).

A run's name depends only on the backfill's address and its kickoff instant, so re-applying (or
re-running after a crash between CreateExecution and the next observation) never launches an
instant twice: the planner sees the name and Admin answers ALREADY_EXISTS. **The format is fixed
forever** — changing any part of it (prefix, truncation, stamp, digest input) would make every
backfill already under way launch all of its runs a second time:

    bf-<name part, ≤ 30>-<YYYYMMDD>t<HHMM>-<6 hex of sha256("<address>|<UTC instant isoformat>")>   ≤ 54
    <that>-r<attempt>                                                   recoveries (attempt ≥ 1)  ≤ 63

The name part is the last address segment (the Backfill's ``metadata.name``, already a lowercase
``[a-z][a-z0-9-]*`` of ≤ 30 characters when it comes from a manifest), lower-cased with other
characters replaced by ``-``. The stamp is minute-resolution UTC for readability; the digest covers
the full instant and address, so instants in the same minute and backfills with the same name still
differ. Admin's rules (lowercase, ≤ 63, ``^[a-z][a-z\\-0-9]*$``) hold for every input.

Labels name the backfill and the kickoff time (Kubernetes label values: ≤ 63 characters, alphanumeric
at both ends) and a digest of the extra inputs, used to detect edits after a backfill started.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from reconciler.model.address import leaf

PREFIX = "bf-"
NAME_PART_MAX = 30
MAX_NAME = 63  # Admin's execution name limit (§6.1)
ADMIN_NAME = re.compile(r"^[a-z][a-z\-0-9]*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

# Label keys are part of the stable format as well: observation reads them back from live runs.
LABEL_BACKFILL = "flyte-reconciler-backfill"
LABEL_KICKOFF = "flyte-reconciler-kickoff"
LABEL_INPUTS = "flyte-reconciler-inputs"

_RETRY = re.compile(r"^(?P<base>.+)-r(?P<attempt>[1-9][0-9]*)$")


def name_part(address: str) -> str:
    """The readable part of run names: the backfill's name, made safe for Admin, ≤ 30 characters."""
    raw = leaf(address).lower()
    return re.sub(r"[^a-z0-9-]", "-", raw)[:NAME_PART_MAX] or "x"


def execution_name(address: str, kickoff: dt.datetime) -> str:
    """The run name of ``kickoff`` in the backfill at ``address`` (stable forever; see the module doc)."""
    if kickoff.tzinfo is None or kickoff.utcoffset() is None:
        raise ValueError(f"kickoff {kickoff.isoformat()} has no time zone; names are derived from UTC instants")
    instant = kickoff.astimezone(dt.UTC)
    digest = hashlib.sha256(f"{address}|{instant.isoformat()}".encode()).hexdigest()[:6]
    return f"{PREFIX}{name_part(address)}-{instant:%Y%m%d}t{instant:%H%M}-{digest}"


def retry_name(base: str, attempt: int) -> str:
    """The name of the ``attempt``-th recovery (1, 2, …) of the run named ``base``."""
    if attempt < 1:
        raise ValueError(f"a recovery attempt counts from 1, not {attempt}")
    name = f"{base}-r{attempt}"
    if len(name) > MAX_NAME:
        raise ValueError(f"recovery name {name!r} is longer than {MAX_NAME} characters")
    return name


def split_attempt(name: str) -> tuple[str, int]:
    """``(base name, attempt)`` of a run name: ``bf-…-abc123-r2`` → ``(bf-…-abc123, 2)``; originals are attempt 0.

    Unambiguous because a base name ends in hex digits, which never contain ``r``.
    """
    match = _RETRY.match(name)
    return (match["base"], int(match["attempt"])) if match else (name, 0)


def run_name_pattern(address: str) -> re.Pattern[str]:
    """Matches exactly the run names (originals and recoveries) this backfill can have produced.

    A looser prefix test would claim runs of another backfill whose name merely starts the same
    (``q1`` vs ``q1-2024``), and prune would then terminate them.
    """
    return re.compile(rf"^{re.escape(PREFIX + name_part(address))}-\d{{8}}t\d{{4}}-[0-9a-f]{{6}}(?:-r[1-9][0-9]*)?$")


def inputs_digest(inputs: dict[str, Any]) -> str:
    """A short digest of a backfill's extra inputs, recorded on every run to detect later edits (stable format)."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:12]


def backfill_label(address: str) -> str:
    """Label value naming the backfill: ``<name part>-<12 hex of sha256(address)>`` (≤ 43 characters)."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:12]
    return f"{name_part(address)}-{digest}".lstrip("-_.")


def kickoff_label(kickoff: dt.datetime) -> str:
    """Label value of a kickoff instant: ``YYYYMMDDTHHMMSSZ`` in UTC."""
    return kickoff.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def labels(address: str, kickoff: dt.datetime, inputs: dict[str, Any] | None = None) -> dict[str, str]:
    """The labels every run of the backfill carries (recoveries inherit them from the original)."""
    return {LABEL_BACKFILL: backfill_label(address), LABEL_KICKOFF: kickoff_label(kickoff),
            LABEL_INPUTS: inputs_digest(inputs or {})}
