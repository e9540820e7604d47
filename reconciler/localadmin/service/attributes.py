"""Matchable attributes of the embedded admin: Update/Get/Delete at project, project-domain and workflow
level, and ListMatchableAttributes, as flyteadmin v1.16.8 does them (flyteadmin-behaviour.md §4).

Storage mirrors flyteadmin's ``resources`` table: one row per (project, domain, workflow, launch_plan,
resource_type) with the serialized ``MatchingAttributes``; ``resource_type`` holds the enum *name* and
``priority`` is 5 (project), 10 (project-domain) or 100 (workflow). What a client can observe:

- Update replaces that level's value for that type; the type comes from the oneof that is set. QoS or no
  oneof → INVALID_ARGUMENT ``Unrecognized matching attributes type for request <p|p-d|p-d-wf>``.
  PLUGIN_OVERRIDE merges by ``task_type`` at project-domain/workflow level and fails with INTERNAL at
  project level (flyteadmin's repository rejects the empty domain and the error is not translated).
- Get is the *effective* value: the most specific row at or above the requested level, and the response
  carries the matched row's project/domain/workflow. Project-level WORKFLOW_EXECUTION_CONFIG is merged with
  the platform defaults (only ``max_parallelism`` = 25 is configured) and returned even without a row.
- Delete cascades like flyteadmin's zero-value struct conditions: a project delete removes every row of that
  type in the project, a project-domain delete removes the workflow rows under it; deleting nothing is OK.
- ListMatchableAttributes returns the raw rows of every level, ``priority`` descending.

Deliberate differences from flyteadmin:
- The PLUGIN_OVERRIDE merge reads the row of exactly the level being updated. flyteadmin's GetRaw uses
  zero-value conditions and can pick (and write the merge into) a workflow-level row when a project-domain
  level is updated (§4.3, inferred); we do not copy that.
- Merged plugin overrides come back in insertion order (stored ones first, then new task types), one of
  the orders flyteadmin's Go map iteration can give; never sorted.

This module never validates attribute contents (flyteadmin does not) and never reads ``org``.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import grpc
from flyteidl.admin import matchable_resource_pb2 as mr_pb2
from flyteidl.admin import project_attributes_pb2 as pa_pb2
from flyteidl.admin import project_domain_attributes_pb2 as pda_pb2
from flyteidl.admin import workflow_attributes_pb2 as wa_pb2

from reconciler.localadmin.service import projects
from reconciler.localadmin.service.status import AdminStatusError

MR = mr_pb2.MatchableResource
PROJECT_PRIORITY = 5
PROJECT_DOMAIN_PRIORITY = 10
WORKFLOW_PRIORITY = 100
DEFAULT_MAX_PARALLELISM = 25  # FA/runtime/application_config_provider.go: the platform default

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL DEFAULT '',
    workflow TEXT NOT NULL DEFAULT '',
    launch_plan TEXT NOT NULL DEFAULT '',
    resource_type TEXT NOT NULL,
    priority INTEGER NOT NULL,
    attributes BLOB NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (project, domain, workflow, launch_plan, resource_type)
);
CREATE INDEX IF NOT EXISTS resources_type_priority ON resources (resource_type, priority);
"""

# attributes_validator.go: which oneof selects which resource type (QoS deliberately absent).
_ONEOF_TYPES = {
    "task_resource_attributes": MR.Value("TASK_RESOURCE"),
    "cluster_resource_attributes": MR.Value("CLUSTER_RESOURCE"),
    "execution_queue_attributes": MR.Value("EXECUTION_QUEUE"),
    "execution_cluster_label": MR.Value("EXECUTION_CLUSTER_LABEL"),
    "plugin_overrides": MR.Value("PLUGIN_OVERRIDE"),
    "workflow_execution_config": MR.Value("WORKFLOW_EXECUTION_CONFIG"),
    "cluster_assignment": MR.Value("CLUSTER_ASSIGNMENT"),
}
PLUGIN_OVERRIDE = MR.Value("PLUGIN_OVERRIDE")
WORKFLOW_EXECUTION_CONFIG = MR.Value("WORKFLOW_EXECUTION_CONFIG")


def _invalid(message: str) -> AdminStatusError:
    return AdminStatusError(grpc.StatusCode.INVALID_ARGUMENT, message)


