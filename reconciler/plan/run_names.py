"""Deterministic execution names and labels of Runs (pure).

A run's execution name depends only on its address and generation, so a re-run after a crash, or a
second CI job applying at the same time, computes the same name and Admin refuses the duplicate. **The
format is fixed forever** (changing it would launch every run a second time):

    run-<name part, ≤ 30>-g<generation>-<6 hex of sha256("<address>|<generation>")>                ≤ 50
    <that>-c<6 hex of the spec digest>     a relaunch after an edit (``onChange: relaunch``)        ≤ 58

Labels on every execution: the run's name (``metadata.name``, already a valid label value), its
generation, and a digest of the manifest spec (to notice edits after the launch). Observation reads them
back; the project and domain come from the execution id, so an execution maps back to its address even
after its manifest was removed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from reconciler.backfill.names import ADMIN_NAME, MAX_NAME
from reconciler.model.address import Address

PREFIX = "run-"
NAME_PART_MAX = 30
RESERVED_LABEL_PREFIX = "flyte-reconciler-"  # the labels below; a Run manifest may not set labels with it
LABEL_RUN = "flyte-reconciler-run"
LABEL_GENERATION = "flyte-reconciler-generation"
LABEL_SPEC = "flyte-reconciler-spec"
# Spec fields that say *when* to launch rather than *what*: editing them is not an edit of the run.
NOT_CONTENT = frozenset({"generation", "onChange", "terminatePrevious"})

_SHAPE = re.compile(r"^run-[a-z0-9-]+-g(?P<generation>[1-9][0-9]*)-[0-9a-f]{6}(?:-c[0-9a-f]{6})?$")


def name_part(name: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", name.lower())[:NAME_PART_MAX].rstrip("-") or "x"


def execution_name(address: str, generation: int) -> str:
    """The execution of ``generation`` of the run at ``address`` (stable forever; see the module doc)."""
    parsed = Address.parse(address)
    digest = hashlib.sha256(f"{address}|{generation}".encode()).hexdigest()[:6]
    name = f"{PREFIX}{name_part(str(parsed.name))}-g{generation}-{digest}"
    _check(name)
    return name


def changed_name(base: str, spec_digest: str) -> str:
    """The execution that relaunches generation ``base`` after an edit to the spec (``onChange: relaunch``)."""
    name = f"{base}-c{spec_digest[:6]}"
    _check(name)
    return name


def is_run_execution(name: str) -> bool:
    return bool(_SHAPE.match(name))


def spec_digest(spec: Mapping[str, Any]) -> str:
    """A digest of the manifest spec as written, without the fields that only say when to launch."""
    content = {k: v for k, v in spec.items() if k not in NOT_CONTENT}
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
                          .encode()).hexdigest()[:12]


def labels(address: str, generation: int, digest: str) -> dict[str, str]:
    return {LABEL_RUN: str(Address.parse(address).name), LABEL_GENERATION: str(generation), LABEL_SPEC: digest}


def _check(name: str) -> None:
    if len(name) > MAX_NAME or not ADMIN_NAME.match(name):
        raise ValueError(f"run execution name {name!r} breaks Admin's name rules")
