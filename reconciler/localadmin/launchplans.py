"""Launch plans of the embedded admin (behaviour §3): create with flyteadmin's validation order and
input augmentation, activation as one transaction, active lookups and lists.

Helper for other mixins: ``load_launch_plan(conn, identifier)`` (NOT_FOUND when missing).
"""

from __future__ import annotations

import re
import sqlite3
import time

import grpc
from croniter import croniter
from flyteidl.admin import launch_plan_pb2
from flyteidl.core import identifier_pb2, interface_pb2, types_pb2

from reconciler.localadmin import entities, filters, projects
from reconciler.localadmin.execution_inputs import castable, literal_type_of
from reconciler.localadmin.status import AdminStatusError, already_exists, invalid, not_found

SCHEMA = """
CREATE TABLE IF NOT EXISTS launch_plans (
    project TEXT, domain TEXT, name TEXT, version TEXT, blob BLOB NOT NULL, state INTEGER NOT NULL DEFAULT 0,
    digest TEXT NOT NULL, schedule_type TEXT NOT NULL, launch_condition_type TEXT,
    wf_project TEXT, wf_domain TEXT, wf_name TEXT, wf_version TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (project, domain, name, version));
CREATE INDEX IF NOT EXISTS launch_plans_active ON launch_plans (project, domain, state);
"""

LP_COLUMNS = {"id": "lp.rowid", "created_at": "lp.created_at", "updated_at": "lp.updated_at", "deleted_at": "NULL",
              "project": "lp.project", "domain": "lp.domain", "name": "lp.name", "version": "lp.version",
              "spec": "lp.blob", "workflow_id": "w.rowid", "closure": "lp.blob", "state": "lp.state",
              "digest": "lp.digest", "schedule_type": "lp.schedule_type",
              "launch_condition_type": "lp.launch_condition_type"}
WF_COLUMNS = {k: f"w.{v}" for k, v in entities.WORKFLOW_COLUMNS.items() if v not in ("NULL", "rowid")}
_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
_GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


_timestamp = entities.timestamp
_key = entities.key


def _from_row(row: sqlite3.Row) -> launch_plan_pb2.LaunchPlan:
    plan = launch_plan_pb2.LaunchPlan.FromString(row["blob"])
    plan.closure.state = row["state"]
    plan.closure.updated_at.CopyFrom(_timestamp(row["updated_at"]))
    return plan


