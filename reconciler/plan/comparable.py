"""Canonical forms used only to decide equality: ``0.5`` == ``500m``, ``1Gi`` == ``1024Mi``, tag
order and plugin-override order are meaningless. Writes always keep the manifest's spelling."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

_DECIMAL_SUFFIX = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
                   "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
                   "P": Decimal("1e15"), "E": Decimal("1e18")}
_BINARY_SUFFIX = {"Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
                  "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60}


def quantity_value(text: Any) -> Decimal | str:
    """The exact value of a Kubernetes quantity; unparsable text compares as itself."""
    raw = str(text).strip()
    for suffix, factor in _BINARY_SUFFIX.items():
        if raw.endswith(suffix):
            return _scaled(raw[: -len(suffix)], factor, raw)
    if raw[-1:] in _DECIMAL_SUFFIX and raw[-1:] != "":
        return _scaled(raw[:-1], _DECIMAL_SUFFIX[raw[-1]], raw)
    return _scaled(raw, Decimal(1), raw)


def _scaled(number: str, factor: Decimal, raw: str) -> Decimal | str:
    try:
        return (Decimal(number) * factor).normalize()
    except InvalidOperation:
        return raw


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
