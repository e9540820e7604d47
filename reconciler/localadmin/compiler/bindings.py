"""Binding resolution and type checks (flytepropeller ``validators/bindings.go``, ``vars.go``, ``utils.go``).

Resolving a promise fills its ``node_id`` with the producing node's id (``start-node`` for workflow inputs)
and adds the graph edges the binding implies.
"""

from __future__ import annotations

import re

from flyteidl.core import interface_pb2, literals_pb2, types_pb2
from flyteidl.core.interface_pb2 import Variable
from flyteidl.core.types_pb2 import LiteralType

from reconciler.localadmin.compiler import errors as e
from reconciler.localadmin.compiler.castable import castable
from reconciler.localadmin.compiler.errors import ErrorScope
from reconciler.localadmin.compiler.gotext import go_text
from reconciler.localadmin.compiler.graph import START_NODE, NodeBuilder, WorkflowBuilder

_VAR_NAME = re.compile(r"(\[(?P<index>\d+)\]\.)?(?P<var>\w+)", re.ASCII)
_WORD = re.compile(r"\w+", re.ASCII)
_PRIMITIVE_TYPES = {"integer": types_pb2.INTEGER, "float_value": types_pb2.FLOAT, "string_value": types_pb2.STRING,
                    "boolean": types_pb2.BOOLEAN, "datetime": types_pb2.DATETIME, "duration": types_pb2.DURATION}


def type_text(t: LiteralType | None) -> str:
    """``LiteralTypeToStr``: Go text, except STRUCTs, which print their dataclass fields."""
    if t is None:
        return "None"
    if t.WhichOneof("type") == "simple" and t.simple == types_pb2.STRUCT:
        fields = t.structure.dataclass_type
        inner = ", ".join(f"dataclass_type:{{key:{k} value:{{{type_text(fields[k])}}}" for k in sorted(fields))
        return f"simple: STRUCT structure{{{inner}}}"
    return go_text(t)


def literal_type_for_primitive(primitive: literals_pb2.Primitive) -> LiteralType:
    return LiteralType(simple=_PRIMITIVE_TYPES.get(primitive.WhichOneof("value"), types_pb2.NONE))  # type: ignore


def literal_type_for_scalar(scalar: literals_pb2.Scalar) -> LiteralType | None:
    kind = scalar.WhichOneof("value")
    if kind == "primitive":
        return literal_type_for_primitive(scalar.primitive)
    if kind == "blob":
        return LiteralType(blob=scalar.blob.metadata.type) if scalar.blob.HasField("metadata") else None
    if kind == "binary":
        return LiteralType(simple=types_pb2.STRUCT if scalar.binary.tag == "msgpack" else types_pb2.BINARY)
    if kind == "schema":
        return LiteralType(schema=scalar.schema.type)
    if kind == "structured_dataset":
        return LiteralType(structured_dataset_type=scalar.structured_dataset.metadata.structured_dataset_type)
    if kind == "none_type":
        return LiteralType(simple=types_pb2.NONE)
    if kind == "error":
        return LiteralType(simple=types_pb2.ERROR)
    if kind == "generic":
        return LiteralType(simple=types_pb2.STRUCT)
    if kind == "union":
        return LiteralType(union_type=types_pb2.UnionType(variants=[scalar.union.type]))
    return None


def _untyped_dataset(scalar: literals_pb2.Scalar) -> bool:
    """A structured dataset without metadata: Go types it with a nil dataset type, which fits no input."""
    return scalar.WhichOneof("value") == "structured_dataset" and not scalar.structured_dataset.HasField("metadata")


def is_optional(variable: Variable) -> bool:
    """A union with a NONE variant; as in Go, a non-simple variant reads as NONE too."""
    if variable.type.WhichOneof("type") != "union_type":
        return False
    return any(v.simple == types_pb2.NONE for v in variable.type.union_type.variants)


def effective_outputs(node: NodeBuilder, errs: ErrorScope) -> interface_pb2.VariableMap | None:
    """The node's outputs under their aliases; None when the node has no interface."""
    aliases: dict[str, str] = {}
    for alias in node.proto.output_aliases:
        if alias.var in aliases:
            errs.collect("DuplicateAlias", node.id, f"Duplicate alias [{alias.alias}] found. An output alias can "
                                                    "only be used once in the Workflow.")
        else:
            aliases[alias.var] = alias.alias
    if node.interface is None:
        return None
    outputs = node.interface.outputs
    if not aliases:
        return outputs
    params = interface_pb2.VariableMap()
    for name, param in (outputs.variables.items() if outputs is not None else ()):
        if name in aliases:
            params.variables[aliases.pop(name)].CopyFrom(param)
        else:
            params.variables[name].CopyFrom(param)
    for alias_name in aliases.values():
        e.parameter_not_bound(errs, node.id, alias_name)
    return params


