"""The mutable accumulator each kind planner fills; the builder freezes it into a Plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.plan.actions import Action
from reconciler.plan.model import Unmanaged


@dataclass
class KindPlan:
    actions: list[Action] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    in_sync: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def extend(self, other: KindPlan) -> None:
        self.actions.extend(other.actions)
        self.unmanaged.extend(other.unmanaged)
        self.warnings.extend(other.warnings)
        self.in_sync.extend(other.in_sync)
        self.errors.extend(other.errors)
