"""JSON Schema of every manifest kind, for editors (yaml-language-server) and policy tools."""

from __future__ import annotations

from typing import Any

from reconciler.manifests.models import KINDS


def json_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    variants = []
    for kind, model in KINDS.items():
        schema = model.model_json_schema(ref_template="#/$defs/{model}", by_alias=True)
        defs.update(schema.pop("$defs", {}))
        defs[kind] = schema
        variants.append({"if": {"properties": {"kind": {"const": kind}}}, "then": {"$ref": f"#/$defs/{kind}"}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "flyte-reconciler manifest",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {"apiVersion": {"const": "flyte-reconciler/v1"}, "kind": {"enum": list(KINDS)}},
        "allOf": variants,
        "$defs": defs,
    }
