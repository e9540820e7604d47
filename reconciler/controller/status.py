"""Status as data: what every address looks like after a cycle (pure; no I/O, no clock of its own).

Statuses, after Argo CD's sync status beside its health:

- ``Synced``       live state matches the manifests (a finished backfill too);
- ``OutOfSync``    a plan action is pending for it; ``diff`` holds the field diff as the plan's Markdown shows it;
- ``Unmanaged``    live, in the managed scope, declared by no manifest (and not pruned);
- ``Failed``       its last write failed (``error``, ``failedAt``, ``attempts``), or its backfill failed/stopped;
- ``Progressing``  a backfill with runs still to launch or running (``progress``: done/total).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from reconciler.apply import APPLIED, FAILED, ApplyReport
from reconciler.model.address import kind_of
from reconciler.plan.model import Plan
from reconciler.plan.render.common import blocks, diff_lines, label

SYNCED = "Synced"
OUT_OF_SYNC = "OutOfSync"
UNMANAGED = "Unmanaged"
FAILED_STATUS = "Failed"
PROGRESSING = "Progressing"
STATUSES = (SYNCED, OUT_OF_SYNC, UNMANAGED, FAILED_STATUS, PROGRESSING)


@dataclass(frozen=True)
class Failure:
    error: str
    at: str
    attempts: int


@dataclass(frozen=True)
class ObjectStatus:
    address: str
    status: str
    diff: str = ""  # "- path: old" / "+ path: new" lines, one block per pending action
    error: str | None = None
    failed_at: str | None = None
    attempts: int = 0
    progress: dict[str, Any] | None = None  # backfills: total, succeeded, running, failed, pending, status
    detail: str = ""  # unmanaged: what it is; out of sync: the actions' reasons
    actions: tuple[str, ...] = field(default=())
    # When the object entered this status (Kubernetes' lastTransitionTime); set by the loop, not compared.
    since: str | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return kind_of(self.address)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ObjectStatus:
        return cls(**{**data, "actions": tuple(data.get("actions", ()))})


def _diff_text(plan: Plan, address: str) -> tuple[str, tuple[str, ...], str]:
    """The pending actions of one address rendered like the plan's Markdown diff fence."""
    lines: list[str] = []
    labels: list[str] = []
    reasons: list[str] = []
    for block in blocks(plan):
        if block.address != address:
            continue
        for action in block.actions:
            labels.append(label(action))
            reasons.append(action.reason)
            lines.append(f"# {label(action)}: {action.reason}")
            lines.extend(diff_lines(action))
    return "\n".join(lines), tuple(labels), "; ".join(dict.fromkeys(reasons))


def failures_after(report: ApplyReport | None, previous: Mapping[str, Failure], now: str) -> dict[str, Failure]:
    """Failures carried forward: a failed write counts one more attempt; the rest are kept as they were
    (``object_statuses`` drops those whose address is back in sync)."""
    result = dict(previous)
    if report is None:
        return result
    failed = {r.action.address: r.error or "failed" for r in report.results if r.status == FAILED}
    applied = {r.action.address for r in report.results if r.status == APPLIED} - set(failed)
    for address in applied:
        result.pop(address, None)
    for address, error in failed.items():
        before = previous.get(address)
        result[address] = Failure(error=error, at=now, attempts=(before.attempts if before else 0) + 1)
    return result


def object_statuses(plan: Plan, failures: Mapping[str, Failure]) -> dict[str, ObjectStatus]:
    """Every address the plan knows about, with its status; ``failures`` from ``failures_after``."""
    result: dict[str, ObjectStatus] = {}
    for address in plan.in_sync:
        result[address] = ObjectStatus(address, SYNCED)
    for item in plan.unmanaged:
        if not item.pruned:
            result[item.address] = ObjectStatus(item.address, UNMANAGED, detail=item.detail)
    for address in dict.fromkeys(a.address for a in plan.actions):
        diff, labels, reasons = _diff_text(plan, address)
        failure = failures.get(address)
        if failure is not None:
            result[address] = ObjectStatus(address, FAILED_STATUS, diff=diff, error=failure.error,
                                           failed_at=failure.at, attempts=failure.attempts, detail=reasons,
                                           actions=labels)
        else:
            result[address] = ObjectStatus(address, OUT_OF_SYNC, diff=diff, detail=reasons, actions=labels)
    for address, progress in plan.backfills.items():
        current = result.get(address)
        base = current if current is not None else ObjectStatus(address, SYNCED)
        state = progress.get("status")
        if state in ("failed", "stopped"):
            error = f"backfill {state}: {progress.get('failed', 0)} run(s) failed"
            status = ObjectStatus(address, FAILED_STATUS, diff=base.diff, error=base.error or error,
                                  failed_at=base.failed_at, attempts=base.attempts, progress=dict(progress),
                                  detail=base.detail, actions=base.actions)
        elif state in ("pending", "running") and base.status != FAILED_STATUS:
            status = ObjectStatus(address, PROGRESSING, diff=base.diff, progress=dict(progress), detail=base.detail,
                                  actions=base.actions)
        else:
            status = ObjectStatus(**{**base.to_dict(), "progress": dict(progress), "actions": base.actions})
        result[address] = status
    return dict(sorted(result.items()))


def counts(statuses: Mapping[str, ObjectStatus]) -> dict[str, int]:
    result = dict.fromkeys(STATUSES, 0)
    for status in statuses.values():
        result[status.status] += 1
    return result
