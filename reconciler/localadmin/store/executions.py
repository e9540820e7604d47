"""SQLite storage of executions for the embedded admin, and the lazy lifecycle refresh.

The ``executions`` table uses flyteadmin's column names (``execution_project``, ``execution_name``,
``phase`` as the enum name, ``mode`` and ``state`` as ints, ``execution_created_at``…) so that list filters
written for real Flyte Admin work unchanged. Labels are stored as ``execution_tags`` (key, value), as
flyteadmin does, for ``execution_tag.key|value`` filters (from the request's labels and tags only).
Private columns (``plan_*``, ``abort_requested``, ``inputs``/``user_inputs`` as serialized literal maps)
hold what a cluster would otherwise own.

``refresh`` applies ``lifecycle.observe`` to a row at ``now`` and persists a phase change into the row and
its closure, so reads, lists and phase filters all see the same, monotonic phase.
This module never validates requests and never raises gRPC errors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2

from reconciler.localadmin.executions import lifecycle

SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    execution_project TEXT NOT NULL,
    execution_domain TEXT NOT NULL,
    execution_name TEXT NOT NULL,
    launch_plan_id INTEGER,
    workflow_id INTEGER,
    task_id INTEGER,
    phase TEXT NOT NULL,
    closure BLOB NOT NULL,
    spec BLOB NOT NULL,
    started_at TEXT,
    execution_created_at TEXT NOT NULL,
    execution_updated_at TEXT NOT NULL,
    duration REAL NOT NULL DEFAULT 0,
    abort_cause TEXT NOT NULL DEFAULT '',
    mode INTEGER NOT NULL DEFAULT 0,
    source_execution_id INTEGER,
    parent_node_execution_id INTEGER,
    cluster TEXT NOT NULL DEFAULT '',
    inputs_uri TEXT NOT NULL DEFAULT '',
    user_inputs_uri TEXT NOT NULL DEFAULT '',
    error_kind TEXT,
    error_code TEXT,
    user TEXT NOT NULL DEFAULT '',
    state INTEGER NOT NULL DEFAULT 0,
    launch_entity TEXT NOT NULL DEFAULT 'launch_plan',
    lp_project TEXT NOT NULL DEFAULT '',
    lp_domain TEXT NOT NULL DEFAULT '',
    lp_name TEXT NOT NULL DEFAULT '',
    lp_version TEXT NOT NULL DEFAULT '',
    wf_project TEXT NOT NULL DEFAULT '',
    wf_domain TEXT NOT NULL DEFAULT '',
    wf_name TEXT NOT NULL DEFAULT '',
    wf_version TEXT NOT NULL DEFAULT '',
    inputs BLOB NOT NULL,
    user_inputs BLOB NOT NULL,
    plan_created REAL NOT NULL,
    plan_queued REAL NOT NULL,
    plan_running REAL NOT NULL,
    plan_ends REAL NOT NULL,
    plan_outcome INTEGER NOT NULL,
    abort_requested REAL,
    UNIQUE (execution_project, execution_domain, execution_name)
);
CREATE INDEX IF NOT EXISTS executions_scope_phase ON executions (execution_project, execution_domain, phase);
CREATE TABLE IF NOT EXISTS execution_tags (
    execution_project TEXT NOT NULL,
    execution_domain TEXT NOT NULL,
    execution_name TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (execution_project, execution_domain, execution_name, key)
);
"""

_INSERT_COLUMNS = (
    "created_at", "updated_at", "execution_project", "execution_domain", "execution_name", "launch_plan_id",
    "workflow_id", "task_id", "phase", "closure", "spec", "execution_created_at", "execution_updated_at",
    "mode", "source_execution_id", "cluster", "state", "launch_entity", "lp_project", "lp_domain", "lp_name",
    "lp_version", "wf_project", "wf_domain", "wf_name", "wf_version", "inputs", "user_inputs", "plan_created",
    "plan_queued", "plan_running", "plan_ends", "plan_outcome", "error_kind", "error_code")
