"""Checks of ``Package`` documents that need the file system (the rest of the manifests layer is pure).

A package's ``spec.source`` is resolved against the directory of the manifest that names it and must
be a directory or a ``.tgz``/``.tar.gz``/``.tar`` archive; a launch plan that runs a workflow of a
package must name a package declared in its own project and domain. The archive's contents are read
and checked later, by the package loader (``reconciler.admin.packages``), with the same file:line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.errors import ManifestProblem

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar")


def source_path(doc: Any) -> Path:
    """Where a Package document's source is on disk."""
    return (Path(doc.file).parent / doc.model.spec.source).resolve()


def check_packages(documents: list[Any], problems: list[ManifestProblem]) -> None:
    packages = {(d.model.metadata.project, d.model.metadata.domain, d.model.metadata.name)
                for d in documents if d.kind == "Package"}
    for doc in documents:
        if doc.kind == "Package":
            path = source_path(doc)
            if not path.exists():
                problem = f"{doc.model.spec.source} does not exist (looked for {path})"
            elif not (path.is_dir() or path.name.endswith(ARCHIVE_SUFFIXES)):
                problem = f"{doc.model.spec.source} is neither a directory nor a .tgz/.tar.gz/.tar archive"
            else:
                continue
            problems.append(ManifestProblem(doc.file, doc.line_of(("spec", "source")), doc.kind, doc.address,
                                            "spec.source", problem,
                                            "the output of `pyflyte package` (a .tgz) or of `pyflyte serialize` "
                                            "(a directory), relative to this manifest"))
        elif doc.kind == "LaunchPlan" and doc.model.spec.workflow.package is not None:
            meta, package = doc.model.metadata, doc.model.spec.workflow.package
            if (meta.project, meta.domain, package) not in packages:
                problems.append(ManifestProblem(
                    doc.file, doc.line_of(("spec", "workflow", "package")), doc.kind, doc.address,
                    "spec.workflow.package", f"package {package!r} is not declared in {meta.project}/{meta.domain}",
                    "the name of a Package manifest of the same project and domain"))
