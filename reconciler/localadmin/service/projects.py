"""Projects and domains of the embedded admin (behaviour §1), plus the project gates other calls use.

Helpers for the other mixins: ``validate_project_and_domain`` (§1.7, with the ``InactiveProject``
detail), ``validate_project_for_update`` (project-level attribute writes, no details),
``validate_project_exists``, ``validate_labels`` (k8s label rules, §1.2) and ``project_labels``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping

import grpc
from flyteidl.admin import common_pb2, project_pb2

from reconciler.localadmin.service import filters
from reconciler.localadmin.service.status import AdminStatusError, invalid, not_found
from reconciler.localadmin.store.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    identifier TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    labels BLOB,
    state INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + r"(\." + _LABEL_FMT + ")*"
_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_VALUE_FMT = f"({_QNAME_FMT})?"
_QNAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character")


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """k8s apimachinery's RegexError text (note its double space after each comma)."""
    shown = "',  or '".join(examples)
    return f"{message} (e.g. '{shown}', regex used for validation is '{fmt}')"


_LABEL_ERROR = _regex_error("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                            "and must start and end with an alphanumeric character", _LABEL_FMT, "my-name", "123-abc")
_SUBDOMAIN_ERROR = _regex_error("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                                "'-' or '.', and must start and end with an alphanumeric character", _SUBDOMAIN_FMT,
                                "example.com")
_QNAME_ERROR = _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
_VALUE_ERROR = _regex_error("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                            "or '.', and must start and end with an alphanumeric character", _VALUE_FMT,
                            "MyValue", "my_value", "12345")
PROJECT_COLUMNS: dict[str, str | filters.Column] = {
    "id": "rowid", "created_at": filters.Column("created_at", timestamp=True),
    "updated_at": filters.Column("updated_at", timestamp=True), "deleted_at": "NULL", "identifier": "identifier",
    "name": "name", "description": "description", "labels": "labels", "state": "state"}


def _go_list(errors: list[str]) -> str:
    return "[" + " ".join(errors) + "]"  # Go's %v of a []string


def qualified_name_errors(key: str) -> list[str]:
    """k8s IsQualifiedName: an optional DNS-subdomain prefix and '/', then a name part of at most 63 chars."""
    parts = key.split("/")
    errors: list[str] = []
    if len(parts) > 2:
        return [f"a qualified name {_QNAME_ERROR} with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errors.append("prefix part must be no more than 253 characters")
            if not re.fullmatch(_SUBDOMAIN_FMT, prefix):
                errors.append(f"prefix part {_SUBDOMAIN_ERROR}")
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    if not re.fullmatch(_QNAME_FMT, name):
        errors.append(f"name part {_QNAME_ERROR}")
    return errors


def label_value_errors(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not re.fullmatch(_VALUE_FMT, value):
        errors.append(_VALUE_ERROR)
    return errors


def dns_label_errors(value: str) -> list[str]:
    """k8s IsDNS1123Label."""
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not re.fullmatch(_LABEL_FMT, value):
        errors.append("must not contain dots" if re.fullmatch(_SUBDOMAIN_FMT, value) else _LABEL_ERROR)
    return errors


def validate_labels(labels: Mapping[str, str]) -> None:
    """flyteadmin's label checks (§1.2 step 4), shared by projects, launch plans and executions."""
    if not labels:
        return
    if len(labels) > 16:
        raise invalid("labels map cannot exceed 16 entries")
    for key, value in labels.items():
        if errors := qualified_name_errors(key):
            raise invalid(f"invalid label key [{key}]: {_go_list(errors)}")
        if errors := label_value_errors(value):
            raise invalid(f"invalid label value [{value}]: {_go_list(errors)}")


def _validate_project(project: project_pb2.Project) -> None:
    if not project.id:
        raise invalid("missing project_id")
    validate_labels(dict(project.labels.values))
    if errors := dns_label_errors(project.id):
        raise invalid(f"invalid project id [{project.id}]: {_go_list(errors)}")
    if len(project.name.encode()) > 64:
        raise invalid("project_name cannot exceed 64 characters")
    if len(project.description.encode()) > 300:
        raise invalid("project_description cannot exceed 300 characters")
    if len(project.domains) > 0:
        raise invalid("Domains are currently only set system wide. Please retry without domains included in "
                      "your request.")


def _row(conn: sqlite3.Connection, project: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM projects WHERE identifier = ?", (project,)).fetchone()


def validate_project_and_domain(conn: sqlite3.Connection, project: str, domain: str,
                                domains: tuple[str, ...] | None = None) -> None:
    row = _row(conn, project)
    if row is None:
        raise invalid(f"failed to validate that project [{project}] and domain [{domain}] are registered, "
                      f"err: [project [{project}] not found]")
    if row["state"] != project_pb2.Project.ACTIVE:
        raise invalid(f"project [{project}] is not active", (project_pb2.InactiveProject(id=project),))
    known = domains if domains is not None else _configured_domains(conn)
    if domain not in known:
        raise invalid(f"domain [{domain}] is unrecognized by system")


def validate_project_for_update(conn: sqlite3.Connection, project: str) -> None:
    row = _row(conn, project)
    if row is None:
        raise invalid(f"failed to validate that project [{project}] is registered, err: "
                      f"[project [{project}] not found]")
    if row["state"] != project_pb2.Project.ACTIVE:
        raise invalid(f"project [{project}] is not active")


def validate_project_exists(conn: sqlite3.Connection, project: str) -> None:
    if _row(conn, project) is None:
        raise invalid(f"failed to validate that project [{project}] is registered, err: "
                      f"[project [{project}] not found]")


def project_labels(conn: sqlite3.Connection, project: str) -> dict[str, str]:
    row = _row(conn, project)
    if row is None or row["labels"] is None:
        return {}
    return dict(common_pb2.Labels.FromString(row["labels"]).values)


DEFAULT_DOMAINS = ("development", "staging", "production")
_DOMAINS: dict[str, tuple[str, ...]] = {}


def _configured_domains(conn: sqlite3.Connection) -> tuple[str, ...]:
    # The servicer registers its domain list per database file; fall back to flyteadmin's default.
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    return _DOMAINS.get(path, DEFAULT_DOMAINS)


def configure_domains(db_path: str, domains: tuple[str, ...]) -> None:
    _DOMAINS[db_path] = domains


class ProjectsMixin:
    db: Database
    config: object

    def _domains(self) -> list[project_pb2.Domain]:
        return [project_pb2.Domain(id=d, name=d) for d in self.config.domains]  # type: ignore[attr-defined]

    def _to_project(self, row: sqlite3.Row) -> project_pb2.Project:
        project = project_pb2.Project(id=row["identifier"], name=row["name"], description=row["description"],
                                      state=row["state"], domains=self._domains())
        if row["labels"] is not None:
            project.labels.CopyFrom(common_pb2.Labels.FromString(row["labels"]))
        return project

    def _now(self) -> float:
        return self.config.clock()  # type: ignore[attr-defined,no-any-return]

    def RegisterProject(self, request, context):
        project = request.project if request.HasField("project") else None
        if project is None:
            raise invalid("missing project")
        if not project.name:
            raise invalid("missing project_name")
        _validate_project(project)
        now = self._now()
        labels = project.labels.SerializeToString() if project.HasField("labels") else None
        with self.db.write() as conn:  # type: ignore[attr-defined]
            if _row(conn, project.id) is not None:
                # the content is not compared: a duplicate id is a primary-key violation in flyteadmin
                raise AdminStatusError(grpc.StatusCode.ALREADY_EXISTS,
                                       "value with matching already exists (duplicate key value violates unique "
                                       'constraint "projects_pkey")')
            conn.execute("INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (project.id, project.name, project.description, labels, int(project.state), now, now))
        return project_pb2.ProjectRegisterResponse()

    def UpdateProject(self, request, context):
        with self.db.write() as conn:  # type: ignore[attr-defined]
            # The existence check runs before validation; an empty id is an unconditioned GORM lookup that
            # finds any project, so it then fails validation ("missing project_id").
            found = (conn.execute("SELECT 1 FROM projects LIMIT 1").fetchone() if not request.id
                     else _row(conn, request.id))
            if found is None:
                raise not_found(f"project [{request.id}] not found")
            _validate_project(request)
            # GORM Updates(struct): empty strings are not written; the state pointer always is.
            sets, args = ["state = ?", "updated_at = ?"], [int(request.state), self._now()]
            if request.name:
                sets.append("name = ?")
                args.append(request.name)
            if request.description:
                sets.append("description = ?")
                args.append(request.description)
            if request.HasField("labels"):
                sets.append("labels = ?")
                args.append(request.labels.SerializeToString())
            conn.execute(f"UPDATE projects SET {', '.join(sets)} WHERE identifier = ?", (*args, request.id))
        return project_pb2.ProjectUpdateResponse()

    def GetProject(self, request, context):
        if not request.id:
            raise invalid("missing project_id")
        with self.db.read() as conn:  # type: ignore[attr-defined]
            row = _row(conn, request.id)
        if row is None:
            raise not_found(f"project [{request.id}] not found")
        return self._to_project(row)

    def ListProjects(self, request, context):
        clauses, args = filters.where_clauses(request.filters, "project", {"project": PROJECT_COLUMNS})
        if not request.filters:
            clauses = ["state != 1"]  # archived projects are hidden unless the caller filters
        order, offset = filters.order_and_page(request, PROJECT_COLUMNS, "ListProjects", default="identifier ASC")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        limit = int(request.limit) if request.limit else -1  # limit 0: no LIMIT at all
        with self.db.read() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(f"SELECT * FROM projects{where}{order} LIMIT ? OFFSET ?",
                                (*args, limit, offset)).fetchall()
        return project_pb2.Projects(projects=[self._to_project(r) for r in rows],
                                    token=filters.next_token(offset, len(rows), request.limit))

    def GetDomains(self, request, context):
        return project_pb2.GetDomainsResponse(domains=self._domains())
