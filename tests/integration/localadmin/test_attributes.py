"""Matchable attributes over real gRPC against the embedded admin (flyteadmin-behaviour.md §4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import matchable_resource_pb2 as mr
from flyteidl.admin import project_attributes_pb2 as pa
from flyteidl.admin import project_domain_attributes_pb2 as pda
from flyteidl.admin import project_pb2
from flyteidl.admin import workflow_attributes_pb2 as wa
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from google.rpc import status_pb2

from reconciler.localadmin import LocalAdmin

pytestmark = pytest.mark.integration

MR = mr.MatchableResource
TASK_RESOURCE, QUEUE, PLUGIN, WEC = (
    MR.Value(n) for n in ("TASK_RESOURCE", "EXECUTION_QUEUE", "PLUGIN_OVERRIDE", "WORKFLOW_EXECUTION_CONFIG")
)


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[AdminServiceStub]:
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0) as admin:
        channel = grpc.insecure_channel(admin.address)
        stub = AdminServiceStub(channel)
        for pid in ("p", "q"):
            stub.RegisterProject(
                project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=pid, name=pid))
            )
        yield stub
        channel.close()


def queue(*tags: str) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(execution_queue_attributes=mr.ExecutionQueueAttributes(tags=list(tags)))


def plugins(**by_type: str) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(
        plugin_overrides=mr.PluginOverrides(
            overrides=[mr.PluginOverride(task_type=t, plugin_id=[p]) for t, p in by_type.items()]
        )
    )


def set_project(stub: AdminServiceStub, attrs: mr.MatchingAttributes, project: str = "p") -> None:
    stub.UpdateProjectAttributes(
        pa.ProjectAttributesUpdateRequest(
            attributes=pa.ProjectAttributes(project=project, matching_attributes=attrs)
        )
    )


def set_domain(
    stub: AdminServiceStub, attrs: mr.MatchingAttributes, domain: str = "development", project: str = "p"
) -> None:
    stub.UpdateProjectDomainAttributes(
        pda.ProjectDomainAttributesUpdateRequest(
            attributes=pda.ProjectDomainAttributes(project=project, domain=domain, matching_attributes=attrs)
        )
    )


def set_workflow(
    stub: AdminServiceStub, attrs: mr.MatchingAttributes, workflow: str = "wf", domain: str = "development"
) -> None:
    stub.UpdateWorkflowAttributes(
        wa.WorkflowAttributesUpdateRequest(
            attributes=wa.WorkflowAttributes(
                project="p", domain=domain, workflow=workflow, matching_attributes=attrs
            )
        )
    )


def get_workflow(
    stub: AdminServiceStub, resource_type: int = QUEUE, workflow: str = "wf"
) -> wa.WorkflowAttributes:
    return stub.GetWorkflowAttributes(
        wa.WorkflowAttributesGetRequest(
            project="p", domain="development", workflow=workflow, resource_type=resource_type
        )
    ).attributes


def rows(stub: AdminServiceStub, resource_type: int = QUEUE) -> list[tuple[str, str, str]]:
    listed = stub.ListMatchableAttributes(mr.ListMatchableAttributesRequest(resource_type=resource_type))
    return [(c.project, c.domain, c.workflow) for c in listed.configurations]


def rpc_error(call, *args) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        call(*args)
    return info.value


def details(error: grpc.RpcError) -> list[str]:
    for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key == "grpc-status-details-bin":
            status = status_pb2.Status()
            status.ParseFromString(value)
            return [d.type_url for d in status.details]
    return []


def test_update_replaces_and_get_falls_back_by_priority(stub: AdminServiceStub) -> None:
    set_project(stub, queue("project"))
    got = get_workflow(stub)
    assert (got.project, got.domain, got.workflow) == ("p", "", "")
    assert list(got.matching_attributes.execution_queue_attributes.tags) == ["project"]

    set_domain(stub, queue("domain"))
    got = get_workflow(stub)
    assert (got.domain, got.workflow, list(got.matching_attributes.execution_queue_attributes.tags)) == (
        "development",
        "",
        ["domain"],
    )

    set_workflow(stub, queue("wf-1", "wf-2"))
    set_workflow(stub, queue("wf-3"))  # a full replacement, not a merge
    got = get_workflow(stub)
    assert (got.workflow, list(got.matching_attributes.execution_queue_attributes.tags)) == ("wf", ["wf-3"])
    assert get_workflow(stub, workflow="other").workflow == ""

    domain_level = stub.GetProjectDomainAttributes(
        pda.ProjectDomainAttributesGetRequest(project="p", domain="staging", resource_type=QUEUE)
    ).attributes
    assert (domain_level.project, domain_level.domain) == ("p", "")  # inherited from the project row


def test_not_found_message_names_the_request(stub: AdminServiceStub) -> None:
    error = rpc_error(
        stub.GetWorkflowAttributes,
        wa.WorkflowAttributesGetRequest(
            project="p", domain="development", workflow="wf", resource_type=QUEUE
        ),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == (
        "Resource [{Project:p Domain:development Workflow:wf LaunchPlan: "
        "ResourceType:EXECUTION_QUEUE}] not found"
    )
    error = rpc_error(
        stub.GetProjectAttributes, pa.ProjectAttributesGetRequest(project="p", resource_type=QUEUE)
    )
    assert (
        error.details()
        == "Resource [{Project:p Domain: Workflow: LaunchPlan: ResourceType:EXECUTION_QUEUE}] not found"
    )


def test_project_get_is_exact_level(stub: AdminServiceStub) -> None:
    set_domain(stub, queue("domain"))
    error = rpc_error(
        stub.GetProjectAttributes, pa.ProjectAttributesGetRequest(project="p", resource_type=QUEUE)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_project_workflow_execution_config_merges_platform_defaults(stub: AdminServiceStub) -> None:
    request = pa.ProjectAttributesGetRequest(project="p", resource_type=WEC)
    assert (
        stub.GetProjectAttributes(
            request
        ).attributes.matching_attributes.workflow_execution_config.max_parallelism
        == 25
    )
    set_project(
        stub,
        mr.MatchingAttributes(
            workflow_execution_config=mr.WorkflowExecutionConfig(
                security_context={"run_as": {"k8s_service_account": "etl"}}
            )
        ),
    )
    config = stub.GetProjectAttributes(request).attributes.matching_attributes.workflow_execution_config
    assert (config.max_parallelism, config.security_context.run_as.k8s_service_account) == (25, "etl")
    set_project(
        stub, mr.MatchingAttributes(workflow_execution_config=mr.WorkflowExecutionConfig(max_parallelism=7))
    )
    config = stub.GetProjectAttributes(request).attributes.matching_attributes.workflow_execution_config
    assert (config.max_parallelism, config.security_context.run_as.k8s_service_account) == (7, "")
    # Raw rows are not merged.
    set_project(
        stub,
        mr.MatchingAttributes(
            workflow_execution_config=mr.WorkflowExecutionConfig(interruptible={"value": True})
        ),
    )
    listed = stub.ListMatchableAttributes(mr.ListMatchableAttributesRequest(resource_type=WEC))
    assert listed.configurations[0].attributes.workflow_execution_config.max_parallelism == 0
    # Other types have no default.
    error = rpc_error(
        stub.GetProjectAttributes, pa.ProjectAttributesGetRequest(project="p", resource_type=TASK_RESOURCE)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "attrs",
    [
        mr.MatchingAttributes(quality_of_service=core_execution_pb2.QualityOfService(tier=1)),
        mr.MatchingAttributes(),
    ],
    ids=["qos", "no-oneof"],
)
def test_quality_of_service_and_empty_attributes_cannot_be_written(
    stub: AdminServiceStub, attrs: mr.MatchingAttributes
) -> None:
    for call, where in (
        (lambda: set_project(stub, attrs), "p"),
        (lambda: set_domain(stub, attrs), "p-development"),
        (lambda: set_workflow(stub, attrs), "p-development-wf"),
    ):
        error = rpc_error(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.details() == f"Unrecognized matching attributes type for request {where}"
    assert rows(stub, MR.Value("QUALITY_OF_SERVICE_SPECIFICATION")) == []


def test_request_shape_errors(stub: AdminServiceStub) -> None:
    error = rpc_error(stub.UpdateProjectAttributes, pa.ProjectAttributesUpdateRequest())
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "missing attributes")
    error = rpc_error(
        stub.UpdateProjectDomainAttributes,
        pda.ProjectDomainAttributesUpdateRequest(
            attributes=pda.ProjectDomainAttributes(project="p", domain="development")
        ),
    )
    assert error.details() == "missing matching_attributes"
    error = rpc_error(lambda: set_workflow(stub, queue("x"), workflow=""))
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "missing name")
    error = rpc_error(lambda: set_domain(stub, queue("x"), domain="qa"))
    assert error.details() == "domain [qa] is unrecognized by system"
    error = rpc_error(lambda: set_domain(stub, queue("x"), project="nope"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "project [nope] not found" in error.details()
    error = rpc_error(stub.ListMatchableAttributes, mr.ListMatchableAttributesRequest(resource_type=42))
    assert (error.code(), error.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid value for resource_type",
    )


def test_plugin_overrides_merge_by_task_type(stub: AdminServiceStub) -> None:
    set_domain(stub, plugins(spark="spark-v1", ray="kuberay"))
    set_domain(stub, plugins(spark="spark-v2", dask="dask-op"))
    set_domain(stub, mr.MatchingAttributes(plugin_overrides=mr.PluginOverrides()))  # empty: no change
    got = stub.GetProjectDomainAttributes(
        pda.ProjectDomainAttributesGetRequest(project="p", domain="development", resource_type=PLUGIN)
    ).attributes.matching_attributes
    assert {o.task_type: list(o.plugin_id) for o in got.plugin_overrides.overrides} == {
        "spark": ["spark-v2"],
        "ray": ["kuberay"],
        "dask": ["dask-op"],
    }

    set_workflow(stub, plugins(spark="wf-spark"))
    set_workflow(stub, plugins(ray="wf-ray"))
    got = get_workflow(stub, PLUGIN).matching_attributes
    assert {o.task_type: list(o.plugin_id) for o in got.plugin_overrides.overrides} == {
        "spark": ["wf-spark"],
        "ray": ["wf-ray"],
    }
    assert rows(stub, PLUGIN) == [("p", "development", "wf"), ("p", "development", "")]


def test_plugin_overrides_at_project_level_fail_like_flyteadmin(stub: AdminServiceStub) -> None:
    error = rpc_error(lambda: set_project(stub, plugins(spark="x")))
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details().startswith("unexpected error type for: missing and/or invalid parameters: {p ")
    assert rows(stub, PLUGIN) == []


def test_delete_cascades_to_narrower_levels(stub: AdminServiceStub) -> None:
    for attrs in (
        queue("x"),
        mr.MatchingAttributes(execution_cluster_label=mr.ExecutionClusterLabel(value="c")),
    ):
        set_project(stub, attrs)
        set_project(stub, attrs, project="q")
        set_domain(stub, attrs)
        set_domain(stub, attrs, domain="production")
        set_workflow(stub, attrs)
        set_workflow(stub, attrs, domain="production")
    label = MR.Value("EXECUTION_CLUSTER_LABEL")

    stub.DeleteWorkflowAttributes(
        wa.WorkflowAttributesDeleteRequest(
            project="p", domain="production", workflow="wf", resource_type=QUEUE
        )
    )
    assert ("p", "production", "wf") not in rows(stub)
    stub.DeleteProjectDomainAttributes(
        pda.ProjectDomainAttributesDeleteRequest(project="p", domain="development", resource_type=QUEUE)
    )
    assert sorted(rows(stub)) == [("p", "", ""), ("p", "production", ""), ("q", "", "")]
    stub.DeleteProjectAttributes(pa.ProjectAttributesDeleteRequest(project="p", resource_type=QUEUE))
    assert rows(stub) == [("q", "", "")]
    assert len(rows(stub, label)) == 6  # other types untouched
    # Deleting what is not there succeeds.
    stub.DeleteProjectAttributes(pa.ProjectAttributesDeleteRequest(project="p", resource_type=QUEUE))
    stub.DeleteWorkflowAttributes(
        wa.WorkflowAttributesDeleteRequest(
            project="p", domain="staging", workflow="none", resource_type=QUEUE
        )
    )


def test_list_returns_every_level_by_priority(stub: AdminServiceStub) -> None:
    set_project(stub, queue("a"))
    set_workflow(stub, queue("c"))
    set_domain(stub, queue("b"))
    set_project(stub, queue("d"), project="q")
    listed = rows(stub)
    assert listed[0] == ("p", "development", "wf")
    assert listed[1] == ("p", "development", "")
    assert sorted(listed[2:]) == [("p", "", ""), ("q", "", "")]
    assert rows(stub, TASK_RESOURCE) == []


def test_archived_project_blocks_writes_but_not_project_get(stub: AdminServiceStub) -> None:
    set_project(stub, queue("a"))
    stub.UpdateProject(project_pb2.Project(id="p", name="p", state=project_pb2.Project.ARCHIVED))
    error = rpc_error(lambda: set_project(stub, queue("b")))
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "project [p] is not active")
    assert details(error) == []
    error = rpc_error(lambda: set_domain(stub, queue("b")))
    assert error.details() == "project [p] is not active"
    assert details(error) == ["type.googleapis.com/flyteidl.admin.InactiveProject"]
    error = rpc_error(
        stub.DeleteProjectAttributes, pa.ProjectAttributesDeleteRequest(project="p", resource_type=QUEUE)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    got = stub.GetProjectAttributes(pa.ProjectAttributesGetRequest(project="p", resource_type=QUEUE))
    assert list(got.attributes.matching_attributes.execution_queue_attributes.tags) == ["a"]
    error = rpc_error(
        stub.GetProjectAttributes, pa.ProjectAttributesGetRequest(project="zz", resource_type=QUEUE)
    )
    assert error.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)


def test_attributes_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "admin.db"
    with LocalAdmin.start(db_path=db, port=0) as admin, grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        stub.RegisterProject(
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="p", name="p"))
        )
        set_domain(stub, queue("kept"))
    with LocalAdmin.start(db_path=db, port=0) as admin, grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        assert list(get_workflow(stub).matching_attributes.execution_queue_attributes.tags) == ["kept"]
