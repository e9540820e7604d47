"""AdminWriter against the embedded admin: idempotent writes, every attribute type at every level read
back through observe in the manifest shape, executions, and pagination over real list calls."""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.admin import project_pb2

from reconciler.admin.observe import ObserveRequest, observe
from reconciler.admin.pages import paginate
from reconciler.admin.writes import AdminWriter
from reconciler.errors import AdminError
from reconciler.localadmin import LocalAdmin
from reconciler.manifests.desired import _drop_none
from reconciler.manifests.models import ATTRIBUTE_KEYS, AttributesSpec
from reconciler.model.state import attributes_address

pytestmark = pytest.mark.integration

P, D, WF = "flytesnacks", "development", "reports.daily_report"
MANIFEST_VALUES: dict[str, Any] = {
    "taskResources": {"defaults": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "4", "memory": "8Gi"}},
    "clusterResources": {"projectQuotaCpu": "64"},
    "executionQueue": ["gpu", "critical"],
    "executionClusterLabel": "gpu-cluster",
    "pluginOverrides": [{"taskType": "spark", "pluginIds": ["spark-v2"], "missingPluginBehavior": "useDefault"}],
    "workflowExecutionConfig": {"maxParallelism": 25, "serviceAccount": "etl", "labels": {"team": "data"},
                                "interruptible": True, "envs": {"A": "1"}},
    "clusterAssignment": {"clusterPoolName": "gpu-pool"},
}
LEVELS = [(None, None), (D, None), (D, WF)]


def _values() -> dict[str, Any]:
    dumped = AttributesSpec.model_validate(MANIFEST_VALUES).model_dump(mode="json", exclude_none=True)
    return {attr_type: _drop_none(dumped[key]) for key, attr_type in ATTRIBUTE_KEYS.items()}


def _observed_attributes(client: Any) -> dict[str, Any]:
    observation = observe(client, ObserveRequest(projects=[P], domains=[D], attributes=True))
    return {r.address: r.body for r in observation.actual.of_kind("attributes")}


def test_every_attribute_type_at_every_level_reads_back_as_written(client: Any, writer: AdminWriter) -> None:
    written = {}
    for attr_type, value in _values().items():
        for domain, workflow in LEVELS:
            if attr_type == "plugin_override" and domain is None:
                # Admin's project-level plugin-override update always fails (behaviour §4.3).
                with pytest.raises(AdminError) as info:
                    writer.update_attributes(P, domain, workflow, attr_type, value)
                assert info.value.code == "INTERNAL"
                continue
            writer.update_attributes(P, domain, workflow, attr_type, value)
            written[attributes_address(P, domain, workflow, attr_type)] = {"value": value}
    assert _observed_attributes(client) == written
    # An update is a full replacement of that level's value, and repeating it changes nothing.
    writer.update_attributes(P, D, None, "execution_queue", ["cpu"])
    writer.update_attributes(P, D, None, "execution_queue", ["cpu"])
    written[attributes_address(P, D, None, "execution_queue")] = {"value": ["cpu"]}
    assert _observed_attributes(client) == written


def test_deletes_choose_the_level(client: Any, writer: AdminWriter) -> None:
    for domain, workflow in LEVELS:
        writer.update_attributes(P, domain, workflow, "execution_cluster_label", f"label-{domain}-{workflow}")
    writer.delete_attributes(P, D, WF, "execution_cluster_label")
    assert set(_observed_attributes(client)) == {attributes_address(P, None, None, "execution_cluster_label"),
                                                 attributes_address(P, D, None, "execution_cluster_label")}
    writer.delete_attributes(P, None, None, "execution_cluster_label")  # sweeps the narrower levels too (§4.5)
    assert _observed_attributes(client) == {}
    writer.delete_attributes(P, None, None, "execution_cluster_label")  # nothing left: still fine


def test_projects_register_then_update_with_the_full_desired_body(client: Any, writer: AdminWriter) -> None:
    body = {"id": "newproj", "displayName": "New", "description": "first", "labels": {"team": "a"},
            "state": "active"}
    writer.register_project(body)
    changed = {**body, "displayName": "Renamed", "labels": {}, "state": "archived"}
    writer.register_project(changed)  # ALREADY_EXISTS → UpdateProject with everything
    observation = observe(client, ObserveRequest(projects=["newproj"], domains=[D], attributes=False))
    assert observation.actual.resources["project/newproj"].body == changed
    writer.update_project({**changed, "state": "active"})
    observation = observe(client, ObserveRequest(projects=["newproj"], domains=[D], attributes=False))
    assert observation.actual.resources["project/newproj"].body["state"] == "active"


