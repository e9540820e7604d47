"""Finding manifest files and reading them as text.

Files are found recursively under each given path in a deterministic order (sorted by path, per
path argument, duplicates dropped); hidden directories and the run configuration file are
skipped, and symlinks are followed only to targets inside the manifest root. A file larger than
``MAX_FILE_BYTES``, a binary file or one that is not UTF-8 is refused with its name. Nothing here
renders, parses or contacts anything.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ManifestProblem
from reconciler.manifests.config import CONFIG_FILE

MAX_FILE_BYTES = 5 * 1024 * 1024  # documented in docs/manifests.md: larger manifest files are refused
SUFFIXES = (".yaml", ".yml", ".yaml.j2", ".yml.j2")


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _link_problem(link: Path, root: Path) -> str | None:
    """Why a symlink under ``root`` cannot be read as a manifest, or None when it may be.

    A link is followed only to a target inside the manifest root: a manifest linked in from elsewhere
    would be applied without ever being part of the reviewed tree. A dangling or looping link is an
    error, not a skip: with prune on, skipping it would prune everything the file used to declare.
    """
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return f"dangling symlink (its target {os.readlink(link)!r} does not exist)"
    except (RuntimeError, OSError) as exc:  # RuntimeError: "Symlink loop" (Python 3.11)
        reason = "a symlink loop" if isinstance(exc, RuntimeError) or getattr(exc, "errno", 0) == errno.ELOOP \
            else (getattr(exc, "strerror", None) or str(exc))
        return f"cannot follow the symlink ({reason})"
    if not _inside(target, root.resolve()):
        return f"symlink to {target}, outside the manifest root {root}"
    return None


def _walk(root: Path, problems: list[ManifestProblem]) -> list[Path]:
    found: list[Path] = []
    for entry in root.rglob("*"):  # does not descend into symlinked directories
        if _is_hidden(entry, root) or entry.name == CONFIG_FILE:
            continue
        is_link = entry.is_symlink()
        if is_link and (entry.name.endswith(SUFFIXES) or _points_to_directory(entry)):
            problem = _link_problem(entry, root)
            if problem is not None:
                problems.append(ManifestProblem(str(entry), 1, "", "", "", problem,
                                                "a file inside the manifest root, or a symlink to one"))
                continue
        if entry.name.endswith(SUFFIXES) and entry.is_file():
            found.append(entry)
    return sorted(found, key=lambda p: p.as_posix())


def _points_to_directory(link: Path) -> bool:
    try:
        return link.is_dir()
    except OSError:
        return False


def discover(paths: list[str], problems: list[ManifestProblem], *, skip: Path | None = None) -> list[Path]:
    """Manifest files under ``paths``; a missing path and an unusable symlink are reported as problems.

    ``skip`` is the run configuration actually in use (it may have another name than
    ``flyte-reconciler.yaml`` when given with ``--config``); it is never read as a manifest.
    Symlinked directories are not descended into (a link to a directory inside the root adds nothing;
    one to a directory outside it is refused).
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.append(path)  # named explicitly: read it whatever its suffix
        elif path.is_dir():
            files += _walk(path, problems)
        elif path.is_symlink():
            problems.append(ManifestProblem(raw, 1, "", "", "", _link_problem(path, path.parent) or "unreadable",
                                            "an existing manifest file or directory"))
        else:
            problems.append(ManifestProblem(raw, 1, "", "", "", "no such file or directory",
                                            "a manifest file or a directory of *.yaml files"))
    unique: dict[Path, Path] = {}
    skipped = skip.resolve() if skip is not None else None
    for file in files:
        if file.resolve() == skipped:
            continue
        unique.setdefault(file.resolve(), file)
    return list(unique.values())


def read_source(path: Path, problems: list[ManifestProblem]) -> SourceFile | None:
    """The file's text, or ``None`` with a problem appended when it cannot be a manifest."""
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(ManifestProblem(file, 1, "", "", "", f"file is {size} bytes",
                                            f"manifest files are limited to {MAX_FILE_BYTES} bytes (5 MiB); "
                                            "split it into several files"))
            return None
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(ManifestProblem(file, 1, "", "", "", f"cannot read the file: {exc.strerror or exc}"))
        return None
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        problems.append(ManifestProblem(file, line, "", "", "", "binary file (it contains NUL bytes)",
                                        "UTF-8 YAML text"))
        return None
    try:
        text = raw.decode("utf-8-sig")  # a leading BOM is harmless; editors on Windows write one
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(ManifestProblem(file, line, "", "", "", f"not valid UTF-8 (byte {raw[exc.start]:#04x} at "
                                        f"offset {exc.start})", "UTF-8 YAML text"))
        return None
    # CR alone is a line break to YAML (old Mac files, some generators): normalise both spellings to "\n"
    # so that every line count (Jinja's, ours, the editor's) agrees with YAML's.
    return SourceFile(file, text.replace("\r\n", "\n").replace("\r", "\n"))
