"""Canonical forms used only to decide equality: ``0.5`` == ``500m``, ``1Gi`` == ``1024Mi``, tag
order and plugin-override order are meaningless. Writes always keep the manifest's spelling."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from reconciler.manifests.quantity import parse_quantity


def quantity_value(text: Any) -> Fraction | str:
    """The exact value of a Kubernetes quantity (the manifests' parser); unparsable text compares as itself."""
    try:
        return parse_quantity(str(text).strip())
    except ValueError:
        return str(text)


def _resources(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    return {k: quantity_value(v) for k, v in block.items() if v not in (None, "")}


def comparable_attribute(attr_type: str, value: Any) -> Any:
    if attr_type == "task_resource" and isinstance(value, dict):
        return {k: _resources(v) for k, v in value.items() if v}
    if attr_type == "execution_queue" and isinstance(value, list):
        return sorted(value)
    if attr_type == "plugin_override" and isinstance(value, list):
        return sorted(({**o, "missingPluginBehavior": o.get("missingPluginBehavior", "fail")} for o in value),
                      key=lambda o: str(o.get("taskType")))
    if attr_type == "workflow_execution_config" and isinstance(value, dict):
        # Admin cannot tell an explicit ``overwriteCache: false`` or an empty map from an absent one.
        return {k: v for k, v in value.items()
                if v not in (None, {}, [], "") and not (k in ("overwriteCache", "maxParallelism") and not v)}
    if attr_type == "cluster_resource" and isinstance(value, dict):
        return {k: str(v) for k, v in value.items()}
    return value
