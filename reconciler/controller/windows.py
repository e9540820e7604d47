"""Sync windows (Argo CD's): a cron start plus a duration, allowing or denying automatic syncs.

Pure functions of the windows, the environment and a given instant (UTC). Rules: an active ``deny``
window blocks; if any ``allow`` window applies to the environment, syncs happen only while one is
active; a window with ``manualSync`` lets an explicit sync request through anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

from reconciler.errors import ConfigError
from reconciler.manifests.config import SyncWindow as ConfigWindow

_DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        raise ConfigError(f"sync window duration {text!r} is not like 1h, 30m or 2h30m")
    return timedelta(hours=int(match["h"] or 0), minutes=int(match["m"] or 0), seconds=int(match["s"] or 0))


@dataclass(frozen=True)
class SyncWindow:
    kind: str  # allow | deny
    schedule: str
    duration: timedelta
    environments: tuple[str, ...] = ()
    manual_sync: bool = False

    @classmethod
    def of(cls, model: ConfigWindow) -> SyncWindow:
        schedule = model.schedule
        if not croniter.is_valid(schedule):
            raise ConfigError(f"sync window schedule {schedule!r} is not a cron expression",
                              hint="five fields, e.g. '0 22 * * *' (UTC)")
        return cls(kind=model.kind, schedule=schedule, duration=parse_duration(model.duration),
                   environments=tuple(model.environments), manual_sync=model.manualSync)

    def applies_to(self, environment: str) -> bool:
        return not self.environments or environment in self.environments

    def active(self, now: datetime) -> bool:
        start = croniter(self.schedule, now + timedelta(seconds=1)).get_prev(datetime)
        return start <= now < start + self.duration

    def describe(self) -> str:
        return f"{self.kind} window '{self.schedule}' for {self.duration}"


def sync_allowed(windows: Iterable[SyncWindow], environment: str, now: datetime | None = None, *,
                 manual: bool = False) -> tuple[bool, str]:
    """``(allowed, why not)`` for a sync of ``environment`` at ``now``."""
    now = now or datetime.now(UTC)
    mine = [w for w in windows if w.applies_to(environment)]
    denying = [w for w in mine if w.kind == "deny" and w.active(now)]
    if denying and not (manual and all(w.manual_sync for w in denying)):
        return False, f"inside the {denying[0].describe()}"
    allows = [w for w in mine if w.kind == "allow"]
    if allows and not any(w.active(now) for w in allows) and not (manual and any(w.manual_sync for w in allows)):
        return False, "outside every allow window"
    return True, ""
