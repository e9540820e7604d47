"""Tasks, workflows and named-entity metadata of the embedded admin (behaviour §2, §5).

Entities are stored as serialized protobufs keyed by (project, domain, name, version) with a digest
over a deterministic serialization of what flyteadmin hashes (the compiled task / workflow closure):
re-creating identical content answers ALREADY_EXISTS, different content INVALID_ARGUMENT.
CreateWorkflow compiles the workflow as flyteadmin does (``workflow_compile``, the ``compiler`` package)
and stores the compiled closure.
Helper for other mixins: ``load_task``, ``load_workflow``.
"""

from __future__ import annotations

import hashlib
import sqlite3

import grpc
from flyteidl.admin import common_pb2, task_pb2, workflow_pb2
from flyteidl.core import compiler_pb2, identifier_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from reconciler.localadmin.executions.inputs import go_text
from reconciler.localadmin.service import filters, projects, workflow_compile
from reconciler.localadmin.service.status import AdminStatusError, already_exists, invalid, not_found
from reconciler.localadmin.service.task_checks import validate_task_template
from reconciler.localadmin.store.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    project TEXT, domain TEXT, name TEXT, version TEXT, blob BLOB NOT NULL, digest TEXT NOT NULL,
    type TEXT, short_description TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (project, domain, name, version));
CREATE TABLE IF NOT EXISTS workflows (
    project TEXT, domain TEXT, name TEXT, version TEXT, blob BLOB NOT NULL, digest TEXT NOT NULL,
    short_description TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (project, domain, name, version));
CREATE TABLE IF NOT EXISTS named_entity_metadata (
    resource_type INTEGER, project TEXT, domain TEXT, name TEXT, description TEXT, state INTEGER,
    PRIMARY KEY (resource_type, project, domain, name));
""" + workflow_compile.SCHEMA

_TYPE_NAMES = {identifier_pb2.TASK: "TASK", identifier_pb2.WORKFLOW: "WORKFLOW",
               identifier_pb2.LAUNCH_PLAN: "LAUNCH_PLAN"}
BASE_TABLES = {identifier_pb2.TASK: "tasks", identifier_pb2.WORKFLOW: "workflows",
               identifier_pb2.LAUNCH_PLAN: "launch_plans"}
_COMMON: dict[str, str | filters.Column] = {
    "id": "rowid", "created_at": filters.Column("created_at", timestamp=True),
    "updated_at": filters.Column("updated_at", timestamp=True), "deleted_at": "NULL", "project": "project",
    "domain": "domain", "name": "name", "version": "version", "digest": "digest",
    "short_description": "short_description"}
TASK_COLUMNS = {**_COMMON, "closure": "blob", "type": "type"}
WORKFLOW_COLUMNS = {**_COMMON, "typed_interface": "blob", "remote_closure_identifier": "NULL"}
_ID_COLUMNS = {"project": "project", "domain": "domain", "name": "name"}
_NAMED_SORT = {k: k for k in ("resource_type", "project", "domain", "name", "description", "state")}
# ListNamedEntities' filter entities: the named entity (base table + metadata, state defaulting to 0) and
# the raw metadata row.
NAMED_ENTITY_COLUMNS: dict[str, str | filters.Column] = {
    "resource_type": "m.resource_type", "project": "b.project", "domain": "b.domain", "name": "b.name",
    "description": "COALESCE(m.description, '')", "state": filters.Column("COALESCE(m.state, 0)", integer=True)}
METADATA_COLUMNS: dict[str, str | filters.Column] = {
    "id": "m.rowid", "created_at": "NULL", "updated_at": "NULL", "deleted_at": "NULL",
    "resource_type": "m.resource_type", "project": "m.project", "domain": "m.domain", "name": "m.name",
    "description": "m.description", "state": filters.Column("COALESCE(m.state, 0)", integer=True)}



def digest(*messages: object) -> str:
    h = hashlib.sha256()
    for message in messages:
        h.update(message.SerializeToString(deterministic=True))  # type: ignore[attr-defined]
    return h.hexdigest()


MAX_DESCRIPTION_CHARS = 300  # named_entity_metadata.description is varchar(300): characters, not bytes


def id_text(ident: Message) -> str:
    """A request message as flyteadmin's ``%v`` prints it: Go protobuf text (``project:"p" domain:"d"``)."""
    return go_text(ident)


