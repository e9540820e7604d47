"""CreateExecution / Get / GetExecutionData / UpdateExecution over real gRPC (flyteadmin-behaviour.md §6)."""

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
    get,
    integer,
    lp_ref,
    rpc_error,
    running_admin,
    string,
    when,
)
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin.service.executions import NAME_ALPHABET

pytestmark = pytest.mark.integration
Mode = execution_pb2.ExecutionMetadata.ExecutionMode


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[AdminServiceStub]:
    with running_admin(tmp_path, Clock()) as (_, stub):
        yield stub


def data(stub: AdminServiceStub, name: str) -> execution_pb2.WorkflowExecutionGetDataResponse:
    return stub.GetExecutionData(execution_pb2.WorkflowExecutionGetDataRequest(id=exec_id(name)))


def test_generated_name_and_stored_execution(stub: AdminServiceStub) -> None:
    created = stub.CreateExecution(create_request())
    name = created.id.name
    assert (created.id.project, created.id.domain, len(name), name[0]) == (PROJECT, DOMAIN, 20, "a")
    assert set(name[1:]) <= set(NAME_ALPHABET)
    execution = get(stub, name)
    assert execution.spec.launch_plan == lp_ref()
    assert execution.closure.phase == 0  # UNDEFINED until the lifecycle moves it
    assert execution.closure.workflow_id.name == "reports.daily_report"
    assert execution.spec.metadata.principal == ""
    assert execution.spec.max_parallelism == 25
    assert execution.closure.state_change_details.state == execution_pb2.EXECUTION_ACTIVE
    assert stub.CreateExecution(create_request()).id.name != name


def test_defaults_are_filled_and_inputs_returned_inline(stub: AdminServiceStub) -> None:
    stub.CreateExecution(
        create_request("with-defaults", inputs={"run_date": when("2024-02-01"), "limit": integer(7)})
    )
    inputs = data(stub, "with-defaults").full_inputs.literals
    assert set(inputs) == {"run_date", "region", "limit", "dry_run"}
    assert inputs["region"].scalar.primitive.string_value == "us"
    assert inputs["limit"].scalar.primitive.integer == 7
    assert inputs["dry_run"].scalar.primitive.boolean is False
    assert inputs["run_date"].scalar.primitive.datetime.ToDatetime().month == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 64, "size of name exceeded length 63 : " + "x" * 64),
        ("1abc", "invalid name format: 1abc, does not match regex '^[a-z][a-z\\-0-9]*$'"),
        ("bad_name", "invalid name format: bad_name, does not match regex '^[a-z][a-z\\-0-9]*$'"),
        ("Ab_C", "invalid name format: ab_c, does not match regex '^[a-z][a-z\\-0-9]*$'"),
    ],
)
def test_name_rules(stub: AdminServiceStub, name: str, message: str) -> None:
    error = rpc_error(stub.CreateExecution, create_request(name))
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, message)


def test_uppercase_names_pass_and_are_stored_as_sent(stub: AdminServiceStub) -> None:
    assert stub.CreateExecution(create_request("Mixed-Case")).id.name == "Mixed-Case"
    assert get(stub, "Mixed-Case").id.name == "Mixed-Case"


def test_request_validation_order(stub: AdminServiceStub) -> None:
    def message(request: execution_pb2.ExecutionCreateRequest) -> str:
        error = rpc_error(stub.CreateExecution, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        return error.details()

    assert message(create_request("1bad", project="")) == "missing project"
    assert message(create_request("1bad", domain="")) == "missing domain"
    assert message(create_request("ok", domain="qa")) == "domain [qa] is unrecognized by system"
    assert "project [nope] not found" in message(create_request("ok", project="nope"))
    assert message(execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN)) == "missing spec"
    request = create_request("ok")
    request.spec.ClearField("launch_plan")
    assert message(request) == "missing id"
    request = create_request("ok", lp=lp_ref(version=""))
    assert message(request) == "missing version"
    unspecified = lp_ref()
    unspecified.resource_type = identifier_pb2.UNSPECIFIED
    assert message(create_request("ok", lp=unspecified)) == (
        "Invalid reference entity resource type [UNSPECIFIED],"
        " only [map[TASK:<nil> LAUNCH_PLAN:<nil>]] allowed"
    )
    assert message(create_request("ok", inputs={"": string("x")})) == "missing key in inputs"
    assert message(create_request("ok", inputs={"run_date": literals_pb2.Literal()})) == (
        "missing valid literal in inputs run_date"
    )


