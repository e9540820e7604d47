"""The applier's ordering and failure bookkeeping, with an in-memory writer that records calls."""

from __future__ import annotations

import threading
from typing import Any

from reconciler.apply import APPLIED, FAILED, NOT_ATTEMPTED, apply_plan
from reconciler.errors import InvalidArgumentError
from reconciler.model.state import Resource, State
from reconciler.plan.builder import build_plan
from reconciler.plan.options import PlanOptions


class RecordingWriter:
    def __init__(self, fail_project: str | None = None) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.fail_project = fail_project
        self.lock = threading.Lock()

    def _record(self, *call: Any) -> None:
        with self.lock:
            self.calls.append(tuple(str(c) for c in call))

    def register_project(self, body: dict[str, Any]) -> None:
        if body["id"] == self.fail_project:
            raise InvalidArgumentError("bad project", code="INVALID_ARGUMENT", method="RegisterProject")
        self._record("register_project", body["id"])

    def update_project(self, body: dict[str, Any]) -> None:
        self._record("update_project", body["id"], body["state"])

    def create_launch_plan(self, project: str, domain: str, name: str, version: str, spec_json: dict) -> None:
        self._record("create_launch_plan", project, name, version)

    def set_launch_plan_state(self, project: str, domain: str, name: str, version: str, active: bool) -> None:
        self._record("set_state", project, name, version, active)

    def update_named_entity(self, *args: Any) -> None:
        self._record("named_entity", *args)

    def update_attributes(self, project: str, domain: str | None, workflow: str | None, attr_type: str,
                          value: Any) -> None:
        self._record("update_attributes", project, attr_type)

    def delete_attributes(self, project: str, domain: str | None, workflow: str | None, attr_type: str) -> None:
        self._record("delete_attributes", project, attr_type)


def _desired(pid: str) -> list[Resource]:
    return [
        Resource(f"project/{pid}", {"id": pid, "displayName": pid, "description": "", "labels": {},
                                    "state": "active"}),
        Resource(f"launchplan/{pid}/development/lp",
                 {"version": "v1", "active": True, "description": None, "pinned": False, "workflow": {},
                  "spec": {}}, payload={"spec": {}}),
        Resource(f"attributes/{pid}/development/-/execution_queue", {"value": ["q"]}),
    ]


def test_phases_run_in_dependency_order_and_failures_skip_dependents() -> None:
    desired = State.of(_desired("good") + _desired("bad"))
    options = PlanOptions(projects=frozenset({"good", "bad"}), domains=frozenset({"development"}))
    plan = build_plan(desired, State(), options, manifests_digest="x")
    writer = RecordingWriter(fail_project="bad")
    report = apply_plan(plan, writer, parallelism=4)
    good = [c[0] for c in writer.calls if c[1] == "good"]
    assert good == ["register_project", "update_attributes", "create_launch_plan", "set_state"]
    statuses = {(r.action.address, r.action.type): r.status for r in report.results}
    assert statuses[("project/bad", "create_project")] == FAILED
    assert statuses[("launchplan/bad/development/lp", "register_launch_plan")] == NOT_ATTEMPTED
    assert statuses[("launchplan/good/development/lp", "activate_launch_plan")] == APPLIED
    assert not report.complete and report.any_applied
    assert not any(c[1] == "bad" for c in writer.calls)
