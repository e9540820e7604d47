"""Protobuf ↔ normalised bodies (see ``reconciler.model.state``).

The same functions serve the desired side (the messages we are about to send) and the actual side
(what Admin returns), so a freshly written object converts to exactly the body it was written from:
``launch_plan_spec_body`` is applied both to the spec we build and to the spec Admin stores, and
``attribute_value_from_proto(attribute_to_proto(t, v)) == (t, v)`` for every manifest value ``v``
(camelCase, ``None`` keys dropped) except the two proto3 scalars that cannot carry presence
(``workflowExecutionConfig.overwriteCache: false`` and ``maxParallelism: 0`` read back as absent).
Server-owned fields (timestamps, digests, closure) never reach a body. No I/O here.
"""

from __future__ import annotations

from typing import Any

from flyteidl.admin import cluster_assignment_pb2, common_pb2, launch_plan_pb2, project_pb2
from flyteidl.admin import matchable_resource_pb2 as MR
from flyteidl.core import execution_pb2, security_pb2

from reconciler.admin.literals import literal_to_value, type_name

ATTRIBUTE_FIELDS = {  # body type → MatchingAttributes oneof field
    "task_resource": "task_resource_attributes",
    "cluster_resource": "cluster_resource_attributes",
    "execution_queue": "execution_queue_attributes",
    "execution_cluster_label": "execution_cluster_label",
    "plugin_override": "plugin_overrides",
    "workflow_execution_config": "workflow_execution_config",
    "cluster_assignment": "cluster_assignment",
}
RESOURCE_TYPES = {  # body type → MatchableResource enum
    "task_resource": MR.TASK_RESOURCE, "cluster_resource": MR.CLUSTER_RESOURCE,
    "execution_queue": MR.EXECUTION_QUEUE, "execution_cluster_label": MR.EXECUTION_CLUSTER_LABEL,
    "plugin_override": MR.PLUGIN_OVERRIDE, "workflow_execution_config": MR.WORKFLOW_EXECUTION_CONFIG,
    "cluster_assignment": MR.CLUSTER_ASSIGNMENT,
}
_RESOURCE_KEYS = (("cpu", "cpu"), ("gpu", "gpu"), ("memory", "memory"), ("storage", "storage"),
                  ("ephemeralStorage", "ephemeral_storage"))
_MISSING = {"fail": MR.PluginOverride.FAIL, "useDefault": MR.PluginOverride.USE_DEFAULT}
_PHASES = {4: "succeeded", 6: "failed", 8: "timed_out", 7: "aborted"}
_STATES = {project_pb2.Project.ACTIVE: "active", project_pb2.Project.ARCHIVED: "archived",
           project_pb2.Project.SYSTEM_GENERATED: "system_generated", project_pb2.Project.SYSTEM_ARCHIVED: "archived"}


# -- projects and named entities -----------------------------------------------------------------
def project_body(project: project_pb2.Project) -> dict[str, Any]:
    return {"id": project.id, "displayName": project.name, "description": project.description,
            "labels": dict(sorted(project.labels.values.items())), "state": _STATES.get(project.state, "active")}


def project_proto(body: dict[str, Any]) -> project_pb2.Project:
    project = project_pb2.Project(id=body["id"], name=body["displayName"], description=body.get("description", ""),
                                  state=project_pb2.Project.ARCHIVED if body.get("state") == "archived"
                                  else project_pb2.Project.ACTIVE)
    project.labels.SetInParent()  # present-but-empty clears labels on update
    project.labels.values.update(body.get("labels") or {})
    return project


def named_entity_body(entity: common_pb2.NamedEntity) -> dict[str, Any]:
    return {"description": entity.metadata.description,
            "state": "archived" if entity.metadata.state == common_pb2.NAMED_ENTITY_ARCHIVED else "active"}


# -- launch plans --------------------------------------------------------------------------------
def _schedule_body(spec: launch_plan_pb2.LaunchPlanSpec) -> dict[str, Any] | None:
    if not spec.entity_metadata.HasField("schedule"):
        return None
    schedule = spec.entity_metadata.schedule
    body: dict[str, Any] = {}
    # Admin reads the deprecated cron_expression first; a spec written by another tool may use it.
    if schedule.cron_expression or schedule.HasField("cron_schedule"):
        body["cron"] = schedule.cron_expression or schedule.cron_schedule.schedule
        if schedule.cron_schedule.offset:
            body["offset"] = schedule.cron_schedule.offset
    elif schedule.HasField("rate"):
        unit = {0: "minute", 1: "hour", 2: "day"}.get(schedule.rate.unit, str(schedule.rate.unit))
        body["rate"] = {"value": schedule.rate.value, "unit": unit}
    body["kickoffTimeInput"] = schedule.kickoff_time_input_arg or None
    return body


