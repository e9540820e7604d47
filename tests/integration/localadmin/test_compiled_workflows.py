"""The embedded admin compiles workflows as a real flyteadmin v1.16.8 does: the golden cases of
tests/fixtures/compiled-workflows registered over gRPC, compared after the normalisation of
tests/unit/localadmin/compiler/golden.py (``created_at`` dropped; error text whitespace, ``:`` spacing, Go's
map-order lists and the order of ``Collected Errors`` lines)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from google.protobuf import json_format

from reconciler.localadmin import LocalAdmin
from tests.unit.localadmin.compiler import golden

CREATE = {task_pb2.TaskCreateRequest: "CreateTask", workflow_pb2.WorkflowCreateRequest: "CreateWorkflow",
          launch_plan_pb2.LaunchPlanCreateRequest: "CreateLaunchPlan"}


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServiceStub]:
    """One admin for all cases, project goldenwf; cases share dependencies (ALREADY_EXISTS is fine)."""
    path = tmp_path_factory.mktemp("golden") / "golden.db"
    with LocalAdmin.start(db_path=path, port=0) as admin, grpc.insecure_channel(admin.address) as channel:
        admin_stub = AdminServiceStub(channel)
        admin_stub.RegisterProject(project_pb2.ProjectRegisterRequest(
            project=project_pb2.Project(id="goldenwf", name="goldenwf")))
        yield admin_stub


def register(stub: AdminServiceStub, requests: list) -> None:
    for request in requests:
        try:
            getattr(stub, CREATE[type(request)])(request)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise


@pytest.mark.parametrize("case", golden.valid_cases())
def test_get_workflow_returns_the_golden_closure(stub: AdminServiceStub, case: str) -> None:
    register(stub, golden.deps(case))
    request = golden.request(case)
    register(stub, [request])
    workflow = stub.GetWorkflow(common_pb2.ObjectGetRequest(id=request.id))
    assert golden.closure_json(workflow.closure) == golden.golden_closure(case)


@pytest.mark.parametrize("case", golden.invalid_cases())
def test_create_workflow_refuses_as_flyteadmin_does(stub: AdminServiceStub, case: str) -> None:
    register(stub, golden.deps(case))
    request = golden.request(case)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreateWorkflow(request)
    expected = golden.golden_error(case)
    assert caught.value.code().name == expected["code"]
    assert golden.normalise_message(caught.value.details()) == golden.normalise_message(expected["message"])


@pytest.mark.parametrize("case", [c for c in golden.valid_cases() if golden.cases()[c].get("launch_plans")])
def test_launch_plans_read_the_compiled_workflow_as_flyteadmin_does(stub: AdminServiceStub, case: str) -> None:
    register(stub, golden.deps(case))
    register(stub, [golden.request(case)])
    for plan_request, expected in zip(golden.launch_plans(case), golden.json_list(f"{case}.launchplans.json"),
                                      strict=True):
        if "error" in expected:
            with pytest.raises(grpc.RpcError) as caught:
                stub.CreateLaunchPlan(plan_request)
            assert caught.value.code().name == expected["error"]["code"]
            continue
        register(stub, [plan_request])
        plan = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=plan_request.id))
        got = json_format.MessageToDict(plan, preserving_proto_field_name=True)
        for stamped in (got, expected):
            stamped["closure"].pop("created_at", None)
            stamped["closure"].pop("updated_at", None)
        assert got == expected


def test_list_workflows_carries_the_interface_as_sent(stub: AdminServiceStub) -> None:
    request = golden.request("control.cond_void")
    register(stub, [*golden.deps("control.cond_void"), request])
    listed = stub.ListWorkflows(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project="goldenwf", domain="development", name=request.id.name),
        limit=10))
    assert [w.id.version for w in listed.workflows] == [request.id.version]
    assert listed.workflows[0].closure.compiled_workflow.primary.template.interface == \
        request.spec.template.interface
    assert not listed.workflows[0].closure.compiled_workflow.primary.template.nodes
    assert listed.workflows[0].id.resource_type == identifier_pb2.WORKFLOW