def load_launch_plan(conn: sqlite3.Connection, ident: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan:
    row = conn.execute("SELECT * FROM launch_plans WHERE project=? AND domain=? AND name=? AND version=?",
                       _key(ident)).fetchone()
    if row is None:
        full = identifier_pb2.Identifier()
        full.CopyFrom(ident)
        full.resource_type = identifier_pb2.LAUNCH_PLAN
        raise entities.missing_entity("LAUNCH_PLAN", full)
    return _from_row(row)


def validate_cron(expression: str) -> None:
    expr = expression.strip()
    for prefix in ("TZ=", "CRON_TZ="):
        if expr.startswith(prefix):
            expr = expr.split(" ", 1)[1] if " " in expr else ""
    if expr.startswith("@"):
        if expr in _DESCRIPTORS:
            return
        if expr.startswith("@every ") and _GO_DURATION.match(expr[len("@every "):].strip()):
            return
        raise invalid(f"Invalid cron expression: unrecognized descriptor: {expr}")
    fields = expr.split()
    if len(fields) != 5:
        raise invalid(f"Invalid cron expression: expected exactly 5 fields, found {len(fields)}: [{expr}]")
    if not croniter.is_valid(expr):
        raise invalid(f"Invalid cron expression: failed to parse {expr}")


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


def _expected_inputs(spec: launch_plan_pb2.LaunchPlanSpec, wf_inputs: interface_pb2.VariableMap
                     ) -> interface_pb2.ParameterMap:
    """Validate default/fixed inputs against the workflow interface and augment unbound inputs (§3.1 d-f)."""
    for name, literal in spec.fixed_inputs.literals.items():
        if not name:
            raise invalid("missing key in fixed_inputs")
        if literal.WhichOneof("value") is None and not literal.HasField("offloaded_metadata"):
            raise invalid(f"missing valid literal in fixed_inputs {name}")
    for name, param in spec.default_inputs.parameters.items():
        if not param.HasField("var") or not param.var.HasField("type"):
            raise invalid(f"The Variable component of the Parameter {name} in default_inputs either is missing, "
                          "or has a missing Type")
        if not param.HasField("default") and not param.required and not param.HasField("artifact_query"):
            raise invalid(f"Invalid variable {name} in default_inputs - variable has neither default, nor is "
                          "required. One must be specified")
        if param.HasField("artifact_query"):
            raise invalid(f"artifact mode not enabled but query found default_inputs {name}")
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
            raise invalid(f"invalid default_input wrong type {name}, expected {param.var.type}, got "
                          f"{variables[name].type} instead")
        expected.parameters[name].CopyFrom(param)
    for name, literal in spec.fixed_inputs.literals.items():
        if name not in variables:
            raise invalid(f"unexpected fixed_input {name}")
        if not castable(literal_type_of(literal), variables[name].type):
            raise invalid(f"invalid fixed_input wrong type {name}, expected {variables[name].type}, got "
                          f"{literal_type_of(literal)} instead")
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


class LaunchPlansMixin:
    db: object

    def CreateLaunchPlan(self, request, context):
        spec = request.spec
        if not request.HasField("spec"):
            raise invalid("missing id")
        entities.validate_identifier(spec.workflow_id, identifier_pb2.WORKFLOW, spec.HasField("workflow_id"))
        with self.db.write() as conn:  # type: ignore[attr-defined]
            workflow = entities.load_workflow(conn, spec.workflow_id)
            entities.validate_identifier(request.id, identifier_pb2.LAUNCH_PLAN, request.HasField("id"))
            projects.validate_project_and_domain(conn, request.id.project, request.id.domain)
            projects.validate_labels(dict(spec.labels.values))
            wf_interface = workflow.closure.compiled_workflow.primary.template.interface
            expected = _expected_inputs(spec, wf_interface.inputs)
            schedule_type = _validate_schedule(spec, expected)
            spec.default_inputs.CopyFrom(expected)  # flyteadmin stores the augmented map
            _validate_notifications(spec)
            plan = launch_plan_pb2.LaunchPlan(id=request.id, spec=spec, closure=launch_plan_pb2.LaunchPlanClosure(
                expected_inputs=expected, expected_outputs=wf_interface.outputs))
            digest = entities.digest(plan)
            existing = conn.execute("SELECT digest FROM launch_plans WHERE project=? AND domain=? AND name=? AND "
                                    "version=?", _key(request.id)).fetchone()
            if existing is not None:
                if existing["digest"] == digest:
                    raise already_exists("launch plan with identical structure already exists")
                raise invalid(f"{request.id.name} launch plan with different structure already exists. (Please "
                              "register a new version of the launch plan):\n(content differs)")
            now = time.time()
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
        if ident.resource_type == identifier_pb2.UNSPECIFIED:
            ident.resource_type = identifier_pb2.LAUNCH_PLAN
        entities.validate_identifier(ident, identifier_pb2.LAUNCH_PLAN, request.HasField("id"))
        with self.db.read() as conn:  # type: ignore[attr-defined]
            return load_launch_plan(conn, ident)

    def UpdateLaunchPlan(self, request, context):
        ident = request.id
        if request.state not in (launch_plan_pb2.INACTIVE, launch_plan_pb2.ACTIVE):
            raise invalid(f"Unrecognized launch plan state {request.state} for update for launch plan "
                          f"[{entities.id_text(ident)}]")
        with self.db.write() as conn:  # type: ignore[attr-defined]
            if request.state == launch_plan_pb2.INACTIVE:
                full = identifier_pb2.Identifier()
                full.CopyFrom(ident)
                full.resource_type = identifier_pb2.LAUNCH_PLAN
                entities.validate_identifier(full, identifier_pb2.LAUNCH_PLAN)
                load_launch_plan(conn, ident)
                conn.execute("UPDATE launch_plans SET state=0, updated_at=? WHERE project=? AND domain=? AND name=? "
                             "AND version=?", (time.time(), *_key(ident)))
            else:
                target = load_launch_plan(conn, ident)
                schedule = target.spec.entity_metadata.schedule
                if schedule.cron_expression and not schedule.HasField("cron_schedule"):
                    # the native scheduler only knows cron_schedule and rate
                    raise AdminStatusError(grpc.StatusCode.INTERNAL, "failed adding schedule for unknown schedule "
                                                                     "expression type")
                # One transaction: the formerly active version off, the target on (flyteadmin's SetActive).
                now = time.time()
                conn.execute("UPDATE launch_plans SET state=0, updated_at=? WHERE rowid = (SELECT rowid FROM "
                             "launch_plans WHERE project=? AND domain=? AND name=? AND state=1 LIMIT 1)",
                             (now, ident.project, ident.domain, ident.name))
                conn.execute("UPDATE launch_plans SET state=1, updated_at=? WHERE project=? AND domain=? AND name=? "
                             "AND version=?", (now, *_key(ident)))
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
        order, offset = filters.order_and_page(request, {k: k for k in LP_COLUMNS}, "ListActiveLaunchPlans")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(f"SELECT * FROM launch_plans WHERE project=? AND domain=? AND state=1{order} "
                                "LIMIT ? OFFSET ?", (request.project, request.domain, request.limit, offset)).fetchall()
        return launch_plan_pb2.LaunchPlanList(launch_plans=[_from_row(r) for r in rows],
                                              token=filters.next_token(offset, len(rows), request.limit))

    def ListLaunchPlans(self, request, context):
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
        order, offset = filters.order_and_page(request, LP_COLUMNS, "ListLaunchPlans", prefix="lp.")
        sql = ("SELECT lp.* FROM launch_plans lp JOIN workflows w ON w.project=lp.wf_project AND "
               "w.domain=lp.wf_domain AND w.name=lp.wf_name AND w.version=lp.wf_version "
               f"WHERE {' AND '.join(clauses)}{order} LIMIT ? OFFSET ?")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(sql, (*args, request.limit, offset)).fetchall()
        return launch_plan_pb2.LaunchPlanList(launch_plans=[_from_row(r) for r in rows],
                                              token=filters.next_token(offset, len(rows), request.limit))

    def ListLaunchPlanIds(self, request, context):
        if request.limit <= 0:
            raise invalid("missing and/or invalid parameters: limit")
        offset = filters.parse_token(request.token, "ListLaunchPlanIds")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute("SELECT DISTINCT project, domain, name FROM launch_plans WHERE project=? AND "
                                "domain=? ORDER BY name LIMIT ? OFFSET ?",
                                (request.project, request.domain, request.limit, offset)).fetchall()
        from flyteidl.admin import common_pb2

        return common_pb2.NamedEntityIdentifierList(
            entities=[common_pb2.NamedEntityIdentifier(project=r[0], domain=r[1], name=r[2]) for r in rows],
            token=filters.next_token(offset, len(rows), request.limit))
