"""The Plan: an immutable value that round-trips through JSON (``plan --out`` / ``apply --plan``).

It records what will be done (``actions``), what was seen but is not managed (``unmanaged``), and
the evidence needed to refuse a stale or misdirected plan later: the digest of the manifests it was
made from (and of each file), a fingerprint of every live object its actions touch, and the target
it was made for. Written sealed (``to_json``: a digest, and a signature when given a key); a file
from outside is read back only through ``reconciler.plan.saved``, which checks all of that.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from reconciler.plan.actions import Action
from reconciler.plan.integrity import SEAL_KEYS, seal
from reconciler.plan.target import PlannedTarget

# 2: sealed (digest, signature), with the recorded target and per-file manifest digests.
PLAN_FORMAT_VERSION = 2


class Unmanaged(BaseModel):
    """A live object inside the managed scope that no manifest declares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str
    detail: str
    pruned: bool = False  # True when the plan removes/deactivates it (prune enabled)


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = PLAN_FORMAT_VERSION
    tool_version: str
    manifests_digest: str
    manifest_files: dict[str, str] = {}  # manifest file → digest of its rendered documents
    environment: str | None = None
    endpoint: str | None = None
    target: PlannedTarget | None = None  # recorded for saved plans (``plan --out``)
    actions: tuple[Action, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    fingerprints: dict[str, str] = {}
    resolved: dict[str, str] = {}  # e.g. workflow "latest" resolutions recorded at plan time
    warnings: tuple[str, ...] = ()
    in_sync: tuple[str, ...] = ()  # addresses that need no change
    backfills: dict[str, dict[str, Any]] = {}  # address → progress (total, succeeded, running, …, status)
    runs: dict[str, dict[str, Any]] = {}  # address → generation, execution, phase, status, error (plan.runs)

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)

    @property
    def unsuccessful_backfills(self) -> list[str]:
        """Backfills that ended ``failed`` or were ``stopped`` by a failure: no action fixes them, a person must."""
        return sorted(a for a, p in self.backfills.items() if p.get("status") in ("failed", "stopped"))

    @property
    def needs_attention(self) -> bool:
        """What ``plan --detailed-exitcode`` reports as 2: changes to apply, or a backfill that did not succeed."""
        return self.has_changes or bool(self.unsuccessful_backfills)

    def summary(self) -> dict[str, int]:
        """Counts per verb: add / change / destroy, as terraform prints them."""
        counts = {"add": 0, "change": 0, "destroy": 0}
        for action in self.actions:
            if action.destructive:
                counts["destroy"] += 1
            elif action.creates:
                counts["add"] += 1
            else:
                counts["change"] += 1
        return counts

    def to_json(self, key: bytes | None = None) -> str:
        """The saved-plan file: this plan's body with its digest (and HMAC signature under ``key``)."""
        return json.dumps(seal(self.model_dump(mode="json"), key), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """The plan in ``text`` without any check (plans this process wrote); see ``plan.saved``."""
        body = json.loads(text)
        return cls.model_validate({k: v for k, v in body.items() if k not in SEAL_KEYS})


ACTIONS_ADAPTER: TypeAdapter[Any] = TypeAdapter(Action)