def validate_output_var(node: NodeBuilder, name: str, errs: ErrorScope) -> Variable | None:
    scope = errs.scope()
    outputs = effective_outputs(node, scope.scope())
    if scope.has_errors:
        return None
    param = outputs.variables.get(name) if outputs is not None and outputs.variables else None
    if param is None:
        e.variable_not_found(scope, node.id, name)
    return param


def _node_for(w: WorkflowBuilder, node_id: str, errs: ErrorScope) -> NodeBuilder | None:
    if not node_id:
        return w.nodes.get(START_NODE)
    found = w.nodes.get(node_id)
    if found is None:
        e.node_not_found(errs, node_id)
    return found


def _qualified(node: NodeBuilder, var: str) -> str:
    """A variable as MismatchingTypes texts name it: prefixed with the node's name when it has metadata."""
    return f"{node.proto.metadata.name}.{var}" if node.has_metadata else var


def _resolve_promise(w: WorkflowBuilder, node: NodeBuilder, param: str, promise: object, expected: LiteralType,
                     errs: ErrorScope, check_types: bool) -> tuple[LiteralType | None, list[str], bool]:
    up = _node_for(w, promise.node_id, errs.scope())  # type: ignore[attr-defined]
    if up is not None:
        var = promise.var  # type: ignore[attr-defined]
        index, name = None, var
        if not _WORD.fullmatch(var):
            matches = list(_VAR_NAME.finditer(var))
            if len(matches) != 1:
                errs.collect("SyntaxError", node.id, f"Failed to parse element [{var}].")
                return None, [], not errs.has_errors
            index, name = matches[0].group("index"), matches[0].group("var")
        output = validate_output_var(up, name, errs.scope())
        if output is not None:
            source = output.type
            if index is not None:
                if source.WhichOneof("type") != "collection_type":
                    e.mismatching_variables(errs, node.id, _qualified(up, var), type_text(output.type),
                                            _qualified(node, param), type_text(expected))
                else:
                    source = source.collection_type
            for attr in promise.attr_path:  # type: ignore[attr-defined]
                kind = source.WhichOneof("type")
                if kind == "collection_type":
                    source = source.collection_type
                elif kind == "map_value_type":
                    source = source.map_value_type
                elif source.HasField("structure") and len(source.structure.dataclass_type):
                    key = attr.string_value
                    if key not in source.structure.dataclass_type:
                        errs.collect("FieldNotFound", node.id, f"Variable [{var}] (type [{go_text(source)}]) "
                                                               f"doesn't have field [{key}].")
                        return None, [], not errs.has_errors
                    source = source.structure.dataclass_type[key]
            if not check_types or castable(source, expected):
                promise.node_id = up.id  # type: ignore[attr-defined]
                return output.type, [up.id], True
            e.mismatching_variables(errs, node.id, _qualified(up, var), type_text(source), _qualified(node, param),
                                    type_text(expected))
            return None, [], not errs.has_errors
    e.parameter_not_bound(errs, node.id, param)
    return None, [], not errs.has_errors