def model_id_text(ident: identifier_pb2.Identifier) -> str:
    """An identifier rebuilt from a database model, as NOT_FOUND messages print it: Go protobuf text
    without the resource type, which the models do not carry (``project:"p" domain:"d" name:"n" version:"v"``)."""
    bare = identifier_pb2.Identifier()
    bare.CopyFrom(ident)
    bare.ClearField("resource_type")
    return go_text(bare)


def missing_entity(kind: str, ident: object) -> AdminStatusError:
    return not_found(f"missing entity of type {kind} with identifier {model_id_text(ident)}")  # type: ignore[arg-type]


def validate_identifier(ident: identifier_pb2.Identifier | None, expected: int, has_field: bool = True) -> None:
    if ident is None or not has_field:
        raise invalid("missing id")
    if ident.resource_type != expected:
        raise invalid(f"unexpected resource type {identifier_pb2.ResourceType.Name(ident.resource_type).lower()} "
                      f"for identifier [{id_text(ident)}], expected {_TYPE_NAMES[expected].lower()} instead")
    for field in ("project", "domain", "name", "version"):
        if not getattr(ident, field):
            raise invalid(f"missing {field}")


def timestamp(seconds: float) -> Timestamp:
    ts = Timestamp()
    ts.FromMicroseconds(round(seconds * 1_000_000))  # Postgres keeps microseconds
    return ts


def key(ident: identifier_pb2.Identifier) -> tuple[str, str, str, str]:
    return ident.project, ident.domain, ident.name, ident.version


def _partial_key(ident: object) -> tuple[str, list[str]]:
    """WHERE clause over the non-empty id fields: GORM drops zero values from struct conditions (§0.3)."""
    clauses, args = [], []
    for field in ("project", "domain", "name", "version"):
        value = getattr(ident, field)
        if value:
            clauses.append(f"{field} = ?")
            args.append(value)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def load_task(conn: sqlite3.Connection, ident: identifier_pb2.Identifier, partial: bool = False) -> task_pb2.Task:
    """The stored task; ``partial`` reproduces GetTask's unvalidated lookup (empty fields match anything)."""
    if partial:
        where, args = _partial_key(ident)
        row = conn.execute(f"SELECT blob FROM tasks{where} ORDER BY rowid LIMIT 1", args).fetchone()
    else:
        row = conn.execute("SELECT blob FROM tasks WHERE project=? AND domain=? AND name=? AND version=?",
                           key(ident)).fetchone()
    if row is None:
        raise missing_entity("TASK", ident)
    return task_pb2.Task.FromString(row["blob"])


def load_workflow(conn: sqlite3.Connection, ident: identifier_pb2.Identifier) -> workflow_pb2.Workflow:
    row = conn.execute("SELECT blob FROM workflows WHERE project=? AND domain=? AND name=? AND version=?",
                       key(ident)).fetchone()
    if row is None:
        raise missing_entity("WORKFLOW", ident)
    return workflow_pb2.Workflow.FromString(row["blob"])


def stored_id(ident: identifier_pb2.Identifier, resource_type: int) -> identifier_pb2.Identifier:
    """The id flyteadmin returns: rebuilt from the key columns (``org`` is never stored)."""
    return identifier_pb2.Identifier(resource_type=resource_type, project=ident.project, domain=ident.domain,
                                     name=ident.name, version=ident.version)


def _list(conn: sqlite3.Connection, table: str, request: common_pb2.ResourceListRequest,
          columns: dict[str, str | filters.Column], primary: str, rpc: str) -> tuple[list[sqlite3.Row], str]:
    if not request.HasField("id"):
        raise invalid("missing id")
    if not request.id.project:
        raise invalid("missing project")
    if not request.id.domain:
        raise invalid("missing domain")
    if request.limit <= 0:
        raise invalid("invalid value for limit")
    clauses, args = filters.where_clauses(request.filters, primary, {primary: columns})
    clauses = ["project = ?", "domain = ?", *clauses]
    args = [request.id.project, request.id.domain, *args]
    if request.id.name:
        clauses.append("name = ?")
        args.append(request.id.name)
    order, offset = filters.order_and_page(request, columns, rpc)
    rows = conn.execute(f"SELECT * FROM {table} WHERE {' AND '.join(clauses)}{order} LIMIT ? OFFSET ?",
                        (*args, request.limit, offset)).fetchall()
    return rows, filters.next_token(offset, len(rows), request.limit)