def test_input_rules(stub: AdminServiceStub) -> None:
    def message(inputs: dict[str, literals_pb2.Literal], lp: identifier_pb2.Identifier | None = None) -> str:
        error = rpc_error(stub.CreateExecution, create_request("inputs", inputs=inputs, lp=lp))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        return error.details()

    assert message({}) == "expected_inputs run_date missing"
    assert message({"run_date": when("2024-01-01"), "colour": string("red")}) == "invalid input colour"
    assert message({"run_date": when("2024-01-01"), "limit": string("many")}) == (
        "invalid limit input wrong type. Expected simple:INTEGER, but got simple:STRING"
    )
    assert message({"run_date": string("yesterday")}) == (
        "invalid run_date input wrong type. Expected simple:DATETIME, but got simple:STRING"
    )

    # A launch plan with a fixed input: the fixed name is not an expected input.
    sample = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_ref()))
    spec = launch_plan_pb2.LaunchPlanSpec()
    spec.CopyFrom(sample.spec)
    del spec.default_inputs.parameters["region"]
    spec.fixed_inputs.literals["region"].CopyFrom(string("eu"))
    stub.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(id=lp_ref(version="fixed"), spec=spec))
    fixed = lp_ref(version="fixed")
    assert message({"run_date": when("2024-01-01"), "region": string("us")}, fixed) == "invalid input region"
    stub.CreateExecution(create_request("fixed-ok", lp=fixed))
    assert data(stub, "fixed-ok").full_inputs.literals["region"].scalar.primitive.string_value == "eu"


def test_missing_launch_plan_is_not_found_and_inactive_ones_run(stub: AdminServiceStub) -> None:
    error = rpc_error(stub.CreateExecution, create_request("ghost", lp=lp_ref(version="v9")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "LAUNCH_PLAN" in error.details()
    lp = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_ref()))
    assert lp.closure.state == launch_plan_pb2.INACTIVE
    stub.CreateExecution(create_request("inactive-is-fine"))


def test_duplicate_name_is_already_exists_and_keeps_the_original_inputs(stub: AdminServiceStub) -> None:
    stub.CreateExecution(create_request("backfill-2024-01-01", inputs={"run_date": when("2024-01-01")}))
    error = rpc_error(
        stub.CreateExecution,
        create_request(
            "backfill-2024-01-01", inputs={"run_date": when("2030-12-31"), "region": string("eu")}
        ),
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error.details() == (
        "value with matching already exists (duplicate key value violates unique "
        'constraint "executions_pkey")'
    )
    inputs = data(stub, "backfill-2024-01-01").full_inputs.literals
    assert inputs["run_date"].scalar.primitive.datetime.ToDatetime().year == 2024
    assert inputs["region"].scalar.primitive.string_value == "us"


def test_mode_scheduled_at_and_labels_are_kept(stub: AdminServiceStub) -> None:
    request = create_request("scheduled", mode=Mode.Value("SCHEDULED"), labels={"team": "ml"})
    request.spec.metadata.scheduled_at.FromSeconds(1_704_067_200)
    request.spec.metadata.principal = "someone-else"
    stub.CreateExecution(request)
    execution = get(stub, "scheduled")
    assert execution.spec.metadata.mode == Mode.Value("SCHEDULED")
    assert execution.spec.metadata.scheduled_at.seconds == 1_704_067_200
    assert execution.spec.metadata.principal == ""
    assert dict(execution.spec.labels.values) == {"team": "ml"}


def test_single_task_execution(stub: AdminServiceStub) -> None:
    task = identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK,
        project=PROJECT,
        domain=DOMAIN,
        name="ops.cleanup_task",
        version="v1",
    )
    error = rpc_error(
        stub.CreateExecution, create_request("task-run", lp=task, inputs={"kickoff": when("2024-01-01")})
    )
    assert error.details() == "expected_inputs older_than_days missing"  # task inputs are all required
    stub.CreateExecution(
        create_request(
            "task-run", lp=task, inputs={"kickoff": when("2024-01-01"), "older_than_days": integer(3)}
        )
    )
    assert get(stub, "task-run").spec.launch_plan.resource_type == identifier_pb2.TASK


def test_get_and_update_need_an_existing_execution(stub: AdminServiceStub) -> None:
    error = rpc_error(stub.GetExecution, execution_pb2.WorkflowExecutionGetRequest(id=exec_id("nope")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details().startswith("missing entity of type execution with identifier")
    error = rpc_error(stub.GetExecution, execution_pb2.WorkflowExecutionGetRequest(id=exec_id("")))
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "missing name")
    error = rpc_error(stub.UpdateExecution, execution_pb2.ExecutionUpdateRequest(id=exec_id("nope")))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_archive_and_unarchive(stub: AdminServiceStub) -> None:
    stub.CreateExecution(create_request("to-archive"))
    stub.UpdateExecution(
        execution_pb2.ExecutionUpdateRequest(id=exec_id("to-archive"), state=execution_pb2.EXECUTION_ARCHIVED)
    )
    assert get(stub, "to-archive").closure.state_change_details.state == execution_pb2.EXECUTION_ARCHIVED
    stub.UpdateExecution(
        execution_pb2.ExecutionUpdateRequest(id=exec_id("to-archive"), state=execution_pb2.EXECUTION_ACTIVE)
    )
    assert get(stub, "to-archive").closure.state_change_details.state == execution_pb2.EXECUTION_ACTIVE


def test_executions_survive_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    with running_admin(tmp_path, clock) as (_, stub):
        stub.CreateExecution(create_request("durable"))
    with running_admin(tmp_path, clock) as (_, stub):
        assert get(stub, "durable").spec.launch_plan == lp_ref()
