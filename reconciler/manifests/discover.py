"""Finding manifest files and reading them as text.

Files are found recursively under each given path in a deterministic order (sorted by path, per
path argument, duplicates dropped); hidden directories and the run configuration file are
skipped. A file larger than ``MAX_FILE_BYTES``, a binary file or one that is not UTF-8 is refused
with its name. Nothing here renders, parses or contacts anything.
"""

from __future__ import annotations

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


def discover(paths: list[str], problems: list[ManifestProblem], *, skip: Path | None = None) -> list[Path]:
    """Manifest files under ``paths``; a missing path is reported as a problem.

    ``skip`` is the run configuration actually in use (it may have another name than
    ``flyte-reconciler.yaml`` when given with ``--config``); it is never read as a manifest.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.append(path)  # named explicitly: read it whatever its suffix
        elif path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)
                     and p.name != CONFIG_FILE and not _is_hidden(p, path))
            files += sorted(found, key=lambda p: p.as_posix())
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
    return SourceFile(file, text.replace("\r\n", "\n"))
