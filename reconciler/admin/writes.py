"""``AdminWriter``: the idempotent writes the applier performs, one method per kind of call.

Creates treat ALREADY_EXISTS as "already in place" (a project then gets the full desired update,
since Admin does not compare content); every id sent is complete (Admin's partial-key lookups would
otherwise match an arbitrary row); UpdateProject always carries the desired state and the labels
message (present-but-empty clears labels). Executions (backfills) come from ``ExecutionWriter``:
``create_execution`` treats ALREADY_EXISTS as success and never re-sends a create.
"""

from __future__ import annotations

import base64
from typing import Any

from flyteidl.admin import (
    common_pb2,
    launch_plan_pb2,
    project_attributes_pb2,
    project_domain_attributes_pb2,
    project_pb2,
    workflow_attributes_pb2,
)
from flyteidl.core import identifier_pb2
from google.protobuf.json_format import ParseDict

from reconciler.admin import package_writes
from reconciler.admin.client import AdminClient
from reconciler.admin.convert import RESOURCE_TYPES, attribute_to_proto, project_proto
from reconciler.admin.executions import ExecutionWriter
from reconciler.admin.pages import PAGE_SIZE, paginate
from reconciler.admin.runs import RunWriter
from reconciler.errors import AlreadyExistsError, InvalidArgumentError, PlanError
from reconciler.model.address import attributes_address, launch_plan_address, project_address

_NAMED_TYPES = {"workflow": identifier_pb2.WORKFLOW, "launch_plan": identifier_pb2.LAUNCH_PLAN}


class AdminWriter(RunWriter, ExecutionWriter):
    def __init__(self, client: AdminClient) -> None:
        super().__init__(client)

    def register_project(self, body: dict[str, Any]) -> None:
        target = project_address(body["id"])
        try:
            self.client.call("RegisterProject", project_pb2.ProjectRegisterRequest(project=project_proto(body)),
                             target=target)
        except AlreadyExistsError:
            self.update_project(body)

    def update_project(self, body: dict[str, Any]) -> None:
        self.client.call("UpdateProject", project_proto(body), target=project_address(body["id"]))

    def create_launch_plan(self, project: str, domain: str, name: str, version: str,
                           spec_data: str | dict[str, Any]) -> None:
        """``spec_data``: the serialized LaunchPlanSpec in base64 (what plans carry), or its protobuf JSON."""
        ident = identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=project, domain=domain,
                                          name=name, version=version)
        if isinstance(spec_data, str):
            spec = launch_plan_pb2.LaunchPlanSpec.FromString(base64.b64decode(spec_data, validate=True))
        else:
            spec = ParseDict(spec_data, launch_plan_pb2.LaunchPlanSpec())
        target = f"{launch_plan_address(project, domain, name)}@{version}"
        try:
            self.client.call("CreateLaunchPlan", launch_plan_pb2.LaunchPlanCreateRequest(id=ident, spec=spec),
                             target=target)
        except AlreadyExistsError:
            return
        except InvalidArgumentError as exc:
            if "different structure" in exc.message:
                raise PlanError(f"{target}: version {version!r} is already registered with a different spec; launch "
                                "plan versions are immutable",
                                hint="change or remove the pinned `version:` in the manifest") from exc
            raise

    def upload_package_archive(self, project: str, domain: str, filename: str, md5: str, path: str) -> None:
        package_writes.upload_archive(self.client, project, domain, filename, md5, path)

    def register_package_entity(self, kind: str, request: str) -> None:
        package_writes.register_entity(self.client, kind, request)

    def set_launch_plan_state(self, project: str, domain: str, name: str, version: str, active: bool) -> None:
        ident = identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=project, domain=domain,
                                          name=name, version=version)
        state = launch_plan_pb2.ACTIVE if active else launch_plan_pb2.INACTIVE
        self.client.call("UpdateLaunchPlan", launch_plan_pb2.LaunchPlanUpdateRequest(id=ident, state=state),
                         target=f"{launch_plan_address(project, domain, name)}@{version}")

    def update_named_entity(self, resource_type: str, project: str, domain: str, name: str, description: str,
                            state: str) -> None:
        """Set description and state (``resource_type``: "workflow" | "launch_plan"). Admin never clears a
        description with "" (§5.2): an empty description leaves the stored one as it is."""
        metadata = common_pb2.NamedEntityMetadata(
            description=description,
            state=common_pb2.NAMED_ENTITY_ARCHIVED if state == "archived" else common_pb2.NAMED_ENTITY_ACTIVE)
        self.client.call("UpdateNamedEntity", common_pb2.NamedEntityUpdateRequest(
            resource_type=_NAMED_TYPES[resource_type],
            id=common_pb2.NamedEntityIdentifier(project=project, domain=domain, name=name), metadata=metadata),
            target=f"{resource_type}/{project}/{domain}/{name}")

    def list_executions(self, project: str, domain: str, filters: str = "") -> list[Any]:
        """Every execution of a project-domain matching Admin ``filters`` (e.g. ``eq(launch_plan.name,x)``),
        paged with a stable sort."""
        return list(paginate(self.client, "ListExecutions", lambda token: common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=project, domain=domain), limit=PAGE_SIZE, token=token,
            filters=filters, sort_by=common_pb2.Sort(key="execution_name", direction=common_pb2.Sort.ASCENDING)),
            "executions", target=f"{project}/{domain}"))

    def update_attributes(self, project: str, domain: str | None, workflow: str | None, attr_type: str,
                          value: Any) -> None:
        matching = attribute_to_proto(attr_type, value)
        target = attributes_address(project, domain, workflow, attr_type)
        if workflow:
            request: Any = workflow_attributes_pb2.WorkflowAttributesUpdateRequest(
                attributes=workflow_attributes_pb2.WorkflowAttributes(
                    project=project, domain=domain or "", workflow=workflow, matching_attributes=matching))
            self.client.call("UpdateWorkflowAttributes", request, target=target)
        elif domain:
            request = project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
                attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
                    project=project, domain=domain, matching_attributes=matching))
            self.client.call("UpdateProjectDomainAttributes", request, target=target)
        else:
            request = project_attributes_pb2.ProjectAttributesUpdateRequest(
                attributes=project_attributes_pb2.ProjectAttributes(project=project, matching_attributes=matching))
            self.client.call("UpdateProjectAttributes", request, target=target)

    def delete_attributes(self, project: str, domain: str | None, workflow: str | None, attr_type: str) -> None:
        resource_type = RESOURCE_TYPES[attr_type]
        target = attributes_address(project, domain, workflow, attr_type)
        if workflow:
            self.client.call("DeleteWorkflowAttributes", workflow_attributes_pb2.WorkflowAttributesDeleteRequest(
                project=project, domain=domain or "", workflow=workflow, resource_type=resource_type), target=target)
        elif domain:
            self.client.call("DeleteProjectDomainAttributes",
                             project_domain_attributes_pb2.ProjectDomainAttributesDeleteRequest(
                                 project=project, domain=domain, resource_type=resource_type), target=target)
        else:
            self.client.call("DeleteProjectAttributes", project_attributes_pb2.ProjectAttributesDeleteRequest(
                project=project, resource_type=resource_type), target=target)
