"""Backfill runs: read them with ListExecutions (one paged, filtered list per backfill) and launch or
recover them idempotently. CreateExecution is only sent for names not observed; ALREADY_EXISTS (a
retry after a lost response, or a concurrent apply) counts as success and is never retried."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from reconciler.admin.literals import parse_datetime, to_literal
from reconciler.admin.pages import PAGE_SIZE, paginate
from reconciler.backfill.names import LABEL_INPUTS
from reconciler.errors import AlreadyExistsError, FailedPreconditionError, PlanError
from reconciler.model.address import Address, launch_plan_address
from reconciler.model.state import Resource

_PHASE = core_execution_pb2.WorkflowExecution.Phase


def backfill_runs(client: Any, address: str) -> Resource:
    """Every run of one backfill (its deterministic name prefix under its launch plan)."""
    parsed = Address.parse(address)
    project, domain, launch_plan, name = parsed.project, str(parsed.domain), str(parsed.launch_plan), str(parsed.name)
    prefix = f"bf-{name[:30]}-"
    filters = f"eq(launch_plan.name,{launch_plan})+contains(execution_name,{prefix})"
    executions = paginate(client, "ListExecutions", lambda token: common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain), limit=PAGE_SIZE, token=token,
        filters=filters, sort_by=common_pb2.Sort(key="execution_name", direction=common_pb2.Sort.ASCENDING)),
        "executions", target=address)
    # The prefix filter also matches other backfills whose names extend this one (q1 vs q1-2024): keep
    # only names of exactly this backfill's shape.
    own = re.compile(re.escape(prefix) + r"\d{8}t\d{4}-[0-9a-f]{6}(-r\d+)?$")
    runs = [{"name": e.id.name, "phase": _PHASE.Name(e.closure.phase),
             "inputs": e.spec.labels.values.get(LABEL_INPUTS)} for e in executions if own.match(e.id.name)]
    return Resource(address, {"runs": sorted(runs, key=lambda r: r["name"])})


class ExecutionWriter:
    """Launch plan input types are read once per launch plan version (cached) to build literals."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._types: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def _expected(self, project: str, domain: str, name: str, version: str) -> Any:
        key = (project, domain, name, version)
        with self._lock:
            cached = self._types.get(key)
        if cached is None:
            plan = self.client.call("GetLaunchPlan", common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.LAUNCH_PLAN, project=project, domain=domain, name=name,
                version=version)), target=f"{launch_plan_address(project, domain, name)}@{version}")
            cached = plan.closure.expected_inputs.parameters
            with self._lock:
                self._types[key] = cached
        return cached

    def create_execution(self, project: str, domain: str, name: str, launch_plan: str, version: str,
                         kickoff: str, inputs: dict[str, Any], labels: dict[str, str]) -> None:
        expected = self._expected(project, domain, launch_plan, version)
        literal_map = literals_pb2.LiteralMap()
        for key, value in sorted(inputs.items()):
            if key not in expected:
                raise PlanError(f"backfill input {key!r} is not an input of launch plan {launch_plan}@{version}")
            literal_map.literals[key].CopyFrom(to_literal(value, expected[key].var.type, key))
        scheduled = Timestamp()
        scheduled.FromDatetime(parse_datetime(kickoff).astimezone(dt.UTC).replace(tzinfo=None))
        spec = execution_pb2.ExecutionSpec(
            launch_plan=identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=project,
                                                  domain=domain, name=launch_plan, version=version),
            metadata=execution_pb2.ExecutionMetadata(mode=execution_pb2.ExecutionMetadata.SCHEDULED,
                                                     scheduled_at=scheduled),
            labels=common_pb2.Labels(values=labels))
        request = execution_pb2.ExecutionCreateRequest(project=project, domain=domain, name=name, spec=spec,
                                                       inputs=literal_map)
        try:
            self.client.call("CreateExecution", request, target=f"execution/{project}/{domain}/{name}")
        except AlreadyExistsError:
            return  # launched by an earlier, interrupted attempt: never send it again

    def terminate_execution(self, project: str, domain: str, name: str, cause: str) -> None:
        request = execution_pb2.ExecutionTerminateRequest(
            id=identifier_pb2.WorkflowExecutionIdentifier(project=project, domain=domain, name=name), cause=cause)
        try:
            self.client.call("TerminateExecution", request, target=f"execution/{project}/{domain}/{name}")
        except FailedPreconditionError:
            return  # it finished meanwhile: nothing to terminate

    def recover_execution(self, project: str, domain: str, original: str, name: str) -> None:
        request = execution_pb2.ExecutionRecoverRequest(
            id=identifier_pb2.WorkflowExecutionIdentifier(project=project, domain=domain, name=original), name=name)
        try:
            self.client.call("RecoverExecution", request, target=f"execution/{project}/{domain}/{original}")
        except AlreadyExistsError:
            return
