"""Read live state of one project into manifest documents (``flyte-reconciler export``).

Launch plans are exported with their live version pinned, so a plan right after an export is empty;
default inputs that were not required are written explicitly. A launch plan with no active version is
exported too, as ``active: false`` pinned to its most recently registered version, and every launch plan
keeps its description (named-entity metadata): adopting an export loses nothing. Attributes of every
level, workflow metadata that differs from the defaults, and the project itself are included.
"""

from __future__ import annotations

from typing import Any

from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2

from reconciler.admin.convert import launch_plan_spec_body
from reconciler.admin.observe import ObserveRequest, _named, observe
from reconciler.model.address import Address, launch_plan_address


def _launch_plan_spec(version: str, body: dict[str, Any]) -> dict[str, Any]:
    wf = body["workflow"]
    spec: dict[str, Any] = {"workflow": {"name": wf["name"], "version": wf["version"]}, "version": version,
                            "active": True}
    defaults = {name: p["default"] for name, p in body["defaultInputs"].items() if not p["required"]}
    if body["schedule"]:
        spec["schedule"] = {k: v for k, v in body["schedule"].items() if v is not None}
    if body["fixedInputs"]:
        spec["fixedInputs"] = body["fixedInputs"]
    if defaults:
        spec["defaultInputs"] = defaults
    for key in ("notifications", "labels", "annotations", "envs"):
        if body[key]:
            spec[key] = body[key]
    for key in ("serviceAccount", "iamRole", "rawOutputDataPrefix", "maxParallelism", "interruptible",
                "qualityOfService"):
        if body[key] is not None:
            spec[key] = body[key]
    if body["overwriteCache"]:
        spec["overwriteCache"] = True
    return spec


def export_project(client: Any, project: str, domains: list[str]) -> list[dict[str, Any]]:
    observation = observe(client, ObserveRequest(projects=[project], domains=domains, attributes=True))
    docs: list[dict[str, Any]] = []
    api = "flyte-reconciler/v1"
    for resource in observation.actual.of_kind("project"):
        body = resource.body
        spec = {"displayName": body["displayName"] or body["id"]}
        if body["description"]:
            spec["description"] = body["description"]
        if body["labels"]:
            spec["labels"] = body["labels"]
        if body["state"] == "archived":
            spec["state"] = "archived"
        docs.append({"apiVersion": api, "kind": "Project", "metadata": {"name": body["id"]}, "spec": spec})
    for resource in observation.actual.of_kind("attributes"):
        address = Address.parse(resource.address)
        metadata = {"project": address.project, **({"domain": address.domain} if address.domain else {}),
                    **({"workflow": address.workflow} if address.workflow else {})}
        key = {"task_resource": "taskResources", "cluster_resource": "clusterResources",
               "execution_queue": "executionQueue", "execution_cluster_label": "executionClusterLabel",
               "plugin_override": "pluginOverrides", "workflow_execution_config": "workflowExecutionConfig",
               "cluster_assignment": "clusterAssignment"}[str(address.attr_type)]
        docs.append({"apiVersion": api, "kind": "Attributes", "metadata": metadata,
                     "spec": {key: resource.body["value"]}})
    for domain in domains:
        for entity in _named(client, (identifier_pb2.LAUNCH_PLAN, project, domain)):
            name = entity.id.name
            live = observation.actual.get(launch_plan_address(project, domain, name))
            active = live.body["activeVersions"] if live is not None else []
            if active:
                version, body = active[-1], live.body["versions"][active[-1]]  # type: ignore[union-attr]
            else:
                latest = _latest_version(client, project, domain, name)
                if latest is None:
                    continue
                version, body = latest.id.version, launch_plan_spec_body(latest.spec)
            spec = _launch_plan_spec(version, body)
            spec["active"] = bool(active)
            if entity.metadata.description:
                spec["description"] = entity.metadata.description
            docs.append({"apiVersion": api, "kind": "LaunchPlan",
                         "metadata": {"project": project, "domain": domain, "name": name}, "spec": spec})
    for domain in domains:
        for entity in _named(client, (identifier_pb2.WORKFLOW, project, domain)):
            meta = entity.metadata
            if not meta.description and meta.state == common_pb2.NAMED_ENTITY_ACTIVE:
                continue
            spec = {"description": meta.description} if meta.description else {}
            spec["state"] = "archived" if meta.state == common_pb2.NAMED_ENTITY_ARCHIVED else "active"
            docs.append({"apiVersion": api, "kind": "Workflow",
                         "metadata": {"project": project, "domain": domain, "name": entity.id.name}, "spec": spec})
    return docs


def _latest_version(client: Any, project: str, domain: str, name: str) -> Any:
    """The most recently registered version of a launch plan (None when it has none)."""
    response = client.call("ListLaunchPlans", common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain, name=name), limit=1,
        sort_by=common_pb2.Sort(key="created_at", direction=common_pb2.Sort.DESCENDING)),
        target=f"launchplan/{project}/{domain}/{name}")
    return response.launch_plans[0] if response.launch_plans else None
