"""YAML with line tracking, safely.

- Only the YAML core schema is constructed: ``!!python/...`` and every other non-standard tag is
  refused (PyYAML's SafeLoader composes the node graph; values are built here from the nodes).
- Duplicate mapping keys are an error naming both lines (PyYAML silently keeps the last one).
- Alias expansion is bounded (``MAX_NODES`` values materialised per document, "billion laughs")
  and so is nesting (``MAX_DEPTH``).
- Merge keys (``<<``) are refused: they hide where a value comes from; use a Jinja macro instead.

``load_documents(text)`` returns, per document, the plain Python value and a map from each path
(a tuple of keys/indexes) to the 1-based line where it is written (for a mapping entry, the line
of its key). This module never reads files and never renders templates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

MAX_NODES = 200_000  # values materialised per document, aliases included
MAX_DEPTH = 64
# libyaml parses about ten times faster than the pure-Python parser; the nodes (and marks) are the same.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE_TAG = "tag:yaml.org,2002:"
_MISSING = object()
_SAFE_TAGS = {f"{_CORE_TAG}{name}" for name in
              ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_STR_TAG = f"{_CORE_TAG}str"
_MERGE_TAG = f"{_CORE_TAG}merge"
# Scalars resolve to immutable values (str, int, float, bool, None, date/datetime), so one cache of
# (tag, text) → value serves every document of every file: manifests repeat the same keys and values.
# Bounded (cleared when full) so a long-running controller does not grow it without end.
_SCALARS: dict[tuple[str, str], Any] = {}
_TAGS: dict[tuple[str, tuple[bool, bool]], str] = {}
_CACHE_LIMIT = 200_000


class _CachingLoader(_LOADER):  # type: ignore[misc, valid-type]
    """Resolves the implicit tag of each distinct plain scalar once (a regexp scan per scalar otherwise).

    With the safe resolver and no path resolvers, a scalar's tag depends on its text and ``implicit``
    only, so the cache cannot change a result.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = _TAGS.get(key)
        if tag is None:
            if len(_TAGS) > _CACHE_LIMIT:
                _TAGS.clear()
            tag = _TAGS[key] = super().resolve(kind, value, implicit)
        return tag

Path = tuple[str | int, ...]


class YamlProblem(Exception):
    def __init__(self, line: int, message: str, path: Path = (), expected: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.path = path
        self.expected = expected


@dataclass(frozen=True)
class YamlDocument:
    value: Any
    lines: dict[Path, int]
    start_line: int


class _Constructing:
    constructor: Any = None  # PyYAML's constructor, made on the first scalar the caches do not know


def _scalar(builder: _Constructing, node: yaml.Node, path: Path) -> Any:
    if node.tag == _STR_TAG:
        return node.value  # what the constructor would build: the text itself
    key = (node.tag, node.value)
    cached = _SCALARS.get(key, _MISSING)
    if cached is not _MISSING:
        return cached
    if builder.constructor is None:
        builder.constructor = yaml.SafeLoader("")
    line = node.start_mark.line + 1
    try:
        value = builder.constructor.construct_object(node, deep=True)
        if len(_SCALARS) > _CACHE_LIMIT:
            _SCALARS.clear()
        _SCALARS[key] = value
        return value
    except yaml.YAMLError as exc:
        raise YamlProblem(line, f"invalid value: {str(exc).splitlines()[0]}", path) from exc
    except (ValueError, OverflowError) as exc:  # a timestamp shape that is no real time: 2023-02-29, 24:00
        raise YamlProblem(line, f"{node.value!r} looks like a date or time but is not a real one ({exc})", path,
                          "a real calendar date and a time of day 00:00:00-23:59:59, or quote it "
                          "to keep it text") from exc


class _ValueBuilder(_Constructing):
    """The values ``_Builder`` builds, with the same refusals, but no paths and no line map: most runs never
    ask for a line. Its problems carry no detail; ``load_documents`` then parses again with ``_Builder``,
    which words the problem and names its line."""

    def __init__(self) -> None:
        self.count = 0

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise YamlProblem(0, "refused")
        tag = node.tag
        if tag == _STR_TAG:  # most nodes: text, which is what it says
            return node.value
        if tag not in _SAFE_TAGS:
            raise YamlProblem(0, "refused")
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                    raise YamlProblem(0, "refused")
                key = self.build(key_node, depth + 1)
                key = key if isinstance(key, str) else str(key_node.value)
                if key in result:
                    raise YamlProblem(0, "refused")
                result[key] = self.build(value_node, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth + 1) for item in node.value]
        return _scalar(self, node, ())


