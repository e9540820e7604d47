"""ListExecutions: filters on execution columns and joined entities, default state filter, sort, pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from execution_helpers import (
    DOMAIN,
    PROJECT,
    Clock,
    create_request,
    exec_id,
    integer,
    lp_ref,
    rpc_error,
    running_admin,
    when,
)
from flyteidl.admin import common_pb2, execution_pb2, node_execution_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

pytestmark = pytest.mark.integration
Mode = execution_pb2.ExecutionMetadata.ExecutionMode
ASC = common_pb2.Sort.ASCENDING


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stub(tmp_path: Path, clock: Clock) -> Iterator[AdminServiceStub]:
    with running_admin(tmp_path, clock) as (_, stub):
        yield stub


def names(
    stub: AdminServiceStub,
    filters: str = "",
    limit: int = 100,
    name: str = "",
    sort: str = "execution_created_at",
) -> list[str]:
    response = stub.ListExecutions(
        common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name=name),
            limit=limit,
            filters=filters,
            sort_by=common_pb2.Sort(key=sort, direction=ASC),
        )
    )
    return [e.id.name for e in response.executions]


@pytest.fixture
def populated(stub: AdminServiceStub, clock: Clock) -> AdminServiceStub:
    """ok-1 (SUCCEEDED), fail-1 (FAILED), sched-1 (mode SCHEDULED, etl.ingest v2, team=ml, RUNNING)."""
    stub.CreateExecution(create_request("ok-1"))
    clock.advance(1)
    stub.CreateExecution(create_request("fail-1", labels={"team": "data"}))
    clock.advance(50)
    request = create_request(
        "sched-1",
        lp=lp_ref("etl.ingest", "v2"),
        mode=Mode.Value("SCHEDULED"),
        labels={"team": "ml"},
        inputs={"since": when("2024-01-01")},
    )
    request.inputs.literals["source"].scalar.primitive.string_value = "s3://x"
    stub.CreateExecution(request)
    clock.advance(3)
    return stub


def test_filters_see_the_computed_phase(populated: AdminServiceStub) -> None:
    assert names(populated) == ["ok-1", "fail-1", "sched-1"]
    assert names(populated, "eq(phase,FAILED)") == ["fail-1"]
    assert names(populated, "eq(phase,RUNNING)") == ["sched-1"]
    assert names(populated, "value_in(phase,SUCCEEDED;FAILED)") == ["ok-1", "fail-1"]
    assert names(populated, "ne(phase,SUCCEEDED)+ne(phase,FAILED)") == ["sched-1"]


def test_filters_on_columns_and_joined_entities(populated: AdminServiceStub) -> None:
    assert names(populated, "eq(mode,1)") == ["sched-1"]
    assert names(populated, "eq(execution_name,ok-1)") == ["ok-1"]
    assert names(populated, "eq(launch_plan.name,etl.ingest)") == ["sched-1"]
    assert names(populated, "eq(launch_plan.version,v1)") == ["ok-1", "fail-1"]
    assert names(populated, "contains(workflow.name,daily)") == ["ok-1", "fail-1"]
    assert names(populated, "value_in(execution_tag.key,team)") == ["fail-1", "sched-1"]
    assert names(populated, "eq(execution_tag.value,ml)") == ["sched-1"]
    assert names(populated, "eq(launch_entity,launch_plan)") == ["ok-1", "fail-1", "sched-1"]
    assert names(populated, "gte(execution_created_at,2023-11-14T22:13:21Z)") == ["fail-1", "sched-1"]
    assert names(populated, name="fail-1") == ["fail-1"]


def test_bad_filters_are_invalid_argument(populated: AdminServiceStub) -> None:
    for bad in (
        "eq(name,ok-1)",
        "eq(project,flytesnacks)",
        "eq(launch_plan.colour,x)",
        "foo(phase,RUNNING)",
        "phase=RUNNING",
    ):
        error = rpc_error(names, populated, bad)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, bad
    error = rpc_error(names, populated, "", 100, "", "colour")
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid sort key 'colour'")


def test_limit_and_pages(populated: AdminServiceStub) -> None:
    def page(token: str) -> execution_pb2.ExecutionList:
        return populated.ListExecutions(
            common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN),
                limit=2,
                token=token,
                sort_by=common_pb2.Sort(key="execution_name", direction=ASC),
            )
        )

    first = page("")
    assert ([e.id.name for e in first.executions], first.token) == (["fail-1", "ok-1"], "2")
    second = page(first.token)
    assert ([e.id.name for e in second.executions], second.token) == (["sched-1"], "")
    error = rpc_error(names, populated, "", 0)
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid value for limit")
    error = rpc_error(page, "abc")
    assert error.details() == "invalid pagination token abc for ListExecutions"


def test_archived_executions_are_hidden_unless_state_is_filtered(populated: AdminServiceStub) -> None:
    populated.UpdateExecution(
        execution_pb2.ExecutionUpdateRequest(id=exec_id("ok-1"), state=execution_pb2.EXECUTION_ARCHIVED)
    )
    assert names(populated) == ["fail-1", "sched-1"]
    assert names(populated, "eq(state,1)") == ["ok-1"]
    assert names(populated, "value_in(state,0;1)") == ["ok-1", "fail-1", "sched-1"]


def test_list_clears_inputs_but_get_keeps_the_spec(stub: AdminServiceStub) -> None:
    request = create_request("with-spec-inputs", inputs={})
    request.spec.inputs.literals["run_date"].CopyFrom(when("2024-01-01"))  # the deprecated field is honoured
    request.spec.inputs.literals["limit"].CopyFrom(integer(3))
    stub.CreateExecution(request)
    listed = stub.ListExecutions(
        common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=10
        )
    )
    assert len(listed.executions[0].spec.inputs.literals) == 0
    data = stub.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=exec_id("with-spec-inputs"))
    )
    assert data.full_inputs.literals["limit"].scalar.primitive.integer == 3


def test_node_executions_are_an_empty_list(populated: AdminServiceStub) -> None:
    listed = populated.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(workflow_execution_id=exec_id("ok-1"), limit=10)
    )
    assert list(listed.node_executions) == []
    error = rpc_error(
        populated.ListNodeExecutions,
        node_execution_pb2.NodeExecutionListRequest(workflow_execution_id=exec_id("ok-1")),
    )
    assert error.details() == "invalid value for limit"
