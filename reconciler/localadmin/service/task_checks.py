"""CreateTask's template checks (flyteadmin-behaviour.md §2.1 step 4): type, metadata, runtime version,
interface, container image, and the container's resource requests/limits as k8s quantities.

Platform resource limits (flyteadmin's task_resources config / TASK_RESOURCE attribute) are not applied:
the embedded admin has no platform limits configured. Pure functions; errors are INVALID_ARGUMENT.
"""

from __future__ import annotations

import math
import re

from flyteidl.core import identifier_pb2, tasks_pb2
from google.protobuf import text_format

from reconciler.localadmin.service.status import invalid

_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_SUFFIXES = {"": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
             "E": 1e18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def id_text(ident: identifier_pb2.Identifier) -> str:
    return text_format.MessageToString(ident, as_one_line=True)


def quantity(value: str) -> float:
    """A k8s resource quantity (``500m``, ``1Gi``, ``2e3``) as a number; ValueError when malformed."""
    match = _QUANTITY.match(value)
    if not match:
        raise ValueError("quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    number, suffix = float(match.group(1)), match.group(2)
    if suffix in _SUFFIXES:
        return number * _SUFFIXES[suffix]
    if suffix[:1] in "eE" and re.fullmatch(r"[eE][-+]?[0-9]+", suffix):
        return number * 10 ** int(suffix[1:])
    raise ValueError("unable to parse quantity's suffix")


def _resources(ident: identifier_pb2.Identifier, entries: object) -> dict[int, float]:
    result: dict[int, float] = {}
    R = tasks_pb2.Resources
    for entry in entries:  # type: ignore[attr-defined]
        if entry.name not in (R.CPU, R.MEMORY, R.GPU, R.EPHEMERAL_STORAGE):
            continue
        label = R.ResourceName.Name(entry.name)
        if entry.name in result:
            raise invalid(f"can't specify {label} limit for task [{id_text(ident)}] multiple times")
        try:
            result[entry.name] = quantity(entry.value)
        except ValueError as exc:
            raise invalid(f"Parsing of {label} request failed for value {entry.value} - reason  {exc}. Please "
                          "follow K8s conventions for resources https://kubernetes.io/docs/concepts/configuration/"
                          "manage-resources-containers/") from None
        if entry.name == R.GPU and result[entry.name] != int(result[entry.name]):
            raise invalid(f"gpu for [{id_text(ident)}] must be a whole number, got: {entry.value} instead")
    return result


def validate_task_template(ident: identifier_pb2.Identifier, template: tasks_pb2.TaskTemplate) -> None:
    """flyteadmin's template checks (§2.1 step 4); platform resource limits are not configured here."""
    if not template.type:
        raise invalid("missing type")
    if not template.HasField("metadata"):
        raise invalid("missing metadata")
    if template.metadata.HasField("runtime") and not template.metadata.runtime.version:
        raise invalid("missing runtime version")
    if not template.HasField("interface"):
        raise invalid("missing typed interface")
    if template.type == "sidecar" or not template.HasField("container"):
        return
    if not template.container.image:
        raise invalid("missing image")
    if not template.container.HasField("resources"):
        return
    requests = _resources(ident, template.container.resources.requests)
    limits = _resources(ident, template.container.resources.limits)
    R = tasks_pb2.Resources
    for name, default in requests.items():
        limit = limits.get(name)
        if limit is None:
            continue
        if name == R.GPU and default != limit:
            raise invalid("For extended resource 'gpu' the default value must equal the limit value for task "
                          f"[{id_text(ident)}]")
        if name != R.GPU and math.ceil(limit) < math.ceil(default):  # k8s Quantity.Value() rounds up
            raise invalid(f"Requested {R.ResourceName.Name(name)} default [{_spec_value(template, name, False)}] "
                          f"is greater than the limit [{_spec_value(template, name, True)}]. Please fix your "
                          "configuration")


def _spec_value(template: tasks_pb2.TaskTemplate, name: int, limit: bool) -> str:
    entries = template.container.resources.limits if limit else template.container.resources.requests
    return next(e.value for e in entries if e.name == name)
