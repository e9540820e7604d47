"""Convert flytectl ``--attrFile`` YAML files into Attributes manifests (migration from flytectl).

flytectl files are the admin protobuf structs in snake_case plus ``project``/``domain``/``workflow``
(keys case-insensitive, enums as integers, ``{value: …}`` wrappers for BoolValue); the type is told by
the keys present. Rows with the same project/domain/workflow are merged into one Attributes document.
"""

from __future__ import annotations

from typing import Any

from reconciler.errors import ManifestError, ManifestProblem

_RESOURCE_KEYS = {"cpu": "cpu", "gpu": "gpu", "memory": "memory", "storage": "storage",
                  "ephemeral_storage": "ephemeralStorage"}
_MISSING = {0: "fail", 1: "useDefault", "FAIL": "fail", "USE_DEFAULT": "useDefault"}


def _unwrap(value: Any) -> Any:
    return value.get("value") if isinstance(value, dict) and set(value) == {"value"} else value


def _resources(block: dict[str, Any]) -> dict[str, str]:
    return {_RESOURCE_KEYS[k]: str(v) for k, v in block.items() if k in _RESOURCE_KEYS and v not in (None, "")}


def _wec(data: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    if data.get("max_parallelism"):
        value["maxParallelism"] = int(data["max_parallelism"])
    run_as = (data.get("security_context") or {}).get("run_as") or {}
    if run_as.get("k8s_service_account"):
        value["serviceAccount"] = run_as["k8s_service_account"]
    if run_as.get("iam_role"):
        value["iamRole"] = run_as["iam_role"]
    prefix = (data.get("raw_output_data_config") or {}).get("output_location_prefix")
    if prefix:
        value["rawOutputDataPrefix"] = prefix
    for key in ("labels", "annotations"):
        values = (data.get(key) or {}).get("values")
        if values:
            value[key] = dict(values)
    interruptible = _unwrap(data.get("interruptible"))
    if interruptible is not None:
        value["interruptible"] = bool(interruptible)
    if _unwrap(data.get("overwrite_cache")):
        value["overwriteCache"] = True
    envs = (data.get("envs") or {}).get("values") or []
    if envs:
        value["envs"] = {kv["key"]: kv.get("value", "") for kv in envs}
    return value


def convert_attr_file(data: Any, file: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(metadata, spec fragment)`` for one flytectl attribute file."""
    if not isinstance(data, dict):
        raise ManifestError([ManifestProblem(file, 1, "", "", "", "not a flytectl attribute file",
                                             "a mapping with project, domain and the attribute fields")])
    lowered = {str(k).lower(): v for k, v in data.items()}
    project = lowered.pop("project", None)
    domain = lowered.pop("domain", None) or None
    workflow = lowered.pop("workflow", None) or None
    if not project:
        raise ManifestError([ManifestProblem(file, 1, "", "", "project", "missing project", "project: <id>")])
    if workflow and not domain:
        raise ManifestError([ManifestProblem(file, 1, "", "", "domain", "a workflow-level file needs a domain")])
    keys = set(lowered)
    if keys & {"defaults", "limits"}:
        spec: dict[str, Any] = {"taskResources": {k: _resources(lowered[k] or {}) for k in ("defaults", "limits")
                                                  if k in lowered}}
    elif "attributes" in keys:
        spec = {"clusterResources": {k: str(v) for k, v in (lowered["attributes"] or {}).items()}}
    elif "tags" in keys:
        spec = {"executionQueue": list(lowered["tags"] or [])}
    elif "value" in keys:
        spec = {"executionClusterLabel": str(lowered["value"])}
    elif "overrides" in keys:
        spec = {"pluginOverrides": [{"taskType": o["task_type"], "pluginIds": list(o.get("plugin_id") or []),
                                     "missingPluginBehavior": _MISSING.get(o.get("missing_plugin_behavior", 0),
                                                                           "fail")}
                                    for o in lowered["overrides"] or []]}
    elif keys & {"max_parallelism", "security_context", "raw_output_data_config", "labels", "annotations",
                 "interruptible", "overwrite_cache", "envs"}:
        spec = {"workflowExecutionConfig": _wec(lowered)}
    else:
        raise ManifestError([ManifestProblem(file, 1, "", "", "", f"unrecognised attribute fields {sorted(keys)}",
                                             "a flytectl task-resource, cluster-resource, execution-queue, "
                                             "execution-cluster-label, plugin-override or workflow-execution-config "
                                             "file")])
    metadata = {"project": project, **({"domain": domain} if domain else {}),
                **({"workflow": workflow} if workflow else {})}
    return metadata, spec


def merge_documents(converted: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for metadata, spec in converted:
        key = (metadata["project"], metadata.get("domain", ""), metadata.get("workflow", ""))
        doc = grouped.setdefault(key, {"apiVersion": "flyte-reconciler/v1", "kind": "Attributes",
                                       "metadata": metadata, "spec": {}})
        doc["spec"].update(spec)
    return [grouped[k] for k in sorted(grouped)]
