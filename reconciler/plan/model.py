"""The Plan: an immutable value that round-trips through JSON (``plan --out`` / ``apply --plan``).

It records what will be done (``actions``), what was seen but is not managed (``unmanaged``), and
the evidence needed to refuse a stale plan later: the digest of the manifests it was made from and
a fingerprint of every live object its actions touch.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from reconciler.plan.actions import Action

PLAN_FORMAT_VERSION = 1


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
    environment: str | None = None
    endpoint: str | None = None
    actions: tuple[Action, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    fingerprints: dict[str, str] = {}
    resolved: dict[str, str] = {}  # e.g. workflow "latest" resolutions recorded at plan time
    warnings: tuple[str, ...] = ()
    in_sync: tuple[str, ...] = ()  # addresses that need no change
    backfills: dict[str, dict[str, Any]] = {}  # address → progress (total, succeeded, running, …, status)

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)

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

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls.model_validate_json(text)


ACTIONS_ADAPTER: TypeAdapter[Any] = TypeAdapter(Action)
