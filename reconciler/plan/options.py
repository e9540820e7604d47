"""What a plan is allowed to touch: managed scope, prune policy, address filters, deletion guard."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

DEFAULT_MAX_DELETIONS = 10


@dataclass(frozen=True)
class Prune:
    projects: bool = False
    launch_plans: bool = False
    attributes: bool = False
    workflows: bool = False
    backfills: bool = False
    runs: bool = False


@dataclass(frozen=True)
class PlanOptions:
    """``projects``/``domains``: the managed scope; live objects inside it that no manifest declares
    are reported as unmanaged (and removed only where ``prune`` allows)."""

    projects: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    prune: Prune = field(default_factory=Prune)
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    max_deletions: int = DEFAULT_MAX_DELETIONS

    def in_scope(self, project: str, domain: str | None = None) -> bool:
        if project not in self.projects:
            return False
        return domain is None or domain in ("", "-") or domain in self.domains

    def selected(self, address: str) -> bool:
        if self.targets and not any(fnmatch.fnmatchcase(address, g) for g in self.targets):
            return False
        return not any(fnmatch.fnmatchcase(address, g) for g in self.excludes)
