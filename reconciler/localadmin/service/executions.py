"""Executions of the embedded admin: Create, Get, List, Terminate, Relaunch, Recover, GetExecutionData and
UpdateExecution, as flyteadmin v1.16.8 answers them (flyteadmin-behaviour.md §6), with a simulated lifecycle
(``lifecycle.py``) in place of propeller: UNDEFINED → QUEUED → RUNNING → SUCCEEDED/FAILED on a configurable
clock, Terminate → ABORTING → ABORTED.

CreateExecution validates in flyteadmin's order (project, domain, name, project state, spec, launch-plan id,
resource type, inputs), loads the launch plan (its ACTIVE state does not matter), computes the inputs against
``closure.expected_inputs`` (``execution_inputs.py``), keeps ``metadata.mode``/``scheduled_at`` as sent, sets
the principal to "" (auth is off), resolves max parallelism / security context / labels (request > launch plan
> WORKFLOW_EXECUTION_CONFIG attribute > platform default; labels: the request's, else the launch plan's) and
stores phase UNDEFINED with a phase plan (FAILED with a SYSTEM error under the ``no_cluster`` testing aid).

Deliberate differences from flyteadmin:
- A duplicate execution name answers ALREADY_EXISTS ``value with matching already exists (duplicate key value
  violates unique constraint "executions_pkey")`` *without* touching the existing execution. flyteadmin first
  overwrites the stored inputs of the existing execution, then fails on the insert (a data-loss bug).
- Phases advance without propeller (see lifecycle.py); Terminate's ABORTING ends in ABORTED by itself.
- GetExecutionData returns the literal maps inline (``full_inputs``/``full_outputs``); there is no blob
  store, so the ``inputs``/``outputs`` URL blobs are empty. Successful executions have empty outputs.
- A cluster-assignment or concurrency policy in the request or launch plan is stored but not enforced.
- ListNodeExecutions always answers an empty list (node executions exist only through propeller events).

This module never talks to a cluster or blob store and never reads ``org``.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

import grpc
from flyteidl.admin import common_pb2, event_pb2, execution_pb2, node_execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2

from reconciler.localadmin.executions import flytegen, lifecycle
from reconciler.localadmin.executions import targets as execution_targets
from reconciler.localadmin.executions.inputs import compute_inputs, go_text, validate_literal_map
from reconciler.localadmin.executions.listing import list_executions
from reconciler.localadmin.service import entities, filters, projects
from reconciler.localadmin.service.attributes import WORKFLOW_EXECUTION_CONFIG, effective_attributes
from reconciler.localadmin.service.status import AdminStatusError
from reconciler.localadmin.store import executions as store

SCHEMA = store.SCHEMA

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.String's alphabet (FA/common/executions.go)
MAX_NAME_LENGTH = 63
DEFAULT_MAX_PARALLELISM = 25
Mode = execution_pb2.ExecutionMetadata.ExecutionMode
ACTIVE = execution_pb2.ExecutionState.Value("EXECUTION_ACTIVE")
ARCHIVED = execution_pb2.ExecutionState.Value("EXECUTION_ARCHIVED")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz-0123456789")


def _invalid(message: str) -> AdminStatusError:
    return AdminStatusError(grpc.StatusCode.INVALID_ARGUMENT, message)


def generate_name() -> str:
    """flyteadmin's generated execution name: "a" + 19 random characters, 20 in all."""
    return "a" + "".join(secrets.choice(NAME_ALPHABET) for _ in range(19))


def check_name(name: str) -> None:
    lowered = name.lower()
    if len(lowered) > MAX_NAME_LENGTH:
        raise _invalid(f"size of name exceeded length {MAX_NAME_LENGTH} : {lowered}")
    if not (lowered[:1].isascii() and lowered[:1].isalpha()) or not set(lowered) <= _NAME_CHARS:
        raise _invalid(f"invalid name format: {lowered}, does not match regex '^[a-z][a-z\\-0-9]*$'")


def _check_identifier(ident: identifier_pb2.Identifier | None) -> None:
    """ValidateIdentifierFieldsSet."""
    if ident is None:
        raise _invalid("missing id")
    for field in ("project", "domain", "name", "version"):
        if not getattr(ident, field):
            raise _invalid(f"missing {field}")


