"""Machine-readable plan document, modelled on ``terraform show -json`` (schema: docs/plan-json.md).

Policy engines (OPA/conftest) read ``resource_changes[*].change.actions``, ``before`` and
``after`` as they would for Terraform. The output is deterministic: sorted keys, plan order, no
timestamps, so the same plan always gives byte-identical JSON. This is a *view* of the plan; the
saved plan file (``Plan.to_json``) is a different, round-trippable format and must not be
confused with it.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.model.address import Address
from reconciler.plan.actions import CREATE, DELETE, UPDATE, Action
from reconciler.plan.model import Plan
from reconciler.plan.render.common import TOOL_NAME

JSON_FORMAT_VERSION = "1.0"
NO_OP = "no-op"
# Fields every action has; anything else an action type carries goes to "details".
_COMMON_FIELDS = frozenset({"address", "reason", "before", "after", "changes", "type"})


def _resource(address: str) -> dict[str, Any]:
    parsed = Address.parse(address)
    return {"address": address, "type": parsed.kind, "name": "/".join(parsed.parts),
            "project": parsed.project, "domain": parsed.domain}


def terraform_actions(action: Action) -> list[str]:
    """The Terraform-style ``actions`` list, agreeing with the plan's add/change/destroy counts: an
    update of something absent is a ``create``; a destructive update (deactivation) a ``delete``."""
    if action.creates:
        return [CREATE]
    if action.destructive and action.verbs == (UPDATE,):
        return [DELETE]
    return list(action.verbs)


def _change(action: Action) -> dict[str, Any]:
    dumped = action.model_dump(mode="json")
    details = {k: v for k, v in dumped.items() if k not in _COMMON_FIELDS}
    return {
        **_resource(action.address),
        "action_type": action.type,
        "reason": action.reason,
        "destructive": action.destructive,
        "details": details,
        "change": {
            "actions": terraform_actions(action),
            "before": dumped["before"],
            "after": dumped["after"],
            "changes": dumped["changes"],
        },
    }


def _no_op(address: str) -> dict[str, Any]:
    return {
        **_resource(address),
        "action_type": "no_op",
        "reason": "in sync",
        "destructive": False,
        "details": {},
        "change": {"actions": [NO_OP], "before": None, "after": None, "changes": []},
    }


def plan_document(plan: Plan) -> dict[str, Any]:
    """The JSON document as a dict (see docs/plan-json.md)."""
    changes = [_change(a) for a in plan.actions] + [_no_op(a) for a in plan.in_sync]
    return {
        "format_version": JSON_FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": plan.tool_version},
        "plan_format_version": plan.format_version,
        "manifests_digest": plan.manifests_digest,
        "environment": plan.environment,
        "endpoint": plan.endpoint,
        "resolved": dict(plan.resolved),
        "resource_changes": changes,
        "unmanaged": [u.model_dump(mode="json") for u in plan.unmanaged],
        "summary": plan.summary(),
        "warnings": list(plan.warnings),
        "has_changes": plan.has_changes,
        # Progress per backfill, with each failed run's Admin error; "needs_attention" is what
        # `plan --detailed-exitcode` reports as 2 (changes, or a backfill that failed or stopped).
        "backfills": {address: dict(progress) for address, progress in sorted(plan.backfills.items())},
        "needs_attention": plan.needs_attention,
    }


def render_json(plan: Plan) -> str:
    """The plan as a deterministic JSON document (sorted keys, two-space indent, no trailing newline)."""
    return json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False)
