"""The simulated lifecycle, Terminate, Relaunch and Recover over real gRPC, on a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from execution_helpers import (
    Clock,
    create_request,
    exec_id,
    get,
    phase_of,
    rpc_error,
    running_admin,
    status_details,
    string,
    when,
)
from flyteidl.admin import event_pb2, execution_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

pytestmark = pytest.mark.integration
Mode = execution_pb2.ExecutionMetadata.ExecutionMode


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stub(tmp_path: Path, clock: Clock) -> Iterator[AdminServiceStub]:
    with running_admin(tmp_path, clock) as (_, stub):
        yield stub


def terminate(stub: AdminServiceStub, name: str, cause: str = "user asked") -> None:
    stub.TerminateExecution(execution_pb2.ExecutionTerminateRequest(id=exec_id(name), cause=cause))


def test_phases_advance_with_the_clock(stub: AdminServiceStub, clock: Clock) -> None:
    stub.CreateExecution(create_request("run"))
    assert phase_of(stub, "run") == "UNDEFINED"
    clock.advance(1)
    assert phase_of(stub, "run") == "QUEUED"
    clock.advance(1)
    running = get(stub, "run")
    assert running.closure.phase == 2 and running.closure.started_at.seconds == 1_700_000_002
    clock.advance(10)
    done = get(stub, "run")
    assert (done.closure.phase, done.closure.duration.seconds) == (4, 10)  # SUCCEEDED after 10 s running
    assert done.closure.updated_at.seconds == 1_700_000_012
    clock.advance(100)
    assert get(stub, "run").closure.updated_at.seconds == 1_700_000_012  # terminal phases stay put


def test_failure_rule_by_name_and_label(stub: AdminServiceStub, clock: Clock) -> None:
    stub.CreateExecution(create_request("fail-1"))
    stub.CreateExecution(create_request("labelled", labels={"flaky": "yes"}))
    stub.CreateExecution(create_request("fine"))
    clock.advance(60)
    failed = get(stub, "fail-1")
    assert failed.closure.phase == 6  # FAILED
    assert failed.closure.error.code == "SimulatedFailure"
    assert phase_of(stub, "labelled") == "FAILED"
    assert phase_of(stub, "fine") == "SUCCEEDED"


def test_terminate_goes_through_aborting_to_aborted(stub: AdminServiceStub, clock: Clock) -> None:
    stub.CreateExecution(create_request("stop-me"))
    clock.advance(3)
    terminate(stub, "stop-me", "no longer needed")
    aborting = get(stub, "stop-me")
    assert aborting.closure.phase == 9  # ABORTING
    assert aborting.closure.abort_metadata.cause == "no longer needed"
    terminate(stub, "stop-me")  # ABORTING is not terminal: terminate again is fine
    clock.advance(1)
    assert phase_of(stub, "stop-me") == "ABORTED"
    clock.advance(100)
    assert phase_of(stub, "stop-me") == "ABORTED"  # the planned success never happens


def test_terminate_a_terminal_execution_is_failed_precondition(stub: AdminServiceStub, clock: Clock) -> None:
    stub.CreateExecution(create_request("finished"))
    clock.advance(60)
    error = rpc_error(terminate, stub, "finished")
    assert (error.code(), error.details()) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "Cannot abort an already terminated workflow execution",
    )
    [detail] = status_details(error)
    reason = event_pb2.EventFailureReason()
    assert detail.Unpack(reason)
    assert reason.already_in_terminal_state.current_phase == "SUCCEEDED"
    error = rpc_error(terminate, stub, "never-created")
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_relaunch_reuses_user_inputs_and_references_the_original(
    stub: AdminServiceStub, clock: Clock
) -> None:
    stub.CreateExecution(
        create_request(
            "original", inputs={"run_date": when("2024-03-01"), "region": string("eu")}, labels={"team": "ml"}
        )
    )
    relaunched = stub.RelaunchExecution(
        execution_pb2.ExecutionRelaunchRequest(id=exec_id("original"), name="again")
    )
    assert relaunched.id == exec_id("again")
    execution = get(stub, "again")
    assert execution.spec.metadata.mode == Mode.Value("RELAUNCH")
    assert execution.spec.metadata.reference_execution == exec_id("original")
    assert dict(execution.spec.labels.values) == {"team": "ml"}
    inputs = stub.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=exec_id("again"))
    ).full_inputs
    assert inputs.literals["region"].scalar.primitive.string_value == "eu"
    assert inputs.literals["limit"].scalar.primitive.integer == 100  # defaults re-applied
    generated = stub.RelaunchExecution(execution_pb2.ExecutionRelaunchRequest(id=exec_id("original")))
    assert len(generated.id.name) == 20
    error = rpc_error(
        stub.RelaunchExecution, execution_pb2.ExecutionRelaunchRequest(id=exec_id("original"), name="again")
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    error = rpc_error(stub.RelaunchExecution, execution_pb2.ExecutionRelaunchRequest(id=exec_id("missing")))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_recover_a_failed_run_succeeds(stub: AdminServiceStub, clock: Clock) -> None:
    stub.CreateExecution(create_request("fail-transient"))
    clock.advance(60)
    assert phase_of(stub, "fail-transient") == "FAILED"
    recovered = stub.RecoverExecution(
        execution_pb2.ExecutionRecoverRequest(id=exec_id("fail-transient"), name="recovered-1")
    )
    execution = get(stub, recovered.id.name)
    assert execution.spec.metadata.mode == Mode.Value("RECOVERED")
    assert execution.spec.metadata.reference_execution == exec_id("fail-transient")
    clock.advance(60)
    assert phase_of(stub, "recovered-1") == "SUCCEEDED"


def test_a_name_pattern_also_fails_recoveries(stub: AdminServiceStub, clock: Clock) -> None:
    stub.CreateExecution(create_request("fail-always"))
    clock.advance(60)
    stub.RecoverExecution(execution_pb2.ExecutionRecoverRequest(id=exec_id("fail-always"), name="fail-again"))
    clock.advance(60)
    assert phase_of(stub, "fail-again") == "FAILED"
