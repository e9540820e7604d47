"""The normalised state shared by desired (manifests) and actual (Flyte Admin) sides.

Both sides are a mapping from a stable *address* to a ``Resource`` whose ``body`` is a plain,
JSON-able dict in one canonical shape per kind, so that a freshly applied object diffs as equal to
its manifest. Server-owned fields (timestamps, ids, digests) never appear in a body.

Bodies per kind (camelCase keys; every key always present so shapes match):

``project/<id>``
    {"id", "displayName", "description", "labels": {str: str}, "state": "active" | "archived"}

``launchplan/<project>/<domain>/<name>``
    desired: {"version": str, "active": bool, "description": str | None,
              "workflow": {"project", "domain", "name", "version"},
              "spec": LaunchPlanSpec body (see ``reconciler.admin.convert.launch_plan_spec_body``),
              "pinned": bool}
    actual:  {"activeVersions": [str, ...] (sorted), "description": str | None,
              "versions": {version: spec body} for the versions that were read (active ones and
                          the desired one when it exists); the body is None where no plan needs it
                          (the desired version is already active and not pinned)}
    Desired launch plans also carry ``payload = {"spec": <the serialized LaunchPlanSpec, base64>}``:
    the exact message to register, kept out of the comparison.

``workflow/<project>/<domain>/<name>``  (named-entity metadata of a registered workflow)
    {"description": str, "state": "active" | "archived"}
    actual bodies exist only for workflows that are registered.

``attributes/<project>/<domain|->/<workflow|->/<type>``
    {"value": <the manifest value for that type, camelCase, as written>}; <type> is the snake_case
    matchable resource name (task_resource, cluster_resource, execution_queue,
    execution_cluster_label, plugin_override, workflow_execution_config, cluster_assignment).

``backfill/<project>/<domain>/<launch plan>/<name>``
    defined by the backfill planner.

``run/<project>/<domain>/<name>``
    defined by the run planner (``reconciler.plan.runs``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.model.address import (  # noqa: F401  (re-exported: the state's vocabulary)
    ATTRIBUTE_TYPES,
    KINDS,
    NO_LEVEL,
    Address,
    attributes_address,
    backfill_address,
    kind_of,
    launch_plan_address,
    project_address,
    run_address,
    workflow_address,
)


@dataclass(frozen=True)
class Resource:
    """One object in normalised form.

    ``body`` is compared and shown; ``payload`` (desired side only) is what a write sends when the
    body alone is not enough (e.g. the exact LaunchPlanSpec to register); ``source`` is
    ``"file:line"`` of the manifest that declared it.
    """

    address: str
    body: Mapping[str, Any]
    payload: Mapping[str, Any] | None = None
    source: str = ""

    @property
    def kind(self) -> str:
        return kind_of(self.address)


@dataclass(frozen=True)
class State:
    """A read-only set of resources keyed by address."""

    resources: Mapping[str, Resource] = field(default_factory=dict)

    def __contains__(self, address: object) -> bool:
        return address in self.resources

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.resources))

    def __len__(self) -> int:
        return len(self.resources)

    def get(self, address: str) -> Resource | None:
        return self.resources.get(address)

    def of_kind(self, kind: str) -> list[Resource]:
        """Resources of one kind, sorted by address (indexed once: every planner asks, per kind)."""
        return list(self._by_kind().get(kind, ()))

    def _by_kind(self) -> dict[str, list[Resource]]:
        index: dict[str, list[Resource]] | None = self.__dict__.get("_kind_index")
        if index is None:
            index = {}
            for address in sorted(self.resources):
                index.setdefault(kind_of(address), []).append(self.resources[address])
            object.__setattr__(self, "_kind_index", index)  # a cache on a frozen dataclass
        return index

    @classmethod
    def of(cls, resources: list[Resource]) -> State:
        return cls({r.address: r for r in resources})
