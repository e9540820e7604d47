"""Saved-plan integrity, offline: the seal (digest, HMAC), the reader's refusals, shown-vs-sent checks.

Plans come from the real planner over hand-made states (every action type but backfill runs), so a
check that refused an honest plan would fail here as surely as one that let an edit through.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from reconciler.backfill.names import LABEL_BACKFILL, execution_name, labels, retry_name
from reconciler.errors import PlanIntegrityError
from reconciler.model.state import Resource, State
from reconciler.plan import actions as A
from reconciler.plan.builder import build_plan
from reconciler.plan.consistency import problems_of
from reconciler.plan.integrity import canonical, digest_of, key_from, seal, unseal
from reconciler.plan.model import PLAN_FORMAT_VERSION, Plan
from reconciler.plan.options import PlanOptions, Prune
from reconciler.plan.saved import read_saved_plan
from reconciler.plan.target import INSECURE, PlannedTarget

SCOPE = PlanOptions(projects=frozenset({"p", "old"}), domains=frozenset({"development"}),
                    prune=Prune(projects=True, launch_plans=True, attributes=True))
TARGET = PlannedTarget(environment="prod", endpoint="flyte.example.com:443", auth_mode="ClientSecret",
                       client_id="ci-bot")
KEY = b"k" * 32


def _project(pid: str, **overrides: object) -> Resource:
    return Resource(f"project/{pid}", {"id": pid, "displayName": pid, "description": "d", "labels": {},
                                       "state": "active", **overrides})


def _plan() -> Plan:
    lp = "launchplan/p/development/daily"
    desired = [
        _project("p", description="new"),
        Resource(lp, {"version": "v2", "active": True, "description": "Daily", "pinned": False,
                      "workflow": {"project": "p", "domain": "development", "name": "wf", "version": "v1"},
                      "spec": {"fixedInputs": {"a": 2}}}, payload={"spec": "AAAA"}),
        Resource("attributes/p/development/-/task_resource", {"value": {"limits": {"memory": "8Gi"}}}),
    ]
    actual = [
        _project("p"), _project("old"),
        Resource(lp, {"activeVersions": ["v1", "v0"], "description": None,
                      "versions": {"v1": {"fixedInputs": {"a": 1}}}}),
        Resource("attributes/p/development/-/task_resource", {"value": {"limits": {"memory": "4Gi"}}}),
        Resource("attributes/p/development/-/execution_queue", {"value": ["q"]}),
    ]
    plan = build_plan(State.of(desired), State.of(actual), SCOPE, manifests_digest="m", environment="prod",
                      endpoint="flyte.example.com:443")
    return plan.model_copy(update={"target": TARGET})


def _doc(plan: Plan, key: bytes | None = None) -> dict[str, Any]:
    return json.loads(plan.to_json(key))


def _action(doc: dict[str, Any], action_type: str) -> dict[str, Any]:
    return next(a for a in doc["actions"] if a["type"] == action_type)


def _read(doc: dict[str, Any], key: bytes | None = None) -> Plan:
    return read_saved_plan(json.dumps(doc), key=key, source="p.json").plan


def test_the_planner_s_own_plan_holds_every_action_type_and_passes_every_check() -> None:
    plan = _plan()
    assert {a.type for a in plan.actions} >= {"update_project", "archive_project", "register_launch_plan",
                                              "activate_launch_plan", "deactivate_launch_plan", "update_metadata",
                                              "update_attributes", "delete_attributes"}
    assert problems_of(plan) == []
    assert _read(_doc(plan)) == plan
    assert _read(_doc(plan, KEY), KEY) == plan


def test_the_digest_covers_the_canonical_body_not_its_layout() -> None:
    doc = _doc(_plan())
    body = {k: v for k, v in doc.items() if k not in ("digest", "signature")}
    assert doc["digest"] == digest_of(body) and doc["signature"] is None
    reordered = dict(reversed(list(body.items())))
    assert canonical(reordered) == canonical(body)
    assert unseal(json.loads(json.dumps(doc, indent=7)))[0] == body


@pytest.mark.parametrize("key", [None, KEY])
def test_any_edit_without_a_new_digest_is_refused(key: bytes | None) -> None:
    doc = _doc(_plan(), key)
    doc["target"]["endpoint"] = "elsewhere:443"  # the target is covered too
    with pytest.raises(PlanIntegrityError, match="digest does not match"):
        _read(doc, key)


def test_with_a_key_only_plans_signed_with_it_are_read() -> None:
    unsigned, signed = _doc(_plan()), _doc(_plan(), KEY)
    with pytest.raises(PlanIntegrityError, match="not signed"):
        _read(unsigned, KEY)
    with pytest.raises(PlanIntegrityError, match="signature does not match"):
        _read(signed, b"another key")
    honest_edit = _doc(_plan())  # consistent and resealed: a digest cannot tell, only the key can
    honest_edit["environment"] = honest_edit["target"]["environment"] = "staging"
    resealed = {**seal(honest_edit), "signature": signed["signature"]}
    assert _read(seal(honest_edit)).environment == "staging"
    with pytest.raises(PlanIntegrityError, match="signature does not match"):
        _read(resealed, KEY)


def test_the_key_comes_from_its_variable_and_an_empty_one_is_no_key() -> None:
    assert key_from({"FLYTE_RECONCILER_PLAN_KEY": "s3cret"}) == b"s3cret"
    assert key_from({"FLYTE_RECONCILER_PLAN_KEY": ""}) is None and key_from({}) is None
    assert "s3cret" not in _plan().to_json(b"s3cret")


def test_other_documents_and_versions_are_refused_with_what_they_are() -> None:
    with pytest.raises(PlanIntegrityError, match=r"plan's JSON view \(`plan --format json`\)"):
        read_saved_plan(json.dumps({"format_version": "1.0", "resource_changes": []}), key=None, source="v.json")
    with pytest.raises(PlanIntegrityError, match=r"written by flyte-reconciler 0\.1\.0 in plan format 1"):
        read_saved_plan(json.dumps({"format_version": 1, "tool_version": "0.1.0"}), key=None, source="o.json")
    with pytest.raises(PlanIntegrityError, match=f"format {PLAN_FORMAT_VERSION + 1};"):
        read_saved_plan(json.dumps({"format_version": PLAN_FORMAT_VERSION + 1}), key=None, source="n.json")
    with pytest.raises(PlanIntegrityError, match="not JSON"):
        read_saved_plan("{", key=None, source="t.json")
    with pytest.raises(PlanIntegrityError, match="JSON list"):
        read_saved_plan("[]", key=None, source="l.json")
    with pytest.raises(PlanIntegrityError, match="nested too deeply"):
        read_saved_plan("[" * 100_000 + "]" * 100_000, key=None, source="d.json")


def test_an_invalid_body_is_reported_by_field_without_pydantic_noise() -> None:
    doc = _doc(_plan())
    _action(doc, "update_project")["type"] = "drop_database"
    with pytest.raises(PlanIntegrityError) as caught:
        _read(seal(doc))
    assert "actions.0" in str(caught.value) and "validation error" not in str(caught.value)
    assert "errors.pydantic.dev" not in str(caught.value)


EDITS = {
    "address disagrees with body": (lambda d: _action(d, "update_project")["after"].update(id="old"),
                                    "writes project/old"),
    "address that is no address": (lambda d: _action(d, "update_project").update(address="project/p/x"),
                                   "not an address"),
    "fingerprint key that is no address": (lambda d: d["fingerprints"].update({"../etc": "absent"}),
                                           "not an address"),
    "name that cannot form an address": (lambda d: _action(d, "activate_launch_plan").update(name="a/b"),
                                         "fields name no address"),
    "unfingerprinted address": (lambda d: d["fingerprints"].pop("project/p"), "never fingerprinted"),
    "swept row unfingerprinted": (lambda d: _action(d, "delete_attributes")["swept"].append(
        "attributes/p/development/wf/execution_queue"), "never fingerprinted"),
    "swept row of another type": (lambda d: (_action(d, "delete_attributes")["swept"].append(
        "attributes/p/development/wf/task_resource"), d["fingerprints"].update(
        {"attributes/p/development/wf/task_resource": "absent"})), "must be execution_queue rows"),
    "archive that does not archive": (lambda d: _action(d, "archive_project")["after"].update(state="active"),
                                      "must write state: archived"),
    "metadata sent differs": (lambda d: _action(d, "update_metadata").update(description="other"),
                              "metadata shown differs"),
    "activation of another version": (lambda d: _action(d, "activate_launch_plan").update(version="v9"),
                                      "activation shown differs"),
    "deactivation of the wanted version": (lambda d: _action(d, "deactivate_launch_plan").update(version="v2"),
                                           "does not deactivate"),
    "attribute value differs": (lambda d: _action(d, "update_attributes").update(value={"limits": {}}),
                                "value shown differs"),
    "changes hidden": (lambda d: _action(d, "update_project").update(changes=[]), "field changes shown"),
    "changes added to an activation": (lambda d: _action(d, "activate_launch_plan").update(
        changes=[{"op": "add", "path": "x", "old": None, "new": 1}]), "carries no field changes"),
    "shown endpoint differs from target": (lambda d: d.update(endpoint="other:443"), "shows endpoint"),
    "shown environment differs from target": (lambda d: d.update(environment="staging"), "shows environment"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_resealed_edit_that_makes_the_plan_lie_is_refused(name: str) -> None:
    edit, message = EDITS[name]
    doc = _doc(_plan())
    edit(doc)
    with pytest.raises(PlanIntegrityError, match=message):
        _read(seal(doc))


def test_target_differences_name_the_connection_fields_only() -> None:
    moved = TARGET.model_copy(update={"endpoint": "x:1", "tls": INSECURE, "scope_projects": ("p",)})
    assert TARGET.differences(moved) == ["endpoint", "tls"]
    assert "ci-bot" in TARGET.describe() and "flyte.example.com:443" in TARGET.describe()


BACKFILL = "backfill/p/development/daily/q1"


def _backfill_plan() -> Plan:
    """Backfill actions made with the planner's own name and label functions (honest by construction)."""
    kickoff = dt.datetime(2024, 1, 2, 6, tzinfo=dt.UTC)
    name = execution_name(BACKFILL, kickoff)
    inputs = {"run_date": "2024-01-02T06:00:00Z"}
    other_kickoff = dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC)
    failed = execution_name(BACKFILL, other_kickoff)
    actions = (
        A.LaunchExecution(address=BACKFILL, reason="kickoff due", after={"name": name, "inputs": inputs},
                          project="p", domain="development", name=name, launch_plan="daily",
                          launch_plan_version="v1", kickoff=kickoff.isoformat(), inputs=inputs,
                          labels=labels(BACKFILL, kickoff, {})),
        A.RecoverExecution(address=BACKFILL, reason="failed", after={"name": retry_name(failed, 1)}, project="p",
                           domain="development", original=failed, name=retry_name(failed, 1)),
        A.TerminateExecution(address=BACKFILL, reason="outside", before={"name": failed}, project="p",
                             domain="development", name=failed, cause="outside the range"),
    )
    return Plan(tool_version="t", manifests_digest="m", environment="prod", endpoint="flyte.example.com:443",
                target=TARGET, actions=actions, fingerprints={BACKFILL: "abc"})