def _notification_body(note: common_pb2.Notification) -> dict[str, Any]:
    target = note.WhichOneof("type") or ""
    key = {"pager_duty": "pagerDuty"}.get(target, target)
    recipients = list(getattr(note, target).recipients_email) if target else []
    return {"phases": sorted(_PHASES.get(p, str(p)) for p in note.phases), key: recipients}


def launch_plan_spec_body(spec: launch_plan_pb2.LaunchPlanSpec) -> dict[str, Any]:
    wf = spec.workflow_id
    defaults = {}
    for name, param in sorted(spec.default_inputs.parameters.items()):
        defaults[name] = {"type": type_name(param.var.type), "required": bool(param.required),
                          "default": literal_to_value(param.default) if param.HasField("default") else None}
    run_as = spec.security_context.run_as
    interruptible = spec.interruptible.value if spec.HasField("interruptible") else None
    qos = None
    if spec.HasField("quality_of_service"):
        qos = {"tier": execution_pb2.QualityOfService.Tier.Name(spec.quality_of_service.tier).lower()}
    return {
        "workflow": {"project": wf.project, "domain": wf.domain, "name": wf.name, "version": wf.version},
        "defaultInputs": defaults,
        "fixedInputs": {k: literal_to_value(v) for k, v in sorted(spec.fixed_inputs.literals.items())},
        "schedule": _schedule_body(spec),
        "notifications": sorted((_notification_body(n) for n in spec.entity_metadata.notifications), key=repr),
        "labels": dict(sorted(spec.labels.values.items())),
        "annotations": dict(sorted(spec.annotations.values.items())),
        "serviceAccount": run_as.k8s_service_account or None,
        "iamRole": run_as.iam_role or None,
        "rawOutputDataPrefix": spec.raw_output_data_config.output_location_prefix or None,
        "maxParallelism": spec.max_parallelism or None,
        "interruptible": interruptible,
        "overwriteCache": bool(spec.overwrite_cache),
        "envs": {kv.key: kv.value for kv in sorted(spec.envs.values, key=lambda kv: kv.key)},
        "qualityOfService": qos,
    }


def security_context(spec: dict[str, Any]) -> security_pb2.SecurityContext:
    """``serviceAccount`` / ``iamRole`` of a manifest (launch plan or execution config) as Admin's run_as."""
    return security_pb2.SecurityContext(run_as=security_pb2.Identity(
        k8s_service_account=spec.get("serviceAccount") or "", iam_role=spec.get("iamRole") or ""))


# -- matchable attributes ------------------------------------------------------------------------
def _resources_value(spec: MR.TaskResourceSpec) -> dict[str, str]:
    return {ours: getattr(spec, theirs) for ours, theirs in _RESOURCE_KEYS if getattr(spec, theirs)}


def _wec_value(wec: MR.WorkflowExecutionConfig) -> dict[str, Any]:
    """Only the keys that are set; message fields keep their presence (``labels: {}`` reads back as
    written). Plain scalars cannot: ``overwriteCache: false`` and ``maxParallelism: 0`` read as absent."""
    value: dict[str, Any] = {}
    if wec.max_parallelism:
        value["maxParallelism"] = wec.max_parallelism
    if wec.security_context.run_as.k8s_service_account:
        value["serviceAccount"] = wec.security_context.run_as.k8s_service_account
    if wec.security_context.run_as.iam_role:
        value["iamRole"] = wec.security_context.run_as.iam_role
    if wec.raw_output_data_config.output_location_prefix:
        value["rawOutputDataPrefix"] = wec.raw_output_data_config.output_location_prefix
    if wec.HasField("labels"):
        value["labels"] = dict(sorted(wec.labels.values.items()))
    if wec.HasField("annotations"):
        value["annotations"] = dict(sorted(wec.annotations.values.items()))
    if wec.HasField("interruptible"):
        value["interruptible"] = wec.interruptible.value
    if wec.overwrite_cache:
        value["overwriteCache"] = True
    if wec.HasField("envs"):
        value["envs"] = {kv.key: kv.value for kv in sorted(wec.envs.values, key=lambda kv: kv.key)}
    return value