class _Builder(_Constructing):
    """Builds plain values from one composed document, recording the line of every path."""

    def __init__(self) -> None:
        self.count = 0
        self.lines: dict[Path, int] = {}

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(line, f"the document expands to more than {MAX_NODES} values (an alias bomb?)", path,
                              "fewer anchors/aliases")
        if depth > MAX_DEPTH:
            raise YamlProblem(line, f"nesting is deeper than {MAX_DEPTH} levels", path)
        self.lines.setdefault(path, line)
        if node.tag not in _SAFE_TAGS:
            raise YamlProblem(line, f"tag {node.tag.replace(_CORE_TAG, '!!')!r} is not allowed", path,
                              "plain YAML values (safe loading)")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return _scalar(self, node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                raise YamlProblem(key_line, "merge keys (<<) are not supported", path,
                                  "write the keys out, or generate them with a Jinja macro")
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(key_line, "a mapping key must be a plain scalar", path)
            key = self.build(key_node, (*path, "<key>"), depth + 1)
            # `on:`, `1:` or `null:` as keys: keep the text as written, not True / 1 / None.
            key = key if isinstance(key, str) else str(key_node.value)
            if key in result:
                first = self.lines.get((*path, key), 0)
                raise YamlProblem(key_line, f"duplicate key {key!r} (first defined at line {first})", (*path, key),
                                  "each key once per mapping")
            self.lines[(*path, key)] = key_line
            result[key] = self.build(value_node, (*path, key), depth + 1)
            self.lines[(*path, key)] = key_line  # the key's line, not the value's
        return result


# YAML 1.1 (PyYAML and libyaml) also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR; editors
# and everything else here count only "\n" (CR and CRLF are normalised to "\n" when files are read).
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")
_YAML_BREAKS = re.compile("[\n\x85\u2028\u2029]")


def _same_line(line: int) -> int:
    return line


def _line_converter(text: str) -> Callable[[int], int]:
    """Maps a 1-based line as YAML counts it to the 1-based line of ``text`` split at "\n"."""
    if not _YAML_ONLY_BREAKS.search(text):
        return _same_line
    physical = [1]
    for found in _YAML_BREAKS.finditer(text):
        physical.append(physical[-1] + (found.group() == "\n"))
    return lambda line: physical[min(max(line, 1), len(physical)) - 1]


def load_documents(text: str, *, lines: bool = True) -> list[YamlDocument]:
    """Every non-empty document of ``text``; ``YamlProblem`` on the first error. ``lines=False``: the
    documents' ``lines`` are empty (build them later with ``load_documents(text)``); errors are the same."""
    if not lines:
        try:
            return _values_only(text)
        except (YamlProblem, yaml.YAMLError):
            pass  # parsed again below, where the problem is worded and located
    documents = []
    line_of = _line_converter(text)
    try:
        for node in yaml.compose_all(text, Loader=_CachingLoader):
            if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
                continue  # an empty document (e.g. after a trailing ---)
            builder = _Builder()
            value = builder.build(node, (), 0)
            found = builder.lines if line_of is _same_line else {path: line_of(n) for path, n in builder.lines.items()}
            documents.append(YamlDocument(value=value, lines=found, start_line=line_of(node.start_mark.line + 1)))
    except YamlProblem as exc:
        exc.line = line_of(exc.line)
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        context = f" {exc.context}" if exc.context else ""
        raise YamlProblem(line_of(line), f"invalid YAML: {problem}{context}") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {exc}") from exc
    return documents


def _values_only(text: str) -> list[YamlDocument]:
    documents = []
    line_of = _line_converter(text)
    for node in yaml.compose_all(text, Loader=_CachingLoader):
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            continue
        value = _ValueBuilder().build(node, 0)
        documents.append(YamlDocument(value=value, lines={}, start_line=line_of(node.start_mark.line + 1)))
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
