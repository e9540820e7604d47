"""JSON renderer: parses, carries the documented keys, agrees with the plan, byte-identical output."""

from __future__ import annotations

import json
import re
from pathlib import Path

from render_samples import every_action_plan

from reconciler.plan.model import Plan
from reconciler.plan.render import JSON_FORMAT_VERSION, render_json

DOC = Path(__file__).resolve().parents[3] / "docs" / "plan-json.md"
TOP_KEYS = {"format_version", "tool", "plan_format_version", "manifests_digest", "environment", "endpoint",
            "resolved", "resource_changes", "unmanaged", "summary", "warnings", "has_changes", "backfills",
            "needs_attention"}
CHANGE_KEYS = {"address", "type", "name", "project", "domain", "action_type", "reason", "destructive",
               "details", "change"}


def test_document_has_the_documented_shape(full_plan: Plan) -> None:
    doc = json.loads(render_json(full_plan))
    assert set(doc) == TOP_KEYS
    assert doc["format_version"] == JSON_FORMAT_VERSION == "1.0"
    assert doc["tool"] == {"name": "flyte-reconciler", "version": full_plan.tool_version}
    assert doc["environment"] == "prod" and doc["manifests_digest"] == full_plan.manifests_digest
    assert doc["summary"] == full_plan.summary() and doc["has_changes"] is True
    assert doc["warnings"] == list(full_plan.warnings)
    assert [u["address"] for u in doc["unmanaged"]] == [u.address for u in full_plan.unmanaged]
    assert all(set(u) == {"address", "detail", "pruned"} for u in doc["unmanaged"])
    for rc in doc["resource_changes"]:
        assert set(rc) == CHANGE_KEYS
        assert set(rc["change"]) == {"actions", "before", "after", "changes"}
        assert rc["type"] in {"project", "launchplan", "workflow", "attributes", "backfill"}
        assert rc["address"] == f"{rc['type']}/{rc['name']}"


def test_one_entry_per_action_in_plan_order_with_terraform_actions(full_plan: Plan) -> None:
    changes = json.loads(render_json(full_plan))["resource_changes"]
    expected = [(a.address, a.type) for a in full_plan.actions]
    assert [(c["address"], c["action_type"]) for c in changes] == expected
    by_type = {c["action_type"]: c for c in changes}
    assert by_type["create_project"]["change"]["actions"] == ["create"]
    assert by_type["update_project"]["change"]["actions"] == ["update"]
    assert by_type["archive_project"]["change"]["actions"] == ["delete"]
    assert by_type["deactivate_launch_plan"]["change"]["actions"] == ["delete"]
    assert by_type["activate_launch_plan"]["change"]["actions"] == ["update"]
    assert by_type["register_launch_plan"]["details"]["version"] in {"v2", "a1"}
    assert by_type["delete_attributes"]["details"]["swept"] == [
        "attributes/flytesnacks/production/reports.daily/cluster_assignment"]
    # The verbs agree with the summary counts, as a policy would count them.
    verbs = [c["change"]["actions"] for c in changes]
    summary = full_plan.summary()
    assert verbs.count(["create"]) == summary["add"] and verbs.count(["delete"]) == summary["destroy"]
    assert verbs.count(["update"]) == summary["change"]


def test_field_changes_and_scope_fields(full_plan: Plan) -> None:
    changes = json.loads(render_json(full_plan))["resource_changes"]
    task = next(c for c in changes if c["address"].endswith("/-/task_resource"))
    assert task["change"]["changes"] == [
        {"op": "change", "path": "value.limits.memory", "old": "4Gi", "new": "8Gi"}]
    assert (task["project"], task["domain"]) == ("flytesnacks", "production")
    wanted = "attributes/flytesnacks/-/-/cluster_assignment"
    project_level = next(c for c in changes if c["address"] == wanted)
    assert project_level["domain"] is None and project_level["change"]["after"] is None
    project = next(c for c in changes if c["address"] == "project/fresh")
    assert project["domain"] is None and project["change"]["before"] is None


def test_in_sync_addresses_are_no_op_entries(no_change_plan: Plan) -> None:
    doc = json.loads(render_json(no_change_plan))
    assert doc["has_changes"] is False and doc["summary"] == {"add": 0, "change": 0, "destroy": 0}
    assert doc["resource_changes"] == [{
        "address": "project/flytesnacks", "type": "project", "name": "flytesnacks", "project": "flytesnacks",
        "domain": None, "action_type": "no_op", "reason": "in sync", "destructive": False, "details": {},
        "change": {"actions": ["no-op"], "before": None, "after": None, "changes": []}}]


def test_byte_identical_for_the_same_plan_and_after_a_round_trip(full_plan: Plan) -> None:
    text = render_json(full_plan)
    assert text == render_json(every_action_plan())
    assert text == render_json(Plan.from_json(full_plan.to_json()))
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)


def test_the_schema_document_lists_every_key_and_action_type(full_plan: Plan) -> None:
    doc = DOC.read_text()
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", doc, flags=re.M))
    assert TOP_KEYS | (CHANGE_KEYS - {"change"}) | {"change.actions", "change.before", "change.after",
                                                    "change.changes"} <= documented
    for action_type in {a.type for a in full_plan.actions} | {"no_op"}:
        assert f"`{action_type}`" in doc
