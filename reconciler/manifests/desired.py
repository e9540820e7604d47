"""Desired-state resources for the kinds that need nothing from Admin: Project, Workflow, Attributes.

Bodies follow ``reconciler.model.state`` exactly (every key present, ``None`` values dropped from
attribute values, camelCase as written). LaunchPlan and Backfill resources need the workflow
interface from Admin and are built by the engine from the validated models. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from reconciler.manifests.models import ATTRIBUTE_KEYS
from reconciler.model.state import Resource, attributes_address, project_address, workflow_address


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def simple_resources(loaded: Any) -> list[Resource]:
    """One Resource per Project and Workflow document and per attribute type of each Attributes document."""
    resources = []
    for doc in loaded.documents:
        model = doc.model
        if doc.kind == "Project":
            spec = model.spec
            resources.append(Resource(project_address(model.metadata.name), {
                "id": model.metadata.name, "displayName": spec.displayName, "description": spec.description,
                "labels": dict(sorted(spec.labels.items())), "state": spec.state}, source=doc.source))
        elif doc.kind == "Workflow":
            meta = model.metadata
            resources.append(Resource(workflow_address(meta.project, meta.domain, meta.name), {
                "description": model.spec.description or "", "state": model.spec.state}, source=doc.source))
        elif doc.kind == "Attributes":
            meta = model.metadata
            dumped = model.spec.model_dump(mode="json", exclude_none=True)
            for key, attr_type in ATTRIBUTE_KEYS.items():
                if key in dumped:
                    address = attributes_address(meta.project, meta.domain, meta.workflow, attr_type)
                    resources.append(Resource(address, {"value": _drop_none(dumped[key])}, source=doc.source))
    return resources