_INSERT_MARKS = ", ".join("?" * len(_INSERT_COLUMNS))
_TERMINAL_NAMES = tuple(lifecycle.phase_name(p) for p in sorted(lifecycle.TERMINAL_PHASES))
SIMULATED_ERROR_CODE = "SimulatedFailure"


def micros(ts: float) -> int:
    """Epoch microseconds: Postgres keeps timestamps to the microsecond, so Admin's answers never carry more."""
    return round(ts * 1_000_000)


def iso(ts: float) -> str:
    """Timestamps in text columns: RFC 3339 UTC with microseconds, so string order is time order."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_blob(blob: bytes, message: type) -> object:
    value = message()
    value.ParseFromString(blob)
    return value


def insert(conn: sqlite3.Connection, *, execution_id: identifier_pb2.WorkflowExecutionIdentifier,
           spec: execution_pb2.ExecutionSpec, closure: execution_pb2.ExecutionClosure,
           inputs: literals_pb2.LiteralMap, user_inputs: literals_pb2.LiteralMap, plan: lifecycle.PhasePlan,
           launch_entity: str, workflow_id: identifier_pb2.Identifier,
           source_execution_id: int | None, launch_plan_row: int | None, workflow_row: int | None,
           task_row: int | None) -> None:
    created = iso(plan.created_at)
    lp = spec.launch_plan
    conn.execute(
        f"INSERT INTO executions ({', '.join(_INSERT_COLUMNS)}) VALUES ({_INSERT_MARKS})",
        (created, created, execution_id.project, execution_id.domain, execution_id.name,
         launch_plan_row, workflow_row, task_row, lifecycle.phase_name(closure.phase),
         closure.SerializeToString(deterministic=True), spec.SerializeToString(deterministic=True),
         created, created, spec.metadata.mode, source_execution_id,
         spec.metadata.system_metadata.execution_cluster,
         closure.state_change_details.state, launch_entity, lp.project, lp.domain, lp.name, lp.version,
         workflow_id.project, workflow_id.domain, workflow_id.name, workflow_id.version,
         inputs.SerializeToString(deterministic=True), user_inputs.SerializeToString(deterministic=True),
         plan.created_at, plan.queued_at, plan.running_at, plan.ends_at, plan.outcome,
         core_execution_pb2.ExecutionError.ErrorKind.Name(closure.error.kind) if closure.HasField("error") else None,
         closure.error.code if closure.HasField("error") else None))


def insert_tags(conn: sqlite3.Connection, execution_id: identifier_pb2.WorkflowExecutionIdentifier,
                labels: Mapping[str, str], tags: Sequence[str]) -> None:
    """The filterable label rows of a new execution: one per request label ``key=value`` and one per
    deprecated ``spec.tags`` entry (empty value); never the launch plan's or project's labels.

    Written before the execution row, as flyteadmin does outside its transaction: a create that then
    fails ALREADY_EXISTS leaves them behind. One INSERT statement in flyteadmin, so all or nothing:
    if any row exists already (the same key on the same execution id), none is written.
    """
    rows = dict.fromkeys(tags, "") | dict(labels)
    if not rows:
        return
    keys = sorted(rows)
    marks = ", ".join("?" for _ in keys)
    taken = conn.execute(
        f"SELECT 1 FROM execution_tags WHERE execution_project = ? AND execution_domain = ? AND execution_name = ?"
        f" AND key IN ({marks}) LIMIT 1", (execution_id.project, execution_id.domain, execution_id.name, *keys),
    ).fetchone()
    if taken is not None:
        return
    conn.executemany(
        "INSERT INTO execution_tags (execution_project, execution_domain, execution_name, key, value)"
        " VALUES (?, ?, ?, ?, ?)",
        [(execution_id.project, execution_id.domain, execution_id.name, k, rows[k]) for k in keys])


def load(conn: sqlite3.Connection, project: str, domain: str, name: str) -> sqlite3.Row | None:
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM executions WHERE execution_project = ? AND execution_domain = ?"
        " AND execution_name = ?",
        (project, domain, name)).fetchone()


def plan_of(row: sqlite3.Row) -> lifecycle.PhasePlan:
    return lifecycle.PhasePlan(created_at=row["plan_created"], queued_at=row["plan_queued"],
                               running_at=row["plan_running"], ends_at=row["plan_ends"],
                               outcome=row["plan_outcome"])


def observe(row: sqlite3.Row, now: float, settings: lifecycle.LifecycleSettings) -> lifecycle.Observed:
    return lifecycle.observe(plan_of(row), now, abort_requested_at=row["abort_requested"],
                             abort_after_s=settings.abort_after_s)


def refresh(conn: sqlite3.Connection, row: sqlite3.Row, now: float,
            settings: lifecycle.LifecycleSettings) -> sqlite3.Row:
    """Persist the phase the lifecycle says ``row`` is in at ``now``; return the current row."""
    seen = observe(row, now, settings)
    if lifecycle.phase_name(seen.phase) == row["phase"]:
        return row
    closure = parse_blob(row["closure"], execution_pb2.ExecutionClosure)
    assert isinstance(closure, execution_pb2.ExecutionClosure)
    closure.phase = seen.phase  # type: ignore[assignment]
    closure.updated_at.FromMicroseconds(micros(seen.since))
    started = None
    if seen.started_at is not None:
        closure.started_at.FromMicroseconds(micros(seen.started_at))
        started = iso(seen.started_at)
    duration = 0.0
    if seen.ended_at is not None and seen.started_at is not None:
        duration = seen.ended_at - seen.started_at
        closure.duration.FromMicroseconds(micros(seen.ended_at) - micros(seen.started_at))
    error_kind = error_code = None
    if seen.phase == lifecycle.FAILED:
        closure.error.CopyFrom(core_execution_pb2.ExecutionError(
            code=SIMULATED_ERROR_CODE, kind=core_execution_pb2.ExecutionError.USER,
            message="simulated failure (the embedded admin's failure rule matched this execution)"))
        error_kind, error_code = "USER", SIMULATED_ERROR_CODE
    conn.execute(
        "UPDATE executions SET phase = ?, closure = ?, started_at = ?, duration = ?, error_kind = ?,"
        " error_code = ?, updated_at = ?, execution_updated_at = ? WHERE id = ?",
        (lifecycle.phase_name(seen.phase), closure.SerializeToString(deterministic=True), started, duration,
         error_kind, error_code, iso(seen.since), iso(seen.since), row["id"]))
    return conn.execute("SELECT * FROM executions WHERE id = ?", (row["id"],)).fetchone()  # type: ignore[no-any-return]


def refresh_scope(conn: sqlite3.Connection, project: str, domain: str, now: float,
                  settings: lifecycle.LifecycleSettings) -> None:
    """Bring every non-terminal execution of a project/domain up to date (before a filtered list)."""
    marks = ", ".join("?" for _ in _TERMINAL_NAMES)
    rows = conn.execute(
        f"SELECT * FROM executions WHERE execution_project = ? AND execution_domain = ?"
        f" AND phase NOT IN ({marks})",
        (project, domain, *_TERMINAL_NAMES)).fetchall()
    for row in rows:
        refresh(conn, row, now, settings)


def to_execution(row: sqlite3.Row) -> execution_pb2.Execution:
    execution = execution_pb2.Execution(id=identifier_pb2.WorkflowExecutionIdentifier(
        project=row["execution_project"], domain=row["execution_domain"], name=row["execution_name"]))
    execution.spec.ParseFromString(row["spec"])
    execution.closure.ParseFromString(row["closure"])
    return execution
