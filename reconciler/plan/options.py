"""What a plan is allowed to touch: managed scope, prune policy, address filters, deletion guard."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_MAX_DELETIONS = 10
# How many near addresses a selection error suggests.
CLOSEST_SHOWN = 5


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

    def unmatched_globs(self, addresses: Iterable[str]) -> list[tuple[str, str, list[str]]]:
        """Every ``--target``/``--exclude`` glob that matches none of ``addresses``, as
        (option, glob, closest addresses): a selection that selects nothing is a typo, not "in sync"."""
        known = sorted(set(addresses))
        found = []
        for option, globs in (("--target", self.targets), ("--exclude", self.excludes)):
            for glob in globs:
                if not any(fnmatch.fnmatchcase(a, glob) for a in known):
                    found.append((option, glob, closest_addresses(glob, known)))
        return found


def closest_addresses(glob: str, addresses: list[str]) -> list[str]:
    """The addresses nearest to ``glob`` (wildcards dropped, since they never occur in an address)."""
    stem = glob.replace("*", "").replace("?", "")
    return difflib.get_close_matches(stem, addresses, n=CLOSEST_SHOWN, cutoff=0.4)