def check_execution_id(ident: identifier_pb2.WorkflowExecutionIdentifier | None) -> None:
    if ident is None:
        raise _invalid("missing id")
    for field in ("project", "domain", "name"):
        if not getattr(ident, field):
            raise _invalid(f"missing {field}")


def _missing_execution(ident: identifier_pb2.WorkflowExecutionIdentifier) -> AdminStatusError:
    return AdminStatusError(grpc.StatusCode.NOT_FOUND,
                            f"missing entity of type execution with identifier {go_text(ident)}")


class ExecutionsMixin:
    """The execution RPCs of the AdminService (mixed into the servicer)."""

    db: Any
    config: Any

    # --- clock and settings --------------------------------------------------------------------------------
    def _lifecycle(self) -> lifecycle.LifecycleSettings:
        settings = getattr(self.config, "lifecycle", None)
        if isinstance(settings, lifecycle.LifecycleSettings):
            return settings
        return lifecycle.LifecycleSettings()

    def _now(self) -> float:
        clock = getattr(self.config, "clock", None)
        return float(clock()) if callable(clock) else time.time()

    # --- create -----------------------------------------------------------------------------------
    def CreateExecution(self, request: execution_pb2.ExecutionCreateRequest,
                        context: grpc.ServicerContext) -> execution_pb2.ExecutionCreateResponse:
        inputs = request.inputs if len(request.inputs.literals) else request.spec.inputs
        self._single_task_entities(request)
        with self.db.write() as conn:
            ident = self._create(conn, request, inputs, source_row=None)
        return execution_pb2.ExecutionCreateResponse(id=ident)

    def _single_task_entities(self, request: execution_pb2.ExecutionCreateRequest) -> None:
        """For a task launch in an active project, the ``.flytegen`` workflow and launch plan (flytegen.py)."""
        reference = request.spec.launch_plan
        if reference.resource_type != identifier_pb2.TASK or not request.project or not request.domain:
            return
        with self.db.read() as conn:
            try:
                projects.validate_project_and_domain(conn, request.project, request.domain)
                task = entities.load_task(conn, reference)
            except AdminStatusError:
                return  # _create answers with flyteadmin's error for this request
        flytegen.ensure(self, task)

    def _create(self, conn: sqlite3.Connection, request: execution_pb2.ExecutionCreateRequest,
                user_inputs: literals_pb2.LiteralMap,
                source_row: int | None) -> identifier_pb2.WorkflowExecutionIdentifier:
        # §6.1, in flyteadmin's order.
        if not request.project:
            raise _invalid("missing project")
        if not request.domain:
            raise _invalid("missing domain")
        if request.name:
            check_name(request.name)
        projects.validate_project_and_domain(conn, request.project, request.domain)
        if not request.HasField("spec"):
            raise _invalid("missing spec")
        _check_identifier(request.spec.launch_plan if request.spec.HasField("launch_plan") else None)
        reference = request.spec.launch_plan
        if reference.resource_type not in (identifier_pb2.LAUNCH_PLAN, identifier_pb2.TASK):
            kind = identifier_pb2.ResourceType.Name(reference.resource_type)
            raise _invalid(f"Invalid reference entity resource type [{kind}],"
                           " only [map[TASK:<nil> LAUNCH_PLAN:<nil>]] allowed")
        validate_literal_map(user_inputs, "inputs")
        projects.validate_labels(request.spec.labels.values)

        target = execution_targets.resolve(conn, reference)
        computed = compute_inputs(user_inputs, target.fixed_inputs, target.expected_inputs)
        name = request.name or generate_name()
        ident = identifier_pb2.WorkflowExecutionIdentifier(project=request.project, domain=request.domain,
                                                           name=name)
        spec = self._stored_spec(conn, request, target)
        # flyteadmin writes the label rows first, outside any transaction (§0.4): on a duplicate name
        # they stay behind and the execution insert then fails.
        store.insert_tags(conn, ident, request.spec.labels.values, request.spec.tags)
        if store.load(conn, request.project, request.domain, name) is not None:
            # Keep the tag rows although the call fails (they were never in flyteadmin's transaction);
            # no other side effect on the existing execution (see the module docstring).
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            raise AdminStatusError(grpc.StatusCode.ALREADY_EXISTS,
                                   "value with matching already exists (duplicate key value violates unique "
                                   'constraint "executions_pkey")')
        now = self._now()
        plan = lifecycle.make_plan(self._lifecycle(), created_at=now, project=request.project,
                                   domain=request.domain, name=name, labels=dict(spec.labels.values),
                                   mode=spec.metadata.mode)
        closure = execution_pb2.ExecutionClosure(phase=lifecycle.UNDEFINED, workflow_id=target.workflow_id)
        stamp = store.micros(now)
        closure.created_at.FromMicroseconds(stamp)
        closure.updated_at.FromMicroseconds(stamp)
        closure.state_change_details.state = ACTIVE
        closure.state_change_details.occurred_at.FromMicroseconds(stamp)
        if getattr(self.config, "no_cluster", False):
            plan = lifecycle.failed_at_creation(now)
            closure.phase = lifecycle.FAILED  # type: ignore[assignment]
            closure.error.CopyFrom(no_cluster_error(request.project, request.domain))
        store.insert(conn, execution_id=ident, spec=spec, closure=closure, inputs=computed,
                     user_inputs=user_inputs, plan=plan, launch_entity=target.launch_entity,
                     workflow_id=target.workflow_id, source_execution_id=source_row,
                     launch_plan_row=target.launch_plan_row, workflow_row=target.workflow_row,
                     task_row=target.task_row)
        return ident

    def _stored_spec(self, conn: sqlite3.Connection, request: execution_pb2.ExecutionCreateRequest,
                     target: execution_targets.LaunchTarget) -> execution_pb2.ExecutionSpec:
        spec = execution_pb2.ExecutionSpec()
        spec.CopyFrom(request.spec)
        spec.metadata.principal = ""  # auth is off: flyteadmin writes the (empty) authenticated user id
        spec.metadata.system_metadata.namespace = f"{request.project}-{request.domain}"
        lp_spec = target.spec
        config = effective_attributes(conn, request.project, request.domain, target.workflow_id.name,
                                      WORKFLOW_EXECUTION_CONFIG)
        wec = config.workflow_execution_config if config is not None else None
        spec.max_parallelism = (spec.max_parallelism or lp_spec.max_parallelism
                                or (wec.max_parallelism if wec else 0) or DEFAULT_MAX_PARALLELISM)
        if not _has_run_as(spec.security_context):
            for candidate in (lp_spec.security_context, wec.security_context if wec else None):
                if candidate is not None and _has_run_as(candidate):
                    spec.security_context.CopyFrom(candidate)
                    break
        spec.security_context.run_as.SetInParent()  # stored as `run_as: {}` when nothing resolved (§11)
        if not spec.labels.values:
            # The request's labels replace the launch plan's (no merge); project labels go only to the
            # object sent to the cluster, never into the stored spec (behaviour §11).
            spec.labels.values.update(lp_spec.labels.values)
        if not spec.annotations.values:
            spec.annotations.values.update(lp_spec.annotations.values
                                           or (wec.annotations.values if wec else {}))
        # resolveStringMap: the configured limits apply to the resolved maps (0: unlimited).
        for what, values, limit in (("labels", spec.labels.values, getattr(self.config, "max_label_entries", 0)),
                                    ("annotations", spec.annotations.values,
                                     getattr(self.config, "max_annotation_entries", 0))):
            if limit and len(values) > limit:
                raise _invalid(f"{what} has too many entries [{len(values)} > {limit}]")
        if not spec.raw_output_data_config.output_location_prefix:
            prefix = lp_spec.raw_output_data_config.output_location_prefix or (
                wec.raw_output_data_config.output_location_prefix if wec else "")
            if prefix:
                spec.raw_output_data_config.output_location_prefix = prefix
        return spec

    # --- read -------------------------------------------------------------------------------------
    def _current(self, conn: sqlite3.Connection,
                 ident: identifier_pb2.WorkflowExecutionIdentifier) -> sqlite3.Row:
        row = store.load(conn, ident.project, ident.domain, ident.name)
        if row is None:
            raise _missing_execution(ident)
        return store.refresh(conn, row, self._now(), self._lifecycle())

    def _read_current(self, ident: identifier_pb2.WorkflowExecutionIdentifier) -> sqlite3.Row:
        """The row with its phase up to date; takes the write lock only when the phase moved."""
        with self.db.read() as conn:
            row = store.load(conn, ident.project, ident.domain, ident.name)
        if row is None:
            raise _missing_execution(ident)
        if lifecycle.phase_name(store.observe(row, self._now(), self._lifecycle()).phase) == row["phase"]:
            return row
        with self.db.write() as conn:
            return self._current(conn, ident)

    def GetExecution(self, request: execution_pb2.WorkflowExecutionGetRequest,
                     context: grpc.ServicerContext) -> execution_pb2.Execution:
        check_execution_id(request.id if request.HasField("id") else None)
        return store.to_execution(self._read_current(request.id))

    def ListExecutions(self, request: common_pb2.ResourceListRequest,
                       context: grpc.ServicerContext) -> execution_pb2.ExecutionList:
        if not request.id.project:
            raise _invalid("missing project")
        if not request.id.domain:
            raise _invalid("missing domain")
        if request.limit <= 0:
            raise _invalid("invalid value for limit")
        with self.db.write() as conn:
            store.refresh_scope(conn, request.id.project, request.id.domain, self._now(), self._lifecycle())
            rows, token = list_executions(conn, request)
        executions = []
        for row in rows:
            execution = store.to_execution(row)
            execution.spec.ClearField("inputs")  # as flyteadmin's list transformer does
            execution.closure.ClearField("computed_inputs")
            if execution.closure.HasField("error"):
                execution.closure.error.message = execution.closure.error.message.encode()[:100].decode(
                    errors="ignore")
            executions.append(execution)
        return execution_pb2.ExecutionList(executions=executions, token=token)

    def GetExecutionData(self, request: execution_pb2.WorkflowExecutionGetDataRequest,
                         context: grpc.ServicerContext) -> execution_pb2.WorkflowExecutionGetDataResponse:
        check_execution_id(request.id if request.HasField("id") else None)
        row = self._read_current(request.id)
        response = execution_pb2.WorkflowExecutionGetDataResponse()
        response.full_inputs.ParseFromString(row["inputs"])
        if row["phase"] == lifecycle.phase_name(lifecycle.SUCCEEDED):
            response.full_outputs.SetInParent()
        return response

    def ListNodeExecutions(self, request: node_execution_pb2.NodeExecutionListRequest,
                           context: grpc.ServicerContext) -> node_execution_pb2.NodeExecutionList:
        """Node executions come only from propeller's events, and there is no propeller: always empty (as
        real Flyte Admin answers before propeller reported anything). flytekit's ``wait`` lists them."""
        has_id = request.HasField("workflow_execution_id")
        check_execution_id(request.workflow_execution_id if has_id else None)
        if request.limit <= 0:
            raise _invalid("invalid value for limit")
        filters.parse_token(request.token, "ListNodeExecutions")
        return node_execution_pb2.NodeExecutionList()

    # --- change -----------------------------------------------------------------------------------
    def TerminateExecution(self, request: execution_pb2.ExecutionTerminateRequest,
                           context: grpc.ServicerContext) -> execution_pb2.ExecutionTerminateResponse:
        check_execution_id(request.id if request.HasField("id") else None)
        with self.db.write() as conn:
            row = self._current(conn, request.id)
            phase = lifecycle.Phase.Value(row["phase"])
            if phase in lifecycle.TERMINAL_PHASES:
                reason = event_pb2.EventFailureReason(
                    already_in_terminal_state=event_pb2.EventErrorAlreadyInTerminalState(current_phase=row["phase"]))
                raise AdminStatusError(grpc.StatusCode.FAILED_PRECONDITION,
                                       "Cannot abort an already terminated workflow execution",
                                       details=(reason,))
            now = self._now()
            closure = execution_pb2.ExecutionClosure()
            closure.ParseFromString(row["closure"])
            closure.phase = lifecycle.ABORTING  # type: ignore[assignment]
            closure.updated_at.FromMicroseconds(store.micros(now))
            closure.abort_metadata.cause = request.cause
            closure.abort_metadata.principal = ""
            requested = row["abort_requested"] if row["abort_requested"] is not None else now
            conn.execute(
                "UPDATE executions SET phase = ?, closure = ?, abort_cause = ?, abort_requested = ?,"
                " updated_at = ?, execution_updated_at = ? WHERE id = ?",
                (lifecycle.phase_name(lifecycle.ABORTING), closure.SerializeToString(deterministic=True),
                 request.cause, requested, store.iso(now), store.iso(now), row["id"]))
        return execution_pb2.ExecutionTerminateResponse()

    def UpdateExecution(self, request: execution_pb2.ExecutionUpdateRequest,
                        context: grpc.ServicerContext) -> execution_pb2.ExecutionUpdateResponse:
        check_execution_id(request.id if request.HasField("id") else None)
        if request.state not in (ACTIVE, ARCHIVED):
            raise _invalid("invalid value for state")
        with self.db.write() as conn:
            row = self._current(conn, request.id)
            now = self._now()
            closure = execution_pb2.ExecutionClosure()
            closure.ParseFromString(row["closure"])
            closure.state_change_details.state = request.state
            closure.state_change_details.occurred_at.FromMicroseconds(store.micros(now))
            closure.state_change_details.principal = ""
            conn.execute("UPDATE executions SET state = ?, closure = ? WHERE id = ?",
                         (request.state, closure.SerializeToString(deterministic=True), row["id"]))
        return execution_pb2.ExecutionUpdateResponse()

    def RelaunchExecution(self, request: execution_pb2.ExecutionRelaunchRequest,
                          context: grpc.ServicerContext) -> execution_pb2.ExecutionCreateResponse:
        metadata = execution_pb2.ExecutionMetadata(mode=Mode.Value("RELAUNCH"))
        return self._again(request.id, request.name, metadata, overwrite_cache=request.overwrite_cache)

    def RecoverExecution(self, request: execution_pb2.ExecutionRecoverRequest,
                         context: grpc.ServicerContext) -> execution_pb2.ExecutionCreateResponse:
        metadata = execution_pb2.ExecutionMetadata(mode=Mode.Value("RECOVERED"))
        if request.metadata.HasField("parent_node_execution"):
            metadata.parent_node_execution.CopyFrom(request.metadata.parent_node_execution)
        return self._again(request.id, request.name, metadata, overwrite_cache=None)

    def _again(self, original: identifier_pb2.WorkflowExecutionIdentifier, name: str,
               metadata: execution_pb2.ExecutionMetadata,
               overwrite_cache: bool | None) -> execution_pb2.ExecutionCreateResponse:
        """Relaunch/recover: a new execution from the original's stored spec and user inputs."""
        with self.db.write() as conn:
            row = store.load(conn, original.project, original.domain, original.name)
            if row is None:
                raise _missing_execution(original)
            spec = execution_pb2.ExecutionSpec()
            spec.ParseFromString(row["spec"])
            metadata.reference_execution.CopyFrom(original)
            spec.metadata.CopyFrom(metadata)
            if overwrite_cache is not None:
                spec.overwrite_cache = overwrite_cache
            user_inputs = literals_pb2.LiteralMap()
            user_inputs.ParseFromString(row["user_inputs"])
            request = execution_pb2.ExecutionCreateRequest(project=original.project, domain=original.domain,
                                                           name=name, spec=spec, inputs=user_inputs)
            ident = self._create(conn, request, user_inputs, source_row=row["id"])
        return execution_pb2.ExecutionCreateResponse(id=ident)


def no_cluster_error(project: str, domain: str) -> Any:
    """The closure.error flyteadmin stores when it cannot create the workflow on its cluster (§6.2 step 9)."""
    from flyteidl.core import execution_pb2 as core_execution_pb2

    return core_execution_pb2.ExecutionError(
        code="Internal", kind=core_execution_pb2.ExecutionError.SYSTEM,
        message=f'failed to create workflow in propeller namespaces "{project}-{domain}" not found')


def _has_run_as(context: Any) -> bool:
    run_as = context.run_as
    return bool(run_as.k8s_service_account or run_as.iam_role or run_as.execution_identity)