def validate_binding(w: WorkflowBuilder, node: NodeBuilder, param: str, binding: literals_pb2.BindingData,
                     expected: LiteralType, errs: ErrorScope, check_types: bool
                     ) -> tuple[LiteralType | None, list[str], bool]:
    kind = binding.WhichOneof("value")
    if kind not in ("scalar", "promise") and expected.WhichOneof("type") == "union_type":
        match: tuple[LiteralType | None, list[str], bool] | None = None
        match_type = None
        for variant in expected.union_type.variants:
            attempt = validate_binding(w, node, param, binding, variant, ErrorScope(), check_types)
            if attempt[2]:
                if match is not None:
                    errs.collect("AmbiguousBindingUnionValue", node.id,
                                 f"Input [{param}] on node [{node.id}] expects bindings of union type "
                                 f"[{go_text(expected)}].  Received [{go_text(binding)}] which is ambiguous as both "
                                 f"variants [{go_text(match_type)}] and [{go_text(variant)}] match.")
                    return None, [], not errs.has_errors
                match, match_type = attempt, variant
        if match is not None:
            return match
        errs.collect("IncompatibleBindingUnionValue", node.id,
                     f"Input [{param}] on node [{node.id}] expects bindings of union type [{go_text(expected)}].  "
                     f"Received [{go_text(binding)}] which does not match any of the variants.")
        return None, [], not errs.has_errors

    if kind in ("collection", "map"):
        element = expected.collection_type if kind == "collection" else expected.map_value_type
        if expected.WhichOneof("type") != ("collection_type" if kind == "collection" else "map_value_type"):
            e.mismatching_bindings(errs, node.id, param, go_text(expected), go_text(getattr(binding, kind)))
            return None, [], not errs.has_errors
        items = binding.collection.bindings if kind == "collection" else binding.map.bindings.values()
        upstream: list[str] = []
        sub_type = None
        for item in items:
            resolved, ids, ok = validate_binding(w, node, param, item, element, errs.scope(), check_types)
            if ok:
                upstream += ids
                sub_type = resolved
        result = LiteralType()
        target = result.collection_type if kind == "collection" else result.map_value_type
        target.SetInParent()
        if sub_type is not None:
            target.CopyFrom(sub_type)
        return result, upstream, not errs.has_errors
    if kind == "promise":
        return _resolve_promise(w, node, param, binding.promise, expected, errs, check_types)
    if kind == "scalar":
        literal_type = literal_type_for_scalar(binding.scalar)
        if literal_type is None:
            value_kind = binding.scalar.WhichOneof("value")
            received = f"*core.Scalar_{_camel(value_kind)}" if value_kind else "<nil>"
            errs.collect("UnrecognizedValue", node.id, f"Unrecognized value [{received}].")
        elif check_types and (_untyped_dataset(binding.scalar) or not castable(literal_type, expected)):
            e.mismatching_types(errs, node.id, param, type_text(literal_type), type_text(expected))
        if expected.WhichOneof("type") == "enum_type":
            value = binding.scalar.primitive.string_value
            values = list(expected.enum_type.values)
            if value not in values:
                errs.collect("IllegalEnumValue", node.id,
                             f"Input [{param}] on node [{node.id}] is an Enum and expects value to be one of "
                             f"[[{' '.join(values)}]].  Received [{value}]")
        return literal_type, [], not errs.has_errors
    received = f"*core.BindingData_{_camel(kind)}" if kind else ""
    e.mismatching_bindings(errs, node.id, param, go_text(expected), received)
    return None, [], not errs.has_errors


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def validate_bindings(w: WorkflowBuilder, node: NodeBuilder, bindings: object,
                      params: interface_pb2.VariableMap | None, check_types: bool, direction: int,
                      errs: ErrorScope, resolve: bool = False) -> interface_pb2.VariableMap:
    """Check ``bindings`` against ``params``, add the edges they imply; with ``resolve``, returns the types
    they resolved to (the interface of branch and gate nodes)."""
    resolved = interface_pb2.VariableMap()
    provided: set[str] = set()
    variables = params.variables if params is not None else {}
    for binding in bindings:  # type: ignore[attr-defined]
        param = variables.get(binding.var) if binding.var in variables else None
        if param is None and check_types:
            e.variable_not_found(errs, node.id, binding.var)
        elif not binding.HasField("binding"):
            e.value_required(errs, node.id, "Binding")
        elif binding.var in provided:
            errs.collect("ParameterBoundMoreThanOnce", node.id, f"Input [{binding.var}] is bound more than once.")
        else:
            expected = param.type if param is not None else LiteralType(simple=types_pb2.NONE)
            provided.add(binding.var)
            resolved_type, upstream, ok = validate_binding(w, node, binding.var, binding.binding, expected,
                                                           errs.scope(), check_types)
            if ok:
                for up in upstream:
                    w.add_edge(up, node.id, direction)
                if not resolve:
                    continue
                if resolved_type is not None:
                    resolved.variables[binding.var].type.CopyFrom(resolved_type)
                else:
                    resolved.variables[binding.var].SetInParent()
    if len(provided) < len(variables):
        for name in variables:
            if name not in provided and not is_optional(variables[name]):
                e.parameter_not_bound(errs, node.id, name)
    return resolved
