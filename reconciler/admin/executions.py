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
from reconciler.backfill.names import LABEL_INPUTS, run_name_pattern
from reconciler.errors import AlreadyExistsError, FailedPreconditionError, PlanError
from reconciler.model.address import Address, launch_plan_address
from reconciler.model.state import Resource

_PHASE = core_execution_pb2.WorkflowExecution.Phase


# Admin's filter grammar splits on "+", separates list values with ";", reads "func(field,value)" with a
# greedy regex (a "," or ")" in a value changes the field) and keeps spaces: none of these may reach it.
_FILTER_VALUE = re.compile(r"^[A-Za-z0-9_.\-]+$")
ERROR_MESSAGE_MAX = 200


def filter_value(value: str, what: str) -> str:
    """``value`` checked for a place in a ListExecutions filter string (PlanError when it cannot be)."""
    if not _FILTER_VALUE.match(value):
        raise PlanError(f"{what} {value!r} cannot be used in an Admin list filter",
                        hint="names are letters, digits, '_', '.' and '-'; fix the manifest field that sets it")
    return value


def _error_of(execution: Any) -> dict[str, str] | None:
    if not execution.closure.HasField("error"):
        return None
    error = execution.closure.error
    first_line = error.message.strip().splitlines()[0] if error.message.strip() else ""
    if len(first_line) > ERROR_MESSAGE_MAX:
        first_line = first_line[:ERROR_MESSAGE_MAX - 1] + "…"
    return {"kind": core_execution_pb2.ExecutionError.ErrorKind.Name(error.kind), "code": error.code,
            "message": first_line}


def own_runs(executions: Any, project: str, domain: str, launch_plan: str, name_pattern: re.Pattern[str],
             ) -> list[dict[str, Any]]:
    """The runs of one backfill among listed executions, each counted once.

    Counted by identity, not by what the list returned: Admin's label filter joins on the execution
    *name* alone (the same row once per same-named execution anywhere, and rows of other projects), so
    rows are de-duplicated by full execution id and must be in the backfill's project and domain, on
    its launch plan, with a name of exactly this backfill's shape.
    """
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in executions:
        key = (e.id.project, e.id.domain, e.id.name)
        lp = e.spec.launch_plan
        on_launch_plan = (lp.project, lp.domain, lp.name) == (project, domain, launch_plan)
        if key in seen or key[:2] != (project, domain) or not on_launch_plan or not name_pattern.match(e.id.name):
            continue
        run: dict[str, Any] = {"name": e.id.name, "phase": _PHASE.Name(e.closure.phase),
                               "inputs": e.spec.labels.values.get(LABEL_INPUTS)}
        error = _error_of(e)
        if error is not None:
            run["error"] = error
        seen[key] = run
    return sorted(seen.values(), key=lambda r: r["name"])


def backfill_runs(client: Any, address: str) -> Resource:
    """Every run of one backfill (its deterministic name prefix under its launch plan)."""
    parsed = Address.parse(address)
    project, domain, launch_plan, name = parsed.project, str(parsed.domain), str(parsed.launch_plan), str(parsed.name)
    prefix = f"bf-{name[:30]}-"
    filters = (f"eq(launch_plan.name,{filter_value(launch_plan, 'launch plan name')})"
               f"+contains(execution_name,{filter_value(prefix, 'backfill name')})")
    executions = paginate(client, "ListExecutions", lambda token: common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain), limit=PAGE_SIZE, token=token,
        filters=filters, sort_by=common_pb2.Sort(key="execution_name", direction=common_pb2.Sort.ASCENDING)),
        "executions", target=address)
    # The prefix filter also matches other backfills whose names extend this one (q1 vs q1-2024): keep
    # only names of exactly this backfill's shape.
    return Resource(address, {"runs": own_runs(executions, project, domain, launch_plan, run_name_pattern(address))})


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
                         kickoff: str, inputs: dict[str, Any], labels: dict[str, str],
                         annotations: dict[str, str] | None = None) -> None:
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
            labels=common_pb2.Labels(values=labels), annotations=common_pb2.Annotations(values=annotations or {}))
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
