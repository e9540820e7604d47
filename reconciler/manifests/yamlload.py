"""YAML with line tracking, safely: SafeLoader only (no ``!!python/...`` tags), duplicate mapping keys
rejected (PyYAML silently keeps the last one), alias expansion and nesting bounded (billion laughs).

``load_documents(text)`` returns, per document, the plain Python value and a map from each path
(a tuple of keys/indexes) to the 1-based line where it is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

MAX_NODES = 200_000  # values materialised per file, aliases included
MAX_DEPTH = 64

Path = tuple[str | int, ...]


class YamlProblem(Exception):
    def __init__(self, line: int, message: str, path: Path = ()) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.path = path


@dataclass(frozen=True)
class YamlDocument:
    value: Any
    lines: dict[Path, int]
    start_line: int


class _Builder:
    def __init__(self) -> None:
        self.count = 0
        self.lines: dict[Path, int] = {}
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(node.start_mark.line + 1, f"document expands to more than {MAX_NODES} values "
                              "(alias bomb?)", path)
        if depth > MAX_DEPTH:
            raise YamlProblem(node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels", path)
        self.lines.setdefault(path, node.start_mark.line + 1)
        if node.tag.startswith("tag:yaml.org,2002:python") or not node.tag.startswith("tag:yaml.org,2002:"):
            raise YamlProblem(node.start_mark.line + 1, f"tag {node.tag!r} not allowed; only plain YAML is accepted "
                              "(safe loading)", path)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem(key_node.start_mark.line + 1, "merge keys (<<) are not supported", path)
                key = self.build(key_node, (*path, "<key>"), depth + 1)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise YamlProblem(key_node.start_mark.line + 1, "mapping keys must be scalars", path)
                key = str(key) if not isinstance(key, str) else key
                if key in result:
                    first = self.lines.get((*path, key), 0)
                    raise YamlProblem(key_node.start_mark.line + 1,
                                      f"duplicate key {key!r} (first defined at line {first})", (*path, key))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, (*path, key), depth + 1)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise YamlProblem(node.start_mark.line + 1, str(exc).splitlines()[0], path) from exc


def load_documents(text: str) -> list[YamlDocument]:
    documents = []
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
                continue  # an empty document (e.g. after a trailing ---)
            builder = _Builder()
            value = builder.build(node, (), 0)
            documents.append(YamlDocument(value=value, lines=builder.lines, start_line=node.start_mark.line + 1))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        if "could not determine a constructor" in str(exc) or "python/" in str(exc):
            problem = f"tag not allowed ({problem}); only plain YAML is accepted (safe loading)"
        raise YamlProblem(line, f"invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {exc}") from exc
    return documents


def jsonable(value: Any) -> Any:
    """Plain JSON-able data (YAML timestamps become ISO strings)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
