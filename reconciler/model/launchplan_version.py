"""Content-addressed launch plan versions (pure).

A launch plan version is derived from the rendered manifest spec plus the resolved workflow id, so
an unchanged manifest maps to the version already registered (a no-op without any extra read) and
any edit yields a new version. ``active`` and ``description`` are left out: they are mutable state,
not part of the immutable version. Changing this function would re-register every launch plan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

VERSION_PREFIX = "r-"
_MUTABLE = ("active", "description", "version")


def derive_version(manifest_spec: Mapping[str, Any], workflow_id: tuple[str, str, str, str]) -> str:
    content = {k: v for k, v in manifest_spec.items() if k not in _MUTABLE}
    content["workflow"] = list(workflow_id)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return VERSION_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:16]
