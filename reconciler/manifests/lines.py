"""Line maps built when something asks for a line, not for every document of every run.

A valid run rarely needs a field's line (plans cite a document's first line), so documents are parsed
without their per-field line maps (``yamlload.load_documents(lines=False)``). A ``LazyLines`` stands
in for a document's map: the first question about any document of a file parses that file's
rendered text again, with lines, and maps rendered lines to source lines as loading would have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from reconciler.manifests.yamlload import Path, load_documents


class FileLines:
    """The line maps of one file's documents, built on the first request (then the text is let go)."""

    def __init__(self, text: str, source_line: Callable[[int], int] | None = None) -> None:
        self._text: str | None = text
        self._source_line = source_line
        self._maps: list[dict[Path, int]] | None = None

    def of(self, index: int) -> dict[Path, int]:
        if self._maps is None:
            assert self._text is not None
            maps = [d.lines for d in load_documents(self._text)]
            if self._source_line is not None:
                to_source = self._source_line
                maps = [{path: to_source(n) for path, n in found.items()} for found in maps]
            self._maps, self._text = maps, None
        return self._maps[index]


class LazyLines(Mapping[Path, int]):
    """The line map of the ``index``-th document of a file (see ``FileLines``)."""

    __slots__ = ("_file", "_index")

    def __init__(self, file: FileLines, index: int) -> None:
        self._file = file
        self._index = index

    def __getitem__(self, path: Path) -> int:
        return self._file.of(self._index)[path]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._file.of(self._index))

    def __len__(self) -> int:
        return len(self._file.of(self._index))


class FieldSources(Mapping[str, str]):
    """``file:line`` of some fields of a document (dotted path → text), located when first read: the
    launch plan fields a plan-time check can fail on are known up front, but their lines are rarely needed."""

    __slots__ = ("_document", "_paths")

    def __init__(self, document: Any, paths: Mapping[str, tuple[str | int, ...]]) -> None:
        self._document = document  # a ManifestDocument (``.file``, ``.line_of``)
        self._paths = paths

    def __getitem__(self, key: str) -> str:
        return f"{self._document.file}:{self._document.line_of(self._paths[key])}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
