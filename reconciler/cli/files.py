"""Writing the files the CLI produces (saved plans, exports) atomically.

The text goes to a temporary file in the same directory, is flushed to disk, then renamed over the
target: a reader (``apply --plan``, a CI step) sees the old file or the whole new one, never a
truncated plan. A full disk (or a file-size limit) is reported as a clear error naming the file,
and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from reconciler.errors import ConfigError

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def write_atomic(path: Path, text: str, *, mode: int = 0o644) -> None:
    data = text.encode("utf-8")
    directory = path.parent if str(path.parent) else Path(".")
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        if exc.errno in _NO_SPACE:
            raise ConfigError(f"cannot write {path}: no space left for its {len(data):,} bytes ({exc.strerror}); "
                              f"{path} was left as it was",
                              hint="free some disk space, or write the file elsewhere") from exc
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}", hint="check the directory exists and is "
                          "writable") from exc
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
