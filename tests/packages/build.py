"""Build real packages of the small flytekit workflows here with ``pyflyte package`` (flytekit is a test
dependency), as a team's CI would; the tests register them through the tool."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMAGE = "ghcr.io/flyteorg/flytekit:py3.11-1.16"


def build(out: Path, *, fast: bool = False, source: Path = HERE) -> Path:
    """``pyflyte --pkgs wfs package`` of ``source`` (a copy of this folder, possibly edited) into ``out``."""
    work = out.parent / f"src-{out.stem}"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("__pycache__", "*.tgz", "build.py"))
    pyflyte = Path(sys.executable).with_name("pyflyte")
    command = [str(pyflyte), "--pkgs", "wfs", "package", "--image", IMAGE, "-o", str(out), "--force"]
    if fast:
        command.append("--fast")
    subprocess.run(command, cwd=work, check=True, capture_output=True, text=True, timeout=300)
    return out
