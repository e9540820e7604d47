"""Per-file digests of the manifests a plan was made from, and what differs from them now.

A saved plan records one digest per manifest file (over the file's validated documents, in
canonical JSON, independent of document order) so that ``apply --plan FILE PATHS`` can name the
files whose content moved since the review, not only say that something did. Pure.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping
from typing import Any


def file_digests(documents: Iterable[Any]) -> dict[str, str]:
    """``{file: sha256}`` over documents with ``.file`` and a pydantic ``.model`` (``ManifestDocument``)."""
    per_file: dict[str, list[str]] = {}
    for doc in documents:
        dumped = doc.model.model_dump(mode="json", by_alias=True)
        per_file.setdefault(posixpath.normpath(doc.file), []).append(
            json.dumps(dumped, sort_keys=True, separators=(",", ":"), ensure_ascii=True))
    return {file: hashlib.sha256("\n".join(sorted(docs)).encode()).hexdigest()
            for file, docs in sorted(per_file.items())}


def differing_files(recorded: Mapping[str, str], now: Mapping[str, str]) -> dict[str, list[str]]:
    """Files changed, added and removed since the plan (only the non-empty groups)."""
    groups = {
        "changed": sorted(f for f in recorded.keys() & now.keys() if recorded[f] != now[f]),
        "added": sorted(now.keys() - recorded.keys()),
        "removed": sorted(recorded.keys() - now.keys()),
    }
    return {name: files for name, files in groups.items() if files}