def resource_type_of(attributes: mr_pb2.MatchingAttributes | None, where: str) -> int:
    """The resource type a MatchingAttributes writes, or INVALID_ARGUMENT as flyteadmin answers."""
    if attributes is None:
        raise _invalid("missing matching_attributes")
    which = attributes.WhichOneof("target")
    if which not in _ONEOF_TYPES:
        raise _invalid(f"Unrecognized matching attributes type for request {where}")
    return _ONEOF_TYPES[which]


def _type_name(resource_type: int) -> str:
    # Get requests are not validated (§4.4): an unknown number still needs a printable name.
    try:
        return MR.Name(resource_type)
    except ValueError:
        return str(resource_type)


def _not_found(project: str, domain: str, workflow: str, resource_type: int) -> AdminStatusError:
    return AdminStatusError(
        grpc.StatusCode.NOT_FOUND,
        f"Resource [{{Project:{project} Domain:{domain} Workflow:{workflow} LaunchPlan: "
        f"ResourceType:{_type_name(resource_type)}}}] not found")


def _write(conn: sqlite3.Connection, project: str, domain: str, workflow: str, resource_type: int,
           priority: int, attributes: mr_pb2.MatchingAttributes) -> None:
    """Full replacement of one level's value for one type (flyteadmin's CreateOrUpdate)."""
    now = time.time()
    conn.execute(
        "INSERT INTO resources (project, domain, workflow, launch_plan, resource_type, priority, attributes,"
        " created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?)"
        " ON CONFLICT (project, domain, workflow, launch_plan, resource_type)"
        " DO UPDATE SET attributes = excluded.attributes, priority = excluded.priority,"
        " updated_at = excluded.updated_at",
        (project, domain, workflow, MR.Name(resource_type), priority,
         attributes.SerializeToString(deterministic=True), now, now))


def _exact(conn: sqlite3.Connection, project: str, domain: str, workflow: str,
           resource_type: int) -> mr_pb2.MatchingAttributes | None:
    row = conn.execute(
        "SELECT attributes FROM resources WHERE project = ? AND domain = ? AND workflow = ?"
        " AND launch_plan = '' AND resource_type = ?",
        (project, domain, workflow, MR.Name(resource_type))).fetchone()
    return None if row is None else _parse(row["attributes"])


def _parse(blob: bytes) -> mr_pb2.MatchingAttributes:
    attributes = mr_pb2.MatchingAttributes()
    attributes.ParseFromString(blob)
    return attributes


def _merge_plugins(existing: mr_pb2.MatchingAttributes | None,
                   new: mr_pb2.MatchingAttributes) -> mr_pb2.MatchingAttributes:
    """New overrides replace existing ones of the same task_type; other task types are kept."""
    if existing is None or existing.WhichOneof("target") != "plugin_overrides":
        return new
    by_type = {o.task_type: o for o in existing.plugin_overrides.overrides}
    by_type.update({o.task_type: o for o in new.plugin_overrides.overrides})
    merged = mr_pb2.MatchingAttributes()
    # Not sorted: flyteadmin returns a Go map's order; insertion order (stored first, then new task types
    # in request order) is one such order, and a client that depends on sorting is caught here.
    merged.plugin_overrides.overrides.extend(by_type.values())
    return merged


def _update(conn: sqlite3.Connection, project: str, domain: str, workflow: str, resource_type: int,
            priority: int, attributes: mr_pb2.MatchingAttributes) -> None:
    if resource_type == PLUGIN_OVERRIDE:
        attributes = _merge_plugins(_exact(conn, project, domain, workflow, resource_type), attributes)
    _write(conn, project, domain, workflow, resource_type, priority, attributes)


def _effective(conn: sqlite3.Connection, project: str, domain: str, workflow: str,
               resource_type: int) -> sqlite3.Row | None:
    """flyteadmin's ResourceRepo.Get: the highest-priority row among the applicable levels."""
    return conn.execute(
        "SELECT project, domain, workflow, attributes FROM resources WHERE resource_type = ?"
        " AND project IN ('', ?) AND domain IN ('', ?) AND workflow IN ('', ?) AND launch_plan = ''"
        " ORDER BY priority DESC, id ASC LIMIT 1",
        (_type_name(resource_type), project, domain, workflow)).fetchone()


