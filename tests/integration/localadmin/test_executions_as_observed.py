"""Executions as a running flyteadmin v1.16.8 was seen to answer them (behaviour §11), over gRPC: which
labels are stored, the label filter joined on the name alone, label rows left by a duplicate create,
``run_as: {}``, microsecond timestamps, and the ``no_cluster`` testing aid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from execution_helpers import DOMAIN, PROJECT, Clock, create_request, exec_id, get, rpc_error, running_admin
from flyteidl.admin import common_pb2, execution_pb2, project_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.aids import Aids

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[AdminServiceStub]:
    with running_admin(tmp_path, Clock()) as (_, stub):
        for project in ("other", "third"):
            stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(
                id=project, name=project, labels=common_pb2.Labels(values={"cost-centre": project}))))
        yield stub


def tagged(stub: AdminServiceStub, project: str, key: str) -> list[tuple[str, str]]:
    listed = stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=DOMAIN), limit=100,
        filters=f"eq(execution_tag.key,{key})"))
    return [(e.id.project, e.id.name) for e in listed.executions]


def test_stored_labels_are_the_requests_without_project_labels(stub: AdminServiceStub) -> None:
    stub.CreateExecution(create_request("with-labels", labels={"team": "ml"}, project="other"))
    assert dict(get_in(stub, "other", "with-labels").spec.labels.values) == {"team": "ml"}
    stub.CreateExecution(create_request("without-labels", project="other"))
    assert "cost-centre" not in get_in(stub, "other", "without-labels").spec.labels.values


def test_label_filter_joins_on_the_execution_name_alone(stub: AdminServiceStub) -> None:
    stub.CreateExecution(create_request("same", labels={"owner": "a"}))
    stub.CreateExecution(create_request("same", project="other"))  # no labels at all
    stub.CreateExecution(create_request("same", labels={"owner": "c"}, project="third"))
    # The unlabelled execution comes back because same-named ones elsewhere carry the label ...
    assert tagged(stub, "other", "owner") == [("other", "same"), ("other", "same")]
    # ... and a labelled one comes back once per same-named execution carrying it.
    assert tagged(stub, PROJECT, "owner") == [(PROJECT, "same"), (PROJECT, "same")]


def test_a_duplicate_create_leaves_its_label_rows_behind(stub: AdminServiceStub) -> None:
    stub.CreateExecution(create_request("dup"))
    refused = rpc_error(stub.CreateExecution, create_request("dup", labels={"late": "yes"}))
    assert refused.code() == grpc.StatusCode.ALREADY_EXISTS
    assert tagged(stub, PROJECT, "late") == [(PROJECT, "dup")]
    assert dict(get(stub, "dup").spec.labels.values) == {}  # the stored execution is unchanged


def test_security_context_and_timestamps_as_stored(stub: AdminServiceStub) -> None:
    stub.CreateExecution(create_request("plain"))
    execution = get(stub, "plain")
    assert execution.spec.HasField("security_context") and execution.spec.security_context.HasField("run_as")
    assert execution.closure.created_at.nanos % 1000 == 0  # Postgres keeps microseconds


def test_no_cluster_aid_stores_executions_failed_with_a_system_error(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, aids=Aids(no_cluster=True)) as admin, \
            grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        created = stub.CreateExecution(create_request("doomed"))  # answers OK, as Admin does
        assert created.id.name == "doomed"
        execution = get(stub, "doomed")
        assert core.WorkflowExecution.Phase.Name(execution.closure.phase) == "FAILED"
        error = execution.closure.error
        assert (core.ExecutionError.ErrorKind.Name(error.kind), error.code) == ("SYSTEM", "Internal")
        assert error.message.startswith("failed to create workflow in propeller")
        stopped = rpc_error(stub.TerminateExecution, execution_pb2.ExecutionTerminateRequest(
            id=exec_id("doomed"), cause="test"))
        assert stopped.code() == grpc.StatusCode.FAILED_PRECONDITION
        stub.RecoverExecution(execution_pb2.ExecutionRecoverRequest(id=exec_id("doomed"), name="doomed-r1"))
        assert core.WorkflowExecution.Phase.Name(get(stub, "doomed-r1").closure.phase) == "FAILED"
        failed = stub.ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=10,
            filters="eq(error_kind,SYSTEM)"))
        assert sorted(e.id.name for e in failed.executions) == ["doomed", "doomed-r1"]


def get_in(stub: AdminServiceStub, project: str, name: str) -> execution_pb2.Execution:
    return stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=exec_id(name, project=project)))
