"""Shared pieces of the execution integration tests: a seeded admin on a manual clock, request builders."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from google.rpc import status_pb2

from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import FailureRule, LifecycleSettings

PROJECT, DOMAIN = "flytesnacks", "development"
# Seconds after creation: QUEUED at 1, RUNNING at 2, done at 12; ABORTING lasts 1.
TIMING = LifecycleSettings(
    queued_after_s=1,
    running_after_s=2,
    duration_s=10,
    abort_after_s=1,
    failure=FailureRule(pattern=r"^fail-|flaky=yes"),
)


class Clock:
    """A manual clock for the admin's lifecycle (thread-safe: the server reads it from its threads)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@contextmanager
def running_admin(
    tmp_path: Path, clock: Clock, settings: LifecycleSettings = TIMING
) -> Iterator[tuple[LocalAdmin, AdminServiceStub]]:
    with (
        LocalAdmin.start(
            db_path=tmp_path / "admin.db", port=0, seed_samples=True, lifecycle=settings, clock=clock
        ) as admin,
        grpc.insecure_channel(admin.address) as channel,
    ):
        yield admin, AdminServiceStub(channel)


def lp_ref(
    name: str = "reports.daily_report", version: str = "v1", project: str = PROJECT, domain: str = DOMAIN
) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project=project, domain=domain, name=name, version=version
    )


def string(value: str) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value))
    )


def integer(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value)))


def when(iso: str) -> literals_pb2.Literal:
    literal = literals_pb2.Literal()
    literal.scalar.primitive.datetime.FromDatetime(datetime.fromisoformat(iso).replace(tzinfo=UTC))
    return literal


def create_request(
    name: str = "",
    inputs: dict[str, literals_pb2.Literal] | None = None,
    lp: identifier_pb2.Identifier | None = None,
    labels: dict[str, str] | None = None,
    mode: int = 0,
    project: str = PROJECT,
    domain: str = DOMAIN,
) -> execution_pb2.ExecutionCreateRequest:
    spec = execution_pb2.ExecutionSpec(
        launch_plan=lp or lp_ref(), metadata=execution_pb2.ExecutionMetadata(mode=mode)
    )
    if labels:
        spec.labels.values.update(labels)
    return execution_pb2.ExecutionCreateRequest(
        project=project,
        domain=domain,
        name=name,
        spec=spec,
        inputs=literals_pb2.LiteralMap(
            literals={"run_date": when("2024-01-01")} if inputs is None else inputs
        ),
    )


def exec_id(
    name: str, project: str = PROJECT, domain: str = DOMAIN
) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project=project, domain=domain, name=name)


def get(stub: AdminServiceStub, name: str) -> execution_pb2.Execution:
    return stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=exec_id(name)))


def phase_of(stub: AdminServiceStub, name: str) -> str:
    from flyteidl.core import execution_pb2 as core

    return core.WorkflowExecution.Phase.Name(get(stub, name).closure.phase)


def rpc_error(call, *args) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        call(*args)
    return info.value


def status_details(error: grpc.RpcError) -> list[status_pb2.Status]:
    for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key == "grpc-status-details-bin":
            status = status_pb2.Status()
            status.ParseFromString(value)
            return list(status.details)
    return []
