"""Fingerprints of live objects, recorded in a saved plan and checked again before it is applied.

A fingerprint covers what a plan's actions depend on: for a launch plan, its active versions
(versions themselves are immutable); for a run, the names of its executions; for everything else, the
whole normalised body.
Objects that did not exist are recorded as ``ABSENT`` so that one created meanwhile is noticed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.model.state import State, kind_of

ABSENT = "absent"


def _projection(address: str, body: Mapping[str, Any]) -> Any:
    # Only the active set: the description and the registered-but-inactive versions are read only when a
    # plan needs them, so a re-observation by address would see them differently and call a plan stale.
    if kind_of(address) == "launchplan":
        return {"activeVersions": sorted(body.get("activeVersions", []))}
    # Packages: the entities still to register (re-read from the saved actions when checking freshness).
    if kind_of(address) == "package":
        return sorted(k for k, s in body.get("entities", {}).items() if s.get("state") == "absent")
    # Which executions a run has, not their phases: a run moving from QUEUED to RUNNING must not make
    # every saved plan stale (its launch and terminate actions are safe against any phase: a name
    # launched meanwhile answers ALREADY_EXISTS, a run that ended meanwhile refuses the terminate).
    if kind_of(address) == "run":
        return {"executions": sorted(e["name"] for e in body.get("executions", []))}
    return body


def fingerprint(address: str, body: Mapping[str, Any] | None) -> str:
    if body is None and kind_of(address) == "launchplan":
        body = {"activeVersions": []}  # no version active and none read: the same state as "absent"
    if body is None:
        return ABSENT
    canonical = json.dumps(_projection(address, body), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def fingerprints(actual: State, addresses: Iterable[str]) -> dict[str, str]:
    result = {}
    for address in addresses:
        resource = actual.get(address)
        result[address] = fingerprint(address, resource.body if resource else None)
    return result


def stale_addresses(recorded: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    return sorted(a for a, f in recorded.items() if now.get(a, ABSENT) != f)
