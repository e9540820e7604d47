"""Merged plugin overrides keep insertion order, as a running flyteadmin returned them (over gRPC)."""

from __future__ import annotations

from core_helpers import D, P, register_project
from flyteidl.admin import matchable_resource_pb2 as mr
from flyteidl.admin import project_domain_attributes_pb2 as pda
from flyteidl.service.admin_pb2_grpc import AdminServiceStub


def _write(stub: AdminServiceStub, *task_types: str) -> None:
    overrides = [mr.PluginOverride(task_type=t, plugin_id=[f"{t}-v2"]) for t in task_types]
    stub.UpdateProjectDomainAttributes(pda.ProjectDomainAttributesUpdateRequest(
        attributes=pda.ProjectDomainAttributes(project=P, domain=D, matching_attributes=mr.MatchingAttributes(
            plugin_overrides=mr.PluginOverrides(overrides=overrides)))))


def test_plugin_overrides_are_not_sorted(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    _write(fresh_stub, "spark")
    _write(fresh_stub, "ray", "dask")
    got = fresh_stub.GetProjectDomainAttributes(pda.ProjectDomainAttributesGetRequest(
        project=P, domain=D, resource_type=mr.PLUGIN_OVERRIDE))
    assert [o.task_type for o in got.attributes.matching_attributes.plugin_overrides.overrides] == [
        "spark", "ray", "dask"]
