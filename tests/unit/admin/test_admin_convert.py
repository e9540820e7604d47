"""Protobuf ↔ normalised bodies: attribute values written from a manifest read back in exactly the
shape the manifests side produces (``{"value": …}`` from ``AttributesSpec``), and project bodies."""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.admin import matchable_resource_pb2 as MR
from flyteidl.admin import project_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2

from reconciler.admin.convert import (
    RESOURCE_TYPES,
    attribute_to_proto,
    attribute_value_from_proto,
    project_body,
    project_proto,
)
from reconciler.manifests.desired import _drop_none
from reconciler.manifests.models import ATTRIBUTE_KEYS, AttributesSpec
from reconciler.model.state import ATTRIBUTE_TYPES

# Manifest specs as users write them; each is dumped exactly as the desired side does.
SPECS: list[dict[str, Any]] = [
    {"taskResources": {"defaults": {"cpu": "500m", "memory": "1Gi"},
                       "limits": {"cpu": 4, "memory": "8Gi", "gpu": "1", "storage": "10Gi",
                                  "ephemeralStorage": "2Gi"}}},
    {"taskResources": {"limits": {"memory": "2Gi"}}},
    {"clusterResources": {"projectQuotaCpu": "64", "projectQuotaMemory": "256Gi"}},
    {"clusterResources": {}},
    {"executionQueue": ["gpu", "critical"]},
    {"executionClusterLabel": "gpu-cluster"},
    {"pluginOverrides": [{"taskType": "ray", "pluginIds": ["ray-v2"], "missingPluginBehavior": "useDefault"},
                         {"taskType": "spark", "pluginIds": ["spark-v2", "spark"]}]},
    {"workflowExecutionConfig": {"maxParallelism": 25, "serviceAccount": "etl", "iamRole": "arn:aws:iam::1:role/x",
                                 "rawOutputDataPrefix": "s3://bucket/raw", "labels": {"team": "data"},
                                 "annotations": {"a": "b"}, "interruptible": False, "overwriteCache": True,
                                 "envs": {"B": "2", "A": "1"}}},
    {"workflowExecutionConfig": {"interruptible": True}},
    {"clusterAssignment": {"clusterPoolName": "gpu-pool"}},
]


def _desired_values(spec: dict[str, Any]) -> list[tuple[str, Any]]:
    dumped = AttributesSpec.model_validate(spec).model_dump(mode="json", exclude_none=True)
    return [(attr_type, _drop_none(dumped[key])) for key, attr_type in ATTRIBUTE_KEYS.items() if key in dumped]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: next(iter(s)))
def test_a_written_value_reads_back_in_the_manifest_shape(spec: dict[str, Any]) -> None:
    (attr_type, value), = _desired_values(spec)
    written = attribute_to_proto(attr_type, value)
    # Through the wire format, as Admin stores the serialized MatchingAttributes.
    stored = MR.MatchingAttributes.FromString(written.SerializeToString())
    read = attribute_value_from_proto(stored)
    assert read is not None
    read_type, read_value = read
    assert read_type == attr_type
    if attr_type == "plugin_override":  # Admin keeps overrides in map order; we show them sorted
        value = sorted(value, key=lambda o: o["taskType"])
    assert read_value == value


def test_every_writable_type_is_covered() -> None:
    covered = {attr_type for spec in SPECS for attr_type, _ in _desired_values(spec)}
    assert covered == set(ATTRIBUTE_TYPES) == set(RESOURCE_TYPES)


def test_each_type_sets_the_oneof_admin_derives_the_resource_type_from() -> None:
    fields = {"task_resource": "task_resource_attributes", "cluster_resource": "cluster_resource_attributes",
              "execution_queue": "execution_queue_attributes", "execution_cluster_label": "execution_cluster_label",
              "plugin_override": "plugin_overrides", "workflow_execution_config": "workflow_execution_config",
              "cluster_assignment": "cluster_assignment"}
    for spec in SPECS:
        for attr_type, value in _desired_values(spec):
            assert attribute_to_proto(attr_type, value).WhichOneof("target") == fields[attr_type]


def test_plain_scalars_without_presence_read_back_as_absent() -> None:
    # proto3 cannot tell ``overwriteCache: false`` / ``maxParallelism: 0`` from unset; the planner's
    # comparable form treats them as equal.
    (attr_type, value), = _desired_values({"workflowExecutionConfig": {"overwriteCache": False, "maxParallelism": 0}})
    assert value["overwriteCache"] is False and value["maxParallelism"] == 0
    result = attribute_value_from_proto(attribute_to_proto(attr_type, value))
    assert result is not None
    _, read = result
    assert "overwriteCache" not in read and "maxParallelism" not in read
    assert read["labels"] == {} and read["envs"] == {}  # message fields keep presence


def test_rows_written_by_other_tools_show_only_what_is_set() -> None:
    wec = MR.MatchingAttributes(workflow_execution_config=MR.WorkflowExecutionConfig(max_parallelism=5))
    assert attribute_value_from_proto(wec) == ("workflow_execution_config", {"maxParallelism": 5})
    qos = MR.MatchingAttributes(quality_of_service=core_execution_pb2.QualityOfService(tier=1))
    assert attribute_value_from_proto(qos) is None  # not a type we manage


def test_unknown_attribute_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown attribute type"):
        attribute_to_proto("quality_of_service", {"tier": "high"})


def test_project_round_trip_and_label_presence() -> None:
    body = {"id": "flytesnacks", "displayName": "Flyte Snacks", "description": "Examples",
            "labels": {"team": "ml"}, "state": "archived"}
    proto = project_proto(body)
    assert proto.state == project_pb2.Project.ARCHIVED
    assert project_body(project_pb2.Project.FromString(proto.SerializeToString())) == body
    empty = project_proto({**body, "labels": {}, "state": "active"})
    assert empty.HasField("labels")  # present-but-empty: UpdateProject clears labels
    assert empty.state == project_pb2.Project.ACTIVE  # always sent: an omitted state un-archives