BACKFILL_EDITS = {
    "kickoff moved, name kept": (lambda a: a.update(kickoff="2024-03-01T06:00:00+00:00"), "is not the run of"),
    "kickoff without a zone": (lambda a: a.update(kickoff="2024-01-02T06:00:00"), "time-zoned"),
    "labels of another backfill": (lambda a: a["labels"].update({LABEL_BACKFILL: "other-123"}), "labels of run"),
    "another launch plan": (lambda a: a.update(launch_plan="cleanup"), "launches launch plan cleanup"),
    "another project": (lambda a: a.update(project="q"), "is sent to q/development"),
}


def test_the_honest_backfill_actions_pass() -> None:
    assert problems_of(_backfill_plan()) == []


@pytest.mark.parametrize("name", sorted(BACKFILL_EDITS))
def test_a_launch_edited_to_run_something_else_is_refused(name: str) -> None:
    edit, message = BACKFILL_EDITS[name]
    doc = _doc(_backfill_plan())
    edit(_action(doc, "launch_execution"))
    with pytest.raises(PlanIntegrityError, match=message):
        _read(seal(doc))


def test_recoveries_and_terminations_stay_inside_their_backfill() -> None:
    other = execution_name("backfill/p/development/daily/q2", dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC))
    doc = _doc(_backfill_plan())
    _action(doc, "recover_execution").update(original=other, name=retry_name(other, 1),
                                             after={"name": retry_name(other, 1)})
    with pytest.raises(PlanIntegrityError, match="is not a recovery of"):
        _read(seal(doc))
    doc = _doc(_backfill_plan())
    _action(doc, "terminate_execution").update(name=other, before={"name": other})
    with pytest.raises(PlanIntegrityError, match="does not belong to this backfill"):
        _read(seal(doc))
