"""Launch plans of the embedded admin (behaviour §3): create with flyteadmin's validation order and
input augmentation, activation as one transaction, active lookups and lists.

Helper for other mixins: ``load_launch_plan(conn, identifier)`` (NOT_FOUND when missing).
"""

from __future__ import annotations

import sqlite3

import grpc
from flyteidl.admin import common_pb2, launch_plan_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from reconciler.localadmin.executions.inputs import castable, go_text, literal_type_of
from reconciler.localadmin.service import entities, filters, projects, schedules, workflow_compile
from reconciler.localadmin.service.status import AdminStatusError, already_exists, invalid, not_found
from reconciler.localadmin.store.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS launch_plans (
    project TEXT, domain TEXT, name TEXT, version TEXT, blob BLOB NOT NULL, state INTEGER NOT NULL DEFAULT 0,
    digest TEXT NOT NULL, schedule_type TEXT NOT NULL, launch_condition_type TEXT,
    wf_project TEXT, wf_domain TEXT, wf_name TEXT, wf_version TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (project, domain, name, version));
CREATE INDEX IF NOT EXISTS launch_plans_active ON launch_plans (project, domain, state);
"""

LP_COLUMNS: dict[str, str | filters.Column] = {
              "id": "lp.rowid", "created_at": filters.Column("lp.created_at", timestamp=True),
              "updated_at": filters.Column("lp.updated_at", timestamp=True), "deleted_at": "NULL",
              "project": "lp.project", "domain": "lp.domain", "name": "lp.name", "version": "lp.version",
              "spec": "lp.blob", "workflow_id": "w.rowid", "closure": "lp.blob", "state": "lp.state",
              "digest": "lp.digest", "schedule_type": "lp.schedule_type",
              "launch_condition_type": "lp.launch_condition_type"}
# The joined workflow's columns for ``workflow.<col>`` filters.
WF_COLUMNS: dict[str, str | filters.Column] = {
    k: ("NULL" if v == "NULL" else
        filters.Column(f"w.{v.sql}", v.timestamp) if isinstance(v, filters.Column) else f"w.{v}")
    for k, v in entities.WORKFLOW_COLUMNS.items()}
# Plain (unprefixed) columns for the calls that read launch_plans without the workflow join.
_PLAIN_COLUMNS = {k: (filters.Column(v.sql[3:], v.timestamp) if isinstance(v, filters.Column) else
                      v.replace("lp.", "")) for k, v in LP_COLUMNS.items() if k != "workflow_id"}


_timestamp = entities.timestamp
_key = entities.key


def _from_row(row: sqlite3.Row) -> launch_plan_pb2.LaunchPlan:
    plan = launch_plan_pb2.LaunchPlan.FromString(row["blob"])
    plan.closure.state = row["state"]
    plan.closure.updated_at.CopyFrom(_timestamp(row["updated_at"]))
    return plan


def load_launch_plan(conn: sqlite3.Connection, ident: identifier_pb2.Identifier, partial: bool = False
                     ) -> launch_plan_pb2.LaunchPlan:
    """The stored launch plan by full id (NOT_FOUND when missing). ``partial`` reproduces the GORM lookup
    of UpdateLaunchPlan(ACTIVE): empty id fields match anything."""
    if partial:
        where, args = entities._partial_key(ident)
        row = conn.execute(f"SELECT * FROM launch_plans{where} ORDER BY rowid LIMIT 1", args).fetchone()
    else:
        row = conn.execute("SELECT * FROM launch_plans WHERE project=? AND domain=? AND name=? AND version=?",
                           _key(ident)).fetchone()
    if row is None:
        full = identifier_pb2.Identifier()
        full.CopyFrom(ident)
        full.resource_type = identifier_pb2.LAUNCH_PLAN
        raise entities.missing_entity("LAUNCH_PLAN", full)
    return _from_row(row)


def validate_cron(expression: str) -> None:
    if (error := schedules.cron_error(expression)) is not None:
        if schedules.panics(error):
            raise AdminStatusError(grpc.StatusCode.INTERNAL, "")
        raise invalid(f"Invalid cron expression: {error}")


def _is_datetime(var_type: types_pb2.LiteralType) -> bool:
    return var_type.WhichOneof("type") == "simple" and var_type.simple == types_pb2.DATETIME


def _validate_notifications(spec: launch_plan_pb2.LaunchPlanSpec) -> None:
    for note in spec.entity_metadata.notifications:
        target = note.WhichOneof("type")
        if target is None:
            raise invalid("invalid value for notification type")
        recipients = getattr(note, target).recipients_email
        if not recipients:
            raise invalid("missing recipients")
        if any(not r for r in recipients):
            raise invalid("missing recipient")
        for phase in note.phases:
            if phase not in (4, 6, 8, 7):  # SUCCEEDED, FAILED, TIMED_OUT, ABORTED
                raise invalid("invalid value for phase")
    if spec.entity_metadata.HasField("launch_conditions"):
        raise invalid("Launch condition must be empty, found launch_conditions")


def _validate_fixed_inputs(fixed: literals_pb2.LiteralMap) -> None:
    """validateLiteralMap(fixed_inputs); like flyteadmin it stops after the first datetime literal."""
    for name, literal in fixed.literals.items():
        if not name:
            raise invalid("missing key in fixed_inputs")
        if literal.WhichOneof("value") is None:
            raise invalid(f"missing valid literal in fixed_inputs {name}")
        if literal.WhichOneof("value") == "scalar" and literal.scalar.primitive.WhichOneof("value") == "datetime":
            _validate_datetime(literal.scalar.primitive.datetime)
            return


def _validate_datetime(stamp: Timestamp) -> None:
    # google.protobuf.Timestamp.CheckValid: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z
    if stamp.seconds < -62135596800:
        raise invalid(f"timestamp (seconds:{stamp.seconds} nanos:{stamp.nanos}) before 0001-01-01")
    if stamp.seconds > 253402300799:
        raise invalid(f"timestamp (seconds:{stamp.seconds} nanos:{stamp.nanos}) after 9999-12-31")
    if not 0 <= stamp.nanos < 1_000_000_000:
        raise invalid(f"timestamp (seconds:{stamp.seconds} nanos:{stamp.nanos}) has out-of-range nanos")


def _validate_default_inputs(defaults: interface_pb2.ParameterMap) -> None:
    """validateParameterMapDisableArtifacts(default_inputs) (the artifacts feature gate is off)."""
    for name, param in defaults.parameters.items():
        if param.HasField("artifact_query"):
            raise invalid(f"artifact mode not enabled but query found default_inputs {name}")
    for name, param in defaults.parameters.items():
        if not name:
            raise invalid("missing key in default_inputs")
        if not param.HasField("var") or not param.var.HasField("type"):
            raise invalid(f"The Variable component of the Parameter {name} in default_inputs either is missing, "
                          "or has a missing Type")
        if not param.HasField("default") and not param.required:
            raise invalid(f"Invalid variable {name} in default_inputs - variable has neither default, nor is "
                          "required. One must be specified")
        if param.HasField("default"):
            inferred = literal_type_of(param.default)
            if not castable(inferred, param.var.type):
                raise invalid(f"Type mismatch for Parameter {name} in default_inputs has type "
                              f"{go_text(param.var.type)}, expected {go_text(inferred)}")
            if _is_datetime(param.var.type):
                _validate_datetime(param.default.scalar.primitive.datetime)
                return


def _expected_inputs(spec: launch_plan_pb2.LaunchPlanSpec, wf_inputs: interface_pb2.VariableMap
                     ) -> interface_pb2.ParameterMap:
    """Validate default/fixed inputs against the workflow interface and augment unbound inputs (§3.1 d-f)."""
    _validate_fixed_inputs(spec.fixed_inputs)
    _validate_default_inputs(spec.default_inputs)
    variables = wf_inputs.variables
    if not variables:
        if spec.default_inputs.parameters:
            raise invalid(f"invalid launch plan default inputs, expected none but found "
                          f"{len(spec.default_inputs.parameters)}")
        if spec.fixed_inputs.literals:
            count = len(spec.fixed_inputs.literals)
            raise invalid(f"invalid launch plan fixed inputs, expected none but found {count}")
    expected = interface_pb2.ParameterMap()
    for name, param in spec.default_inputs.parameters.items():
        if name not in variables:
            raise invalid(f"unexpected default_input {name}")
        if not castable(param.var.type, variables[name].type):
            raise invalid(f"invalid default_input wrong type {name}, expected {go_text(param.var.type)}, got "
                          f"{go_text(variables[name].type)} instead")
        expected.parameters[name].CopyFrom(param)
    for name, literal in spec.fixed_inputs.literals.items():
        if name not in variables:
            raise invalid(f"unexpected fixed_input {name}")
        inferred = literal_type_of(literal)
        if not castable(inferred, variables[name].type):
            raise invalid(f"invalid fixed_input wrong type {name}, expected {go_text(variables[name].type)}, got "
                          f"{go_text(inferred)} instead")
    for name, var in variables.items():
        if name not in spec.default_inputs.parameters and name not in spec.fixed_inputs.literals:
            expected.parameters[name].CopyFrom(interface_pb2.Parameter(
                var=interface_pb2.Variable(type=var.type, description=var.description), required=True))
    return expected


def _validate_schedule(spec: launch_plan_pb2.LaunchPlanSpec, expected: interface_pb2.ParameterMap) -> str:
    """Returns the schedule type column value (CRON | RATE | NONE)."""
    schedule = spec.entity_metadata.schedule
    has = spec.entity_metadata.HasField("schedule") and (
        schedule.cron_expression or schedule.HasField("rate") or schedule.HasField("cron_schedule"))
    if not has:
        return "NONE"
    kickoff = schedule.kickoff_time_input_arg
    for name, param in expected.parameters.items():
        if param.required and name != kickoff:
            raise invalid("Cannot create a launch plan with a schedule if there is an unbound required input. "
                          f"[{name}] is required")
    if kickoff:
        if kickoff not in expected.parameters:
            raise invalid("Cannot create a schedule with a KickoffTimeInputArg that does not point to a free "
                          f"input. [{kickoff}] is not free or does not exist.")
        if not _is_datetime(expected.parameters[kickoff].var.type):
            raise invalid(f"KickoffTimeInputArg must reference a datetime input. [{kickoff}] is a "
                          f"[{expected.parameters[kickoff].var.type}]")
    if schedule.cron_expression:
        validate_cron(schedule.cron_expression)
        return "CRON"
    if schedule.HasField("cron_schedule"):
        if schedule.cron_schedule.schedule:
            validate_cron(schedule.cron_schedule.schedule)
        return "CRON"
    return "RATE"


def _stored(ident: identifier_pb2.Identifier) -> identifier_pb2.Identifier:
    return entities.stored_id(ident, identifier_pb2.LAUNCH_PLAN)


def _page(rows: list[sqlite3.Row], offset: int, limit: int) -> launch_plan_pb2.LaunchPlanList:
    return launch_plan_pb2.LaunchPlanList(launch_plans=[_from_row(r) for r in rows],
                                          token=filters.next_token(offset, len(rows), limit))


class LaunchPlansMixin:
    db: Database
    config: object

    def CreateLaunchPlan(self, request, context):
        spec = request.spec
        if not request.HasField("spec"):
            raise invalid("missing id")  # flyteadmin validates spec.workflow_id first
        entities.validate_identifier(spec.workflow_id, identifier_pb2.WORKFLOW, spec.HasField("workflow_id"))
        with self.db.write() as conn:  # type: ignore[attr-defined]
            workflow = entities.load_workflow(conn, spec.workflow_id)
            entities.validate_identifier(request.id, identifier_pb2.LAUNCH_PLAN, request.HasField("id"))
            projects.validate_project_and_domain(conn, request.id.project, request.id.domain)
            projects.validate_labels(dict(spec.labels.values))
            wf_interface = workflow_compile.sent_interface(conn, workflow)  # flyteadmin's typed_interface column
            expected = _expected_inputs(spec, wf_interface.inputs)
            schedule_type = _validate_schedule(spec, expected)
            spec.default_inputs.CopyFrom(expected)  # flyteadmin stores the augmented map
            if spec.HasField("entity_metadata"):
                _validate_notifications(spec)
            plan = launch_plan_pb2.LaunchPlan(id=request.id, spec=spec, closure=launch_plan_pb2.LaunchPlanClosure(
                expected_inputs=expected, expected_outputs=wf_interface.outputs))
            digest = entities.digest(plan)  # over the request id (org included), as flyteadmin hashes it
            existing = conn.execute("SELECT digest FROM launch_plans WHERE project=? AND domain=? AND name=? AND "
                                    "version=?", _key(request.id)).fetchone()
            if existing is not None:
                if existing["digest"] == digest:
                    raise already_exists("launch plan with identical structure already exists")
                raise invalid(f"{request.id.name} launch plan with different structure already exists. (Please "
                              "register a new version of the launch plan):\n(content differs)")
            now = self.config.clock()  # type: ignore[attr-defined]
            plan.id.CopyFrom(_stored(request.id))
            plan.closure.created_at.CopyFrom(_timestamp(now))
            plan.closure.updated_at.CopyFrom(_timestamp(now))
            plan.closure.state = launch_plan_pb2.INACTIVE
            wf = spec.workflow_id
            conn.execute("INSERT INTO launch_plans VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         (*_key(request.id), plan.SerializeToString(), launch_plan_pb2.INACTIVE, digest,
                          schedule_type, "SCHED" if schedule_type != "NONE" else None,
                          wf.project, wf.domain, wf.name, wf.version, now, now))
        return launch_plan_pb2.LaunchPlanCreateResponse()

    def GetLaunchPlan(self, request, context):
        ident = identifier_pb2.Identifier()
        ident.CopyFrom(request.id)
        if ident.resource_type == identifier_pb2.UNSPECIFIED:  # the RPC layer fills it in
            ident.resource_type = identifier_pb2.LAUNCH_PLAN
        entities.validate_identifier(ident, identifier_pb2.LAUNCH_PLAN, request.HasField("id"))
        with self.db.read() as conn:  # type: ignore[attr-defined]
            return load_launch_plan(conn, ident)

    def UpdateLaunchPlan(self, request, context):
        ident = identifier_pb2.Identifier()
        ident.CopyFrom(request.id)
        if ident.resource_type == identifier_pb2.UNSPECIFIED:  # the RPC layer fills it in
            ident.resource_type = identifier_pb2.LAUNCH_PLAN
        # Top-level identifier errors are only logged by flyteadmin; the INACTIVE branch re-validates.
        if request.state == launch_plan_pb2.INACTIVE:
            entities.validate_identifier(ident, identifier_pb2.LAUNCH_PLAN, request.HasField("id"))
            with self.db.write() as conn:  # type: ignore[attr-defined]
                load_launch_plan(conn, ident)
                conn.execute("UPDATE launch_plans SET state=0, updated_at=? WHERE project=? AND domain=? AND name=? "
                             "AND version=?", (self.config.clock(), *_key(ident)))  # type: ignore[attr-defined]
        elif request.state == launch_plan_pb2.ACTIVE:
            with self.db.write() as conn:  # type: ignore[attr-defined]
                # GORM struct lookup: empty id fields match any launch plan (always send a complete id)
                target = load_launch_plan(conn, ident, partial=True)
                schedule = target.spec.entity_metadata.schedule
                if schedule.WhichOneof("ScheduleExpression") == "cron_expression" and schedule.cron_expression:
                    # the native scheduler only knows cron_schedule and rate: a plain error → INTERNAL
                    raise AdminStatusError(grpc.StatusCode.INTERNAL, "failed adding schedule for unknown schedule "
                                           f"expression type {entities.id_text(schedule)}")
                # One transaction: the formerly active version off, the target on (flyteadmin's SetActive).
                now = self.config.clock()  # type: ignore[attr-defined]
                t = target.id
                conn.execute("UPDATE launch_plans SET state=0, updated_at=? WHERE rowid = (SELECT rowid FROM "
                             "launch_plans WHERE project=? AND domain=? AND name=? AND state=1 LIMIT 1)",
                             (now, t.project, t.domain, t.name))
                conn.execute("UPDATE launch_plans SET state=1, updated_at=? WHERE project=? AND domain=? AND name=? "
                             "AND version=?", (now, *_key(t)))
        else:
            raise invalid(f"Unrecognized launch plan state {request.state} for update for launch plan "
                          f"[{entities.id_text(ident)}]")
        return launch_plan_pb2.LaunchPlanUpdateResponse()

    def GetActiveLaunchPlan(self, request, context):
        for field in ("project", "domain", "name"):
            if not getattr(request.id, field):
                raise invalid(f"missing {field}")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            row = conn.execute("SELECT * FROM launch_plans WHERE project=? AND domain=? AND name=? AND state=1 "
                               "LIMIT 1", (request.id.project, request.id.domain, request.id.name)).fetchone()
        if row is None:
            raise not_found(f"No active launch plan could be found: {request.id.project}:{request.id.domain}:"
                            f"{request.id.name}")
        return _from_row(row)

    def ListActiveLaunchPlans(self, request, context):
        for field in ("project", "domain"):
            if not getattr(request, field):
                raise invalid(f"missing {field}")
        if request.limit <= 0:
            raise invalid("invalid value for limit")
        order, offset = filters.order_and_page(request, _PLAIN_COLUMNS, "ListActiveLaunchPlans")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(f"SELECT * FROM launch_plans WHERE project=? AND domain=? AND state=1{order} "
                                "LIMIT ? OFFSET ?", (request.project, request.domain, request.limit, offset)).fetchall()
        return _page(rows, offset, request.limit)

    def ListLaunchPlans(self, request, context):
        if not request.HasField("id"):
            raise invalid("missing id")
        if not request.id.project:
            raise invalid("missing project")
        if not request.id.domain:
            raise invalid("missing domain")
        if request.limit <= 0:
            raise invalid("invalid value for limit")
        clauses, args = filters.where_clauses(request.filters, "launch_plan",
                                              {"launch_plan": LP_COLUMNS, "workflow": WF_COLUMNS})
        clauses = ["lp.project = ?", "lp.domain = ?", *clauses]
        args = [request.id.project, request.id.domain, *args]
        if request.id.name:
            clauses.append("lp.name = ?")
            args.append(request.id.name)
        order, offset = filters.order_and_page(request, LP_COLUMNS, "ListLaunchPlans")
        # flyteadmin always inner-joins the launch plan's workflow
        sql = ("SELECT lp.* FROM launch_plans lp JOIN workflows w ON w.project=lp.wf_project AND "
               "w.domain=lp.wf_domain AND w.name=lp.wf_name AND w.version=lp.wf_version "
               f"WHERE {' AND '.join(clauses)}{order} LIMIT ? OFFSET ?")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(sql, (*args, request.limit, offset)).fetchall()
        return _page(rows, offset, request.limit)

    def ListLaunchPlanIds(self, request, context):
        # no manager-level validation and filters are ignored; the repository rejects limit 0
        if request.limit <= 0:
            raise invalid("missing and/or invalid parameters: limit")
        order, offset = filters.order_and_page(request, {"project": "project", "domain": "domain",
                                                         "name": "name"}, "ListLaunchPlanIds", default="name ASC")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute("SELECT project, domain, name FROM launch_plans WHERE project=? AND domain=? "
                                f"GROUP BY project, domain, name{order} LIMIT ? OFFSET ?",
                                (request.project, request.domain, request.limit, offset)).fetchall()
        return common_pb2.NamedEntityIdentifierList(
            entities=[common_pb2.NamedEntityIdentifier(project=r[0], domain=r[1], name=r[2]) for r in rows],
            token=filters.next_token(offset, len(rows), request.limit))