def _wec_proto(v: dict[str, Any]) -> MR.WorkflowExecutionConfig:
    wec = MR.WorkflowExecutionConfig(max_parallelism=int(v.get("maxParallelism") or 0),
                                     overwrite_cache=bool(v.get("overwriteCache", False)))
    if v.get("serviceAccount") or v.get("iamRole"):
        wec.security_context.CopyFrom(security_context(v))
    if v.get("rawOutputDataPrefix"):
        wec.raw_output_data_config.output_location_prefix = v["rawOutputDataPrefix"]
    for key in ("labels", "annotations"):
        if v.get(key) is not None:
            getattr(wec, key).SetInParent()  # present-but-empty is kept, so the value reads back as written
            getattr(wec, key).values.update(v[key])
    if v.get("interruptible") is not None:
        wec.interruptible.value = bool(v["interruptible"])
    if v.get("envs") is not None:
        wec.envs.SetInParent()
        for key, env_value in sorted(v["envs"].items()):
            wec.envs.values.add(key=key, value=str(env_value))
    return wec


def attribute_value_from_proto(attributes: MR.MatchingAttributes) -> tuple[str, Any] | None:
    """``(attr_type, manifest-shaped value)``, or None for a type we do not manage (QoS)."""
    field = attributes.WhichOneof("target")
    if field == "task_resource_attributes":
        tra = attributes.task_resource_attributes
        value: dict[str, Any] = {}
        if tra.HasField("defaults"):
            value["defaults"] = _resources_value(tra.defaults)
        if tra.HasField("limits"):
            value["limits"] = _resources_value(tra.limits)
        return "task_resource", value
    if field == "cluster_resource_attributes":
        return "cluster_resource", dict(sorted(attributes.cluster_resource_attributes.attributes.items()))
    if field == "execution_queue_attributes":
        return "execution_queue", list(attributes.execution_queue_attributes.tags)
    if field == "execution_cluster_label":
        return "execution_cluster_label", attributes.execution_cluster_label.value
    if field == "plugin_overrides":
        overrides = []
        for o in attributes.plugin_overrides.overrides:
            missing = "useDefault" if o.missing_plugin_behavior == MR.PluginOverride.USE_DEFAULT else "fail"
            overrides.append({"taskType": o.task_type, "pluginIds": list(o.plugin_id),
                              "missingPluginBehavior": missing})
        return "plugin_override", sorted(overrides, key=lambda o: o["taskType"])
    if field == "workflow_execution_config":
        return "workflow_execution_config", _wec_value(attributes.workflow_execution_config)
    if field == "cluster_assignment":
        return "cluster_assignment", {"clusterPoolName": attributes.cluster_assignment.cluster_pool_name}
    return None


def attribute_to_proto(attr_type: str, value: Any) -> MR.MatchingAttributes:
    if attr_type == "task_resource":
        tra = MR.TaskResourceAttributes()
        for block in ("defaults", "limits"):
            if block in (value or {}):
                spec = getattr(tra, block)
                spec.SetInParent()
                for ours, theirs in _RESOURCE_KEYS:
                    if value[block].get(ours) is not None:
                        setattr(spec, theirs, str(value[block][ours]))
        return MR.MatchingAttributes(task_resource_attributes=tra)
    if attr_type == "cluster_resource":
        return MR.MatchingAttributes(cluster_resource_attributes=MR.ClusterResourceAttributes(
            attributes={k: str(v) for k, v in (value or {}).items()}))
    if attr_type == "execution_queue":
        return MR.MatchingAttributes(execution_queue_attributes=MR.ExecutionQueueAttributes(tags=list(value or [])))
    if attr_type == "execution_cluster_label":
        return MR.MatchingAttributes(execution_cluster_label=MR.ExecutionClusterLabel(value=str(value)))
    if attr_type == "plugin_override":
        overrides = [MR.PluginOverride(task_type=o["taskType"], plugin_id=list(o.get("pluginIds", [])),
                                       missing_plugin_behavior=_MISSING[o.get("missingPluginBehavior", "fail")])
                     for o in value or []]
        return MR.MatchingAttributes(plugin_overrides=MR.PluginOverrides(overrides=overrides))
    if attr_type == "workflow_execution_config":
        return MR.MatchingAttributes(workflow_execution_config=_wec_proto(value or {}))
    if attr_type == "cluster_assignment":
        return MR.MatchingAttributes(cluster_assignment=cluster_assignment_pb2.ClusterAssignment(
            cluster_pool_name=(value or {}).get("clusterPoolName", "")))
    raise ValueError(f"unknown attribute type {attr_type!r}")