def effective_attributes(conn: sqlite3.Connection, project: str, domain: str, workflow: str,
                         resource_type: int) -> mr_pb2.MatchingAttributes | None:
    """The inherited value of one type for a workflow (what an execution of it would use), or None."""
    row = _effective(conn, project, domain, workflow, resource_type)
    return None if row is None else _parse(row["attributes"])


def _with_platform_defaults(attributes: mr_pb2.MatchingAttributes | None,
                            ) -> mr_pb2.MatchingAttributes:
    merged = mr_pb2.MatchingAttributes()
    if attributes is not None:
        merged.CopyFrom(attributes)
    config = merged.workflow_execution_config
    if config.max_parallelism == 0:
        config.max_parallelism = DEFAULT_MAX_PARALLELISM
    return merged


class AttributesMixin:
    """The matchable-attribute RPCs of the AdminService (mixed into the servicer)."""

    db: Any

    # --- project level -------------------------------------------------------------------------------------
    def UpdateProjectAttributes(self, request: pa_pb2.ProjectAttributesUpdateRequest,
                                context: grpc.ServicerContext) -> pa_pb2.ProjectAttributesUpdateResponse:
        if not request.HasField("attributes"):
            raise _invalid("missing attributes")
        attrs = request.attributes
        with self.db.write() as conn:
            projects.validate_project_for_update(conn, attrs.project)
            resource_type = resource_type_of(
                attrs.matching_attributes if attrs.HasField("matching_attributes") else None, attrs.project)
            if resource_type == PLUGIN_OVERRIDE:
                # flyteadmin's GetRaw rejects the empty domain and its error transformer makes it Internal.
                raise AdminStatusError(
                    grpc.StatusCode.INTERNAL,
                    f"unexpected error type for: missing and/or invalid parameters: "
                    f"{{{attrs.project}    {MR.Name(resource_type)}}}")
            _update(conn, attrs.project, "", "", resource_type, PROJECT_PRIORITY, attrs.matching_attributes)
        return pa_pb2.ProjectAttributesUpdateResponse()

    def GetProjectAttributes(self, request: pa_pb2.ProjectAttributesGetRequest,
                             context: grpc.ServicerContext) -> pa_pb2.ProjectAttributesGetResponse:
        with self.db.read() as conn:
            projects.validate_project_exists(conn, request.project)
            found = _exact(conn, request.project, "", "", request.resource_type) if _known(
                request.resource_type) else None
        if request.resource_type == WORKFLOW_EXECUTION_CONFIG:
            found = _with_platform_defaults(found)
        if found is None:
            raise _not_found(request.project, "", "", request.resource_type)
        return pa_pb2.ProjectAttributesGetResponse(attributes=pa_pb2.ProjectAttributes(
            project=request.project, matching_attributes=found))

    def DeleteProjectAttributes(self, request: pa_pb2.ProjectAttributesDeleteRequest,
                                context: grpc.ServicerContext) -> pa_pb2.ProjectAttributesDeleteResponse:
        with self.db.write() as conn:
            projects.validate_project_for_update(conn, request.project)
            conn.execute("DELETE FROM resources WHERE project = ? AND resource_type = ?",
                         (request.project, _type_name(request.resource_type)))
        return pa_pb2.ProjectAttributesDeleteResponse()

    # --- project-domain level ------------------------------------------------------------------------------
    def UpdateProjectDomainAttributes(
            self, request: pda_pb2.ProjectDomainAttributesUpdateRequest,
            context: grpc.ServicerContext) -> pda_pb2.ProjectDomainAttributesUpdateResponse:
        if not request.HasField("attributes"):
            raise _invalid("missing attributes")
        attrs = request.attributes
        with self.db.write() as conn:
            projects.validate_project_and_domain(conn, attrs.project, attrs.domain)
            resource_type = resource_type_of(
                attrs.matching_attributes if attrs.HasField("matching_attributes") else None,
                f"{attrs.project}-{attrs.domain}")
            _update(conn, attrs.project, attrs.domain, "", resource_type, PROJECT_DOMAIN_PRIORITY,
                    attrs.matching_attributes)
        return pda_pb2.ProjectDomainAttributesUpdateResponse()

    def GetProjectDomainAttributes(
            self, request: pda_pb2.ProjectDomainAttributesGetRequest,
            context: grpc.ServicerContext) -> pda_pb2.ProjectDomainAttributesGetResponse:
        with self.db.read() as conn:
            projects.validate_project_and_domain(conn, request.project, request.domain)
            row = _effective(conn, request.project, request.domain, "", request.resource_type)
        if row is None:
            raise _not_found(request.project, request.domain, "", request.resource_type)
        return pda_pb2.ProjectDomainAttributesGetResponse(
            attributes=pda_pb2.ProjectDomainAttributes(
                project=row["project"], domain=row["domain"], matching_attributes=_parse(row["attributes"])))

    def DeleteProjectDomainAttributes(
            self, request: pda_pb2.ProjectDomainAttributesDeleteRequest,
            context: grpc.ServicerContext) -> pda_pb2.ProjectDomainAttributesDeleteResponse:
        with self.db.write() as conn:
            projects.validate_project_and_domain(conn, request.project, request.domain)
            conn.execute("DELETE FROM resources WHERE project = ? AND domain = ? AND resource_type = ?",
                         (request.project, request.domain, _type_name(request.resource_type)))
        return pda_pb2.ProjectDomainAttributesDeleteResponse()

    # --- workflow level ------------------------------------------------------------------------------------
    def UpdateWorkflowAttributes(self, request: wa_pb2.WorkflowAttributesUpdateRequest,
                                 context: grpc.ServicerContext) -> wa_pb2.WorkflowAttributesUpdateResponse:
        if not request.HasField("attributes"):
            raise _invalid("missing attributes")
        attrs = request.attributes
        with self.db.write() as conn:
            projects.validate_project_and_domain(conn, attrs.project, attrs.domain)
            if not attrs.workflow:
                raise _invalid("missing name")
            resource_type = resource_type_of(
                attrs.matching_attributes if attrs.HasField("matching_attributes") else None,
                f"{attrs.project}-{attrs.domain}-{attrs.workflow}")
            _update(conn, attrs.project, attrs.domain, attrs.workflow, resource_type, WORKFLOW_PRIORITY,
                    attrs.matching_attributes)
        return wa_pb2.WorkflowAttributesUpdateResponse()

    def GetWorkflowAttributes(self, request: wa_pb2.WorkflowAttributesGetRequest,
                              context: grpc.ServicerContext) -> wa_pb2.WorkflowAttributesGetResponse:
        with self.db.read() as conn:
            projects.validate_project_and_domain(conn, request.project, request.domain)
            if not request.workflow:
                raise _invalid("missing name")
            row = _effective(conn, request.project, request.domain, request.workflow, request.resource_type)
        if row is None:
            raise _not_found(request.project, request.domain, request.workflow, request.resource_type)
        return wa_pb2.WorkflowAttributesGetResponse(attributes=wa_pb2.WorkflowAttributes(
            project=row["project"], domain=row["domain"], workflow=row["workflow"],
            matching_attributes=_parse(row["attributes"])))

    def DeleteWorkflowAttributes(self, request: wa_pb2.WorkflowAttributesDeleteRequest,
                                 context: grpc.ServicerContext) -> wa_pb2.WorkflowAttributesDeleteResponse:
        with self.db.write() as conn:
            projects.validate_project_and_domain(conn, request.project, request.domain)
            if not request.workflow:
                raise _invalid("missing name")
            conn.execute("DELETE FROM resources WHERE project = ? AND domain = ? AND workflow = ?"
                         " AND resource_type = ?",
                         (request.project, request.domain, request.workflow,
                          _type_name(request.resource_type)))
        return wa_pb2.WorkflowAttributesDeleteResponse()

    # --- all levels ----------------------------------------------------------------------------------------
    def ListMatchableAttributes(self, request: mr_pb2.ListMatchableAttributesRequest,
                                context: grpc.ServicerContext) -> mr_pb2.ListMatchableAttributesResponse:
        if not _known(request.resource_type):
            raise _invalid("invalid value for resource_type")
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT project, domain, workflow, launch_plan, attributes FROM resources"
                " WHERE resource_type = ? ORDER BY priority DESC, id ASC",
                (MR.Name(request.resource_type),)).fetchall()
        return mr_pb2.ListMatchableAttributesResponse(configurations=[
            mr_pb2.MatchableAttributesConfiguration(
                attributes=_parse(r["attributes"]), project=r["project"], domain=r["domain"],
                workflow=r["workflow"], launch_plan=r["launch_plan"]) for r in rows])


def _known(resource_type: int) -> bool:
    return resource_type in MR.values()
