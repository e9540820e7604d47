"""Which of a plan's actions one sync may apply (pure).

- ``manual``: none on its own; an explicit sync request applies the whole plan.
- ``auto``: the actions on addresses whose desired state changed in git since the last complete sync
  (new, edited or removed manifests; the first sync counts everything as changed), plus backfill
  launches and recoveries, which advance on every cycle as ``apply --wait`` does. Hand changes to
  anything else stay ``OutOfSync``.
- ``selfHeal``: every action, so hand changes are reverted too.

Prune stays governed by ``prune.*`` and ``--max-deletions`` inside the planner; nothing here can add
an action the plan does not already hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from reconciler.model.address import kind_of
from reconciler.plan.actions import Action
from reconciler.plan.model import Plan

MANUAL = "manual"
AUTO = "auto"
SELF_HEAL = "selfHeal"
POLICIES = (MANUAL, AUTO, SELF_HEAL)
# Backfill progress is work to drive, not drift: it advances under auto as well as selfHeal. Package
# registrations are content-addressed and immutable in Admin: one is pending only when git's content is
# not registered yet, never to revert a hand change.
ALWAYS_ADVANCE = frozenset({"launch_execution", "recover_execution", "upload_package_archive",
                            "register_package_entity"})
# A pseudo-address for what the plan resolved (``latest`` workflow versions, package versions): when it
# changes, every launch plan counts as changed, since its registered version follows the resolution.
RESOLVED = "(resolved)"


def digests(bodies: Mapping[str, object]) -> dict[str, str]:
    """A short content digest per desired address (what "changed in git" compares)."""
    return {address: hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]
            for address, body in bodies.items()}


def changed_addresses(before: Mapping[str, str] | None, after: Mapping[str, str]) -> frozenset[str] | None:
    """Addresses added, edited or removed between two digests; None when there is no ``before``."""
    if before is None:
        return None
    return frozenset(a for a in set(before) | set(after) if before.get(a) != after.get(a))


def select_actions(plan: Plan, *, policy: str, changed: frozenset[str] | None, requested: bool) -> tuple[Action, ...]:
    if requested or policy == SELF_HEAL:
        return plan.actions
    if policy == AUTO:
        resolutions_moved = changed is not None and RESOLVED in changed
        return tuple(a for a in plan.actions
                     if a.type in ALWAYS_ADVANCE or changed is None or a.address in changed
                     or (resolutions_moved and kind_of(a.address) == "launchplan"))
    return ()