def test_activation_and_deactivation_are_idempotent(admin: LocalAdmin, client: Any, writer: AdminWriter) -> None:
    for _ in range(2):
        writer.set_launch_plan_state(P, D, WF, "v1", True)
    writer.set_launch_plan_state(P, D, WF, "v2", True)  # Admin deactivates v1 itself
    observation = observe(client, ObserveRequest(projects=[P], domains=[D], attributes=False))
    assert observation.actual.resources[f"launchplan/{P}/{D}/{WF}"].body["activeVersions"] == ["v2"]
    for _ in range(2):
        writer.set_launch_plan_state(P, D, WF, "v2", False)
    observation = observe(client, ObserveRequest(projects=[P], domains=[D], attributes=False))
    assert f"launchplan/{P}/{D}/{WF}" not in observation.actual
    with pytest.raises(AdminError) as info:
        writer.set_launch_plan_state(P, D, WF, "v9", True)
    assert info.value.code == "NOT_FOUND" and f"{WF}@v9" in str(info.value)


def test_executions_are_created_once_and_listed(admin: LocalAdmin, writer: AdminWriter) -> None:
    args = (P, D, "bf-q1-20240101", "ops.cleanup", "v1", "2024-01-01T00:00:00Z")
    writer.create_execution(*args, {"kickoff": "2024-01-01T00:00:00Z"}, {"backfill": "q1"})
    writer.create_execution(*args, {"kickoff": "2024-01-01T00:00:00Z"}, {"backfill": "q1"})  # ALREADY_EXISTS: done
    assert admin.counters()["CreateExecution"] == 2  # the second create is not retried
    listed = writer.list_executions(P, D, "eq(launch_plan.name,ops.cleanup)")
    assert [e.id.name for e in listed] == ["bf-q1-20240101"]
    assert writer.list_executions(P, D, "eq(launch_plan.name,etl.ingest)") == []


def test_pagination_follows_tokens_and_stops_on_an_empty_page(admin: LocalAdmin, client: Any) -> None:
    names = [p.id for p in paginate(client, "ListProjects", lambda token: project_pb2.ProjectListRequest(
        limit=1, token=token), "projects")]
    assert names == ["analytics", "flytesnacks"]
    assert admin.counters()["ListProjects"] == 3  # two full pages, then an empty one
    admin.reset_counters()
    # The quirk (behaviour §1.5): limit=0 past the end answers an empty page *with* a token.
    quirk = client.call("ListProjects", project_pb2.ProjectListRequest(limit=0, token="2"))
    assert not quirk.projects and quirk.token
    admin.reset_counters()
    past_end = list(paginate(client, "ListProjects", lambda token: project_pb2.ProjectListRequest(
        limit=0, token=token or "2"), "projects"))
    assert past_end == [] and admin.counters()["ListProjects"] == 1  # the empty page ends the walk


def test_launch_plan_specs_register_from_base64_protobuf_and_from_legacy_protobuf_json(
        admin: LocalAdmin, writer: AdminWriter) -> None:
    import base64

    from flyteidl.admin import launch_plan_pb2
    from flyteidl.core import identifier_pb2
    from google.protobuf.json_format import MessageToDict

    spec = launch_plan_pb2.LaunchPlanSpec(workflow_id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.WORKFLOW, project=P, domain=D, name=WF, version="v1"))
    spec.labels.values["via"] = "base64"
    writer.create_launch_plan(P, D, "from_base64", "r-1", base64.b64encode(spec.SerializeToString()).decode())
    spec.labels.values["via"] = "json"
    writer.create_launch_plan(P, D, "from_json", "r-1", MessageToDict(spec, preserving_proto_field_name=True))
    assert admin.counters()["CreateLaunchPlan"] == 2
    with pytest.raises(ValueError):
        writer.create_launch_plan(P, D, "broken", "r-1", "not base64!")