def _list_ids(conn: sqlite3.Connection, table: str, request: object, rpc: str
              ) -> common_pb2.NamedEntityIdentifierList:
    if not request.project:  # type: ignore[attr-defined]
        raise invalid("missing project")
    if not request.domain:  # type: ignore[attr-defined]
        raise invalid("missing domain")
    if request.limit <= 0:  # type: ignore[attr-defined]
        raise invalid("invalid value for limit")
    # filters are ignored (as in flyteadmin); sort keys are limited to the grouped columns
    order, offset = filters.order_and_page(request, _ID_COLUMNS, rpc, default="name ASC")
    rows = conn.execute(f"SELECT project, domain, name FROM {table} WHERE project=? AND domain=? "
                        f"GROUP BY project, domain, name{order} LIMIT ? OFFSET ?",
                        (request.project, request.domain, request.limit, offset)).fetchall()  # type: ignore[attr-defined]
    return common_pb2.NamedEntityIdentifierList(
        entities=[common_pb2.NamedEntityIdentifier(project=r[0], domain=r[1], name=r[2]) for r in rows],
        token=filters.next_token(offset, len(rows), request.limit))  # type: ignore[attr-defined]


class EntitiesMixin:
    db: Database
    config: object

    # -- tasks ---------------------------------------------------------------------------------
    def CreateTask(self, request, context):
        validate_identifier(request.id, identifier_pb2.TASK, request.HasField("id"))
        with self.db.write() as conn:  # type: ignore[attr-defined]
            projects.validate_project_and_domain(conn, request.id.project, request.id.domain)
            if not request.HasField("spec") or not request.spec.HasField("template"):
                raise invalid("missing spec")
            template = request.spec.template
            validate_task_template(request.id, template)
            template.id.CopyFrom(request.id)
            compiled = compiler_pb2.CompiledTask(template=template)
            new_digest = digest(compiled)
            existing = conn.execute("SELECT digest FROM tasks WHERE project=? AND domain=? AND name=? AND version=?",
                                    key(request.id)).fetchone()
            if existing is not None:
                if existing["digest"] == new_digest:
                    raise already_exists("task with identical structure already exists")
                raise invalid(f"{request.id.name} task with different structure already exists. (Please register "
                              "a new version of the task):\n(content differs)")
            now = self.config.clock()  # type: ignore[attr-defined]
            task = task_pb2.Task(id=stored_id(request.id, identifier_pb2.TASK),
                                 closure=task_pb2.TaskClosure(compiled_task=compiled, created_at=timestamp(now)),
                                 short_description=request.spec.description.short_description)
            conn.execute("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (*key(request.id), task.SerializeToString(), new_digest, template.type,
                          task.short_description, now, now))
        return task_pb2.TaskCreateResponse()

    def GetTask(self, request, context):
        # flyteadmin logs GetTask's identifier errors without returning them; its lookup then matches on the
        # non-empty fields only. Always send full ids.
        with self.db.read() as conn:  # type: ignore[attr-defined]
            ident = stored_id(request.id, identifier_pb2.TASK)
            return load_task(conn, ident, partial=True)

    def ListTasks(self, request, context):
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows, token = _list(conn, "tasks", request, TASK_COLUMNS, "task", "ListTasks")
        return task_pb2.TaskList(tasks=[task_pb2.Task.FromString(r["blob"]) for r in rows], token=token)

    def ListTaskIds(self, request, context):
        with self.db.read() as conn:  # type: ignore[attr-defined]
            return _list_ids(conn, "tasks", request, "ListTaskIds")

    # -- workflows -----------------------------------------------------------------------------
    def CreateWorkflow(self, request, context):
        validate_identifier(request.id, identifier_pb2.WORKFLOW, request.HasField("id"))
        with self.db.write() as conn:  # type: ignore[attr-defined]
            projects.validate_project_and_domain(conn, request.id.project, request.id.domain)
            if not request.HasField("spec") or not request.spec.HasField("template"):
                raise invalid("missing spec")
            request.spec.template.id.CopyFrom(request.id)
            closure = workflow_compile.compile_request(conn, request)
            new_digest = digest(closure)
            existing = conn.execute("SELECT digest FROM workflows WHERE project=? AND domain=? AND name=? AND "
                                    "version=?", key(request.id)).fetchone()
            if existing is not None:
                if existing["digest"] == new_digest:
                    detail = workflow_pb2.CreateWorkflowFailureReason(
                        exists_identical_structure=workflow_pb2.WorkflowErrorExistsIdenticalStructure(id=request.id))
                    raise already_exists("workflow with identical structure already exists", (detail,))
                detail = workflow_pb2.CreateWorkflowFailureReason(
                    exists_different_structure=workflow_pb2.WorkflowErrorExistsDifferentStructure(id=request.id))
                raise invalid(f"{request.id.name} workflow with different structure already exists. (Please "
                              "register a new version of the workflow):\n(content differs)", (detail,))
            now = self.config.clock()  # type: ignore[attr-defined]
            workflow = workflow_pb2.Workflow(
                id=stored_id(request.id, identifier_pb2.WORKFLOW),
                closure=workflow_pb2.WorkflowClosure(compiled_workflow=closure, created_at=timestamp(now)),
                short_description=request.spec.description.short_description)
            conn.execute("INSERT INTO workflows VALUES (?,?,?,?,?,?,?,?,?)",
                         (*key(request.id), workflow.SerializeToString(), new_digest, workflow.short_description,
                          now, now))
            workflow_compile.store_sent_interface(conn, request)
        return workflow_pb2.WorkflowCreateResponse()

    def GetWorkflow(self, request, context):
        ident = identifier_pb2.Identifier()
        ident.CopyFrom(request.id)
        if ident.resource_type == identifier_pb2.UNSPECIFIED:  # the RPC layer fills it in
            ident.resource_type = identifier_pb2.WORKFLOW
        validate_identifier(ident, identifier_pb2.WORKFLOW, request.HasField("id"))
        with self.db.read() as conn:  # type: ignore[attr-defined]
            return load_workflow(conn, ident)

    def ListWorkflows(self, request, context):
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows, token = _list(conn, "workflows", request, WORKFLOW_COLUMNS, "workflow", "ListWorkflows")
            result = []
            for row in rows:
                full = workflow_pb2.Workflow.FromString(row["blob"])
                # flyteadmin's list carries only the interface (as sent) and created_at of the closure
                slim = workflow_pb2.Workflow(id=full.id, short_description=full.short_description)
                slim.closure.created_at.CopyFrom(full.closure.created_at)
                slim.closure.compiled_workflow.primary.template.interface.CopyFrom(
                    workflow_compile.sent_interface(conn, full))
                result.append(slim)
        return workflow_pb2.WorkflowList(workflows=result, token=token)

    def ListWorkflowIds(self, request, context):
        with self.db.read() as conn:  # type: ignore[attr-defined]
            return _list_ids(conn, "workflows", request, "ListWorkflowIds")

    # -- named entities ------------------------------------------------------------------------
    def _named_entity(self, conn: sqlite3.Connection, resource_type: int, ident: object) -> common_pb2.NamedEntity:
        table = BASE_TABLES[resource_type]
        exists = conn.execute(f"SELECT 1 FROM {table} WHERE project=? AND domain=? AND name=? LIMIT 1",
                              (ident.project, ident.domain, ident.name)).fetchone()  # type: ignore[attr-defined]
        if exists is None:
            raise not_found("entry not found")
        meta = conn.execute("SELECT description, state FROM named_entity_metadata WHERE resource_type=? AND "
                            "project=? AND domain=? AND name=?",
                            (resource_type, ident.project, ident.domain, ident.name)).fetchone()  # type: ignore
        return common_pb2.NamedEntity(
            resource_type=resource_type,
            id=common_pb2.NamedEntityIdentifier(project=ident.project, domain=ident.domain,  # type: ignore
                                                name=ident.name),  # type: ignore[attr-defined]
            metadata=common_pb2.NamedEntityMetadata(description=meta["description"] if meta else "",
                                                    state=meta["state"] if meta else 0))

    @staticmethod
    def _check_named(request: object, need_metadata: bool) -> None:
        resource_type = request.resource_type  # type: ignore[attr-defined]
        if resource_type == identifier_pb2.UNSPECIFIED or resource_type not in identifier_pb2.ResourceType.values():
            raise invalid("invalid value for resource_type")
        if not request.HasField("id"):  # type: ignore[attr-defined]
            raise invalid("missing id")
        for field in ("project", "domain", "name"):
            if not getattr(request.id, field):  # type: ignore[attr-defined]
                raise invalid(f"missing {field}")
        if need_metadata:
            if not request.HasField("metadata"):  # type: ignore[attr-defined]
                raise invalid("missing metadata")
            if request.metadata.state and resource_type not in BASE_TABLES:  # type: ignore[attr-defined]
                name = identifier_pb2.ResourceType.Name(resource_type)
                raise invalid(f"Resource [{name}] cannot have its state updated")
        if resource_type not in BASE_TABLES:
            name = identifier_pb2.ResourceType.Name(resource_type)
            raise invalid(f"Cannot get NamedEntityMetadata for resource type: {name}")

    def GetNamedEntity(self, request, context):
        self._check_named(request, False)
        with self.db.read() as conn:  # type: ignore[attr-defined]
            return self._named_entity(conn, request.resource_type, request.id)

    def UpdateNamedEntity(self, request, context):
        self._check_named(request, True)
        with self.db.write() as conn:  # type: ignore[attr-defined]
            self._named_entity(conn, request.resource_type, request.id)  # the entity must exist
            key = (request.resource_type, request.id.project, request.id.domain, request.id.name)
            existing = conn.execute("SELECT description FROM named_entity_metadata WHERE resource_type=? AND "
                                    "project=? AND domain=? AND name=?", key).fetchone()
            if len(request.metadata.description) > MAX_DESCRIPTION_CHARS:
                # The description column is varchar(300); Postgres refuses the write (behaviour §11).
                raise AdminStatusError(grpc.StatusCode.UNKNOWN, "failed database operation with value too long "
                                       "for type character varying(300)")
            if existing is None:
                conn.execute("INSERT INTO named_entity_metadata VALUES (?,?,?,?,?,?)",
                             (*key, request.metadata.description, int(request.metadata.state)))
            else:  # later writes: state always, description only when non-empty (GORM Assign)
                description = request.metadata.description or existing["description"]
                conn.execute("UPDATE named_entity_metadata SET description=?, state=? WHERE resource_type=? AND "
                             "project=? AND domain=? AND name=?", (description, int(request.metadata.state), *key))
        return common_pb2.NamedEntityUpdateResponse()

    def ListNamedEntities(self, request, context):
        if request.resource_type not in BASE_TABLES:
            raise invalid("invalid value for resource_type")
        if not request.project:
            raise invalid("missing project")
        if not request.domain:
            raise invalid("missing domain")
        if request.limit <= 0:
            raise invalid("invalid value for limit")
        # No filters: flyteadmin hides system-generated (.flytegen) entities; any user filter replaces that.
        text = request.filters or "not_like(name,.flytegen%)"
        clauses, args = filters.where_clauses(text, "entities", {"entities": NAMED_ENTITY_COLUMNS,
                                                                 "named_entity_metadata": METADATA_COLUMNS})
        offset = filters.parse_token(request.token, "ListNamedEntities")
        order = " ORDER BY name ASC"
        if request.HasField("sort_by"):
            order = " ORDER BY " + filters.parse_sort(request.sort_by, _NAMED_SORT)
            if request.sort_by.key not in _ID_COLUMNS:  # not a column of the grouped sub-query
                raise AdminStatusError(grpc.StatusCode.UNKNOWN, "failed database operation with ERROR: column "
                                       f'"{request.sort_by.key}" does not exist (SQLSTATE 42703)')
        table = BASE_TABLES[request.resource_type]
        # flyteadmin pages the distinct names *before* applying the filters, so pages can come back short
        # and (the token needing a full page) a client can stop early; reproduced as is.
        sql = (f"SELECT b.project, b.domain, b.name, m.description, m.state FROM "
               f"(SELECT project, domain, name FROM {table} WHERE project=? AND domain=? "
               f"GROUP BY project, domain, name{order} LIMIT ? OFFSET ?) b "
               "LEFT JOIN named_entity_metadata m ON m.resource_type=? AND "
               "m.project=b.project AND m.domain=b.domain AND m.name=b.name"
               + (f" WHERE {' AND '.join(clauses)}" if clauses else "") + order.replace("BY ", "BY b."))
        params = [request.project, request.domain, request.limit, offset, request.resource_type, *args]
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(sql, params).fetchall()
        entities = [common_pb2.NamedEntity(
            resource_type=request.resource_type,
            id=common_pb2.NamedEntityIdentifier(project=r[0], domain=r[1], name=r[2]),
            metadata=common_pb2.NamedEntityMetadata(description=r[3] or "", state=r[4] or 0)) for r in rows]
        return common_pb2.NamedEntityList(entities=entities,
                                          token=filters.next_token(offset, len(rows), request.limit))
