"""JSON Schema of every manifest kind, for editors (yaml-language-server) and policy tools.

The document is a ``oneOf`` over the kinds; each variant pins ``kind`` to one constant, so exactly
one variant can match and editors pick the right completions from ``kind``. The schema is derived
from the pydantic models, so it never drifts from what ``validate`` accepts (the checks that need
code, such as cron fields or label rules, are only in ``validate``). Pure: no files, no I/O.
"""

from __future__ import annotations

from typing import Any

from reconciler.manifests.models import API_VERSION, KINDS

SCHEMA_ID = "https://flyte-reconciler.dev/schemas/manifest-v1.json"


def _drop_hidden(schema: Any) -> Any:
    """Remove fields marked hidden (present in a model only to explain a refusal)."""
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            schema["properties"] = {name: value for name, value in properties.items()
                                    if not (isinstance(value, dict) and value.get("hidden"))}
        return {key: _drop_hidden(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_drop_hidden(item) for item in schema]
    return schema


def json_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    variants = []
    for kind, model in KINDS.items():
        schema = model.model_json_schema(ref_template="#/$defs/{model}", by_alias=True, mode="validation")
        defs.update(schema.pop("$defs", {}))
        defs[f"{kind}Manifest"] = schema
        variants.append({"$ref": f"#/$defs/{kind}Manifest"})
    return _drop_hidden({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "flyte-reconciler manifest",
        "description": f"One document of kind {', '.join(KINDS)} (apiVersion {API_VERSION}).",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {"apiVersion": {"const": API_VERSION}, "kind": {"enum": list(KINDS)}},
        "oneOf": variants,
        "$defs": defs,
    })
