"""A cache of parsed YAML, so that a second run over unchanged files skips the parser.

Entries are keyed by the SHA-256 of the tool version and the *rendered* text of a file (what the
parser reads), so a changed file, template variable or tool version simply misses. Each entry holds
the documents' values and first lines (line maps are built on demand, ``manifests.lines``); a text
that does not parse is never stored, so every error is found and worded by the parser itself.

The cache lives in ``.flyte-reconciler/cache/`` of the working directory (``.gitignore``d, safe to
delete), but it is **never trusted because of where it is**: a pull request can commit files there.
Every entry carries an HMAC-SHA256 made with a key that never lives in the repository
(``$XDG_CACHE_HOME/flyte-reconciler/cache.key``, else ``~/.cache/…``, created 0600 on first use), and
is deserialized only after the MAC checks out; an entry that fails is ignored and replaced. So a
committed or edited entry cannot make the tool plan anything but what the files say, nor run code
(the entries are pickles of plain data, and unauthenticated bytes never reach the unpickler).

``FLYTE_RECONCILER_NO_CACHE=1`` (or ``--no-cache``) turns it off. Failures to read or write the cache
never fail a run: they fall back to parsing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from reconciler.manifests.yamlload import YamlDocument

CACHE_DIR = Path(".flyte-reconciler") / "cache"
KEY_BYTES = 32
_MAC_BYTES = hashlib.sha256().digest_size
_KEEP = 4  # entries kept per file of the run (older texts of the files a developer is editing), plus slack
_SLACK = 64
_FORMAT = b"values+first-lines"  # what an entry holds: a change of it must miss, not misread


def _tool_version() -> str:
    from reconciler import __version__

    return str(__version__)


def key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flyte-reconciler" / "cache.key"


def _secret(path: Path) -> bytes:
    """The MAC key, created on first use (0600); a key file of the wrong size is replaced."""
    try:
        data = path.read_bytes()
        if len(data) == KEY_BYTES:
            return data
        broken = True
    except FileNotFoundError:
        broken = False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache.key.")  # created 0600
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_bytes(KEY_BYTES))
    if broken:
        os.replace(tmp, path)
    else:
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # the first of two runs starting together wins; both use its key
        os.unlink(tmp)
    data = path.read_bytes()
    if len(data) != KEY_BYTES:
        raise OSError(f"{path} is not a cache key")
    return data


class ParseCache:
    """Parsed documents by rendered text (see the module doc); one load at a time (``prune`` ends a load)."""

    def __init__(self, directory: Path, secret: bytes, version: str) -> None:
        self.directory = directory
        self._secret = secret
        self._version = version.encode()
        self._used: set[str] = set()
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, directory: Path = CACHE_DIR) -> ParseCache | None:
        """The cache of this working directory, or ``None`` when it is turned off or cannot be set up."""
        if os.environ.get("FLYTE_RECONCILER_NO_CACHE", "").strip().lower() in ("1", "true", "yes", "on"):
            return None
        try:
            secret = _secret(key_file())
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# flyte-reconciler's parse cache: never commit it\n*\n", encoding="utf-8")
        except (OSError, RuntimeError, KeyError):  # no writable home or directory: run without a cache
            return None
        return cls(directory, secret, _tool_version())

    def _name(self, text: str) -> str:
        digest = hashlib.sha256(self._version + b"\0" + _FORMAT + b"\0" + text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def documents(self, text: str, parse: Callable[[str], list[YamlDocument]]) -> list[YamlDocument]:
        """``parse(text)``, from the cache when an authentic entry for this exact text exists. Only values and
        first lines are kept: ``parse`` is the values-only parse (line maps come from ``manifests.lines``)."""
        name = self._name(text)
        self._used.add(name)
        found = self._read(name)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        documents = parse(text)  # raises on a text that does not parse: nothing is stored
        self._write(name, documents)
        return documents

    def _mac(self, name: str, payload: bytes) -> bytes:
        return hmac.new(self._secret, name.encode() + b"\0" + payload, hashlib.sha256).digest()

    def _read(self, name: str) -> list[YamlDocument] | None:
        try:
            data = (self.directory / name).read_bytes()
        except OSError:
            return None
        mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, self._mac(name, payload)):
            return None  # not written by this key (committed, edited, truncated): parse instead
        try:
            rows = pickle.loads(payload)  # authenticated: bytes this tool wrote with this key
            return [YamlDocument(value=value, lines={}, start_line=start) for value, start in rows]
        except Exception:  # an unreadable entry is a miss, never a failed run
            return None

    def _write(self, name: str, documents: list[YamlDocument]) -> None:
        payload = pickle.dumps([(d.value, d.start_line) for d in documents], protocol=pickle.HIGHEST_PROTOCOL)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".entry.")
            with os.fdopen(fd, "wb") as out:
                out.write(self._mac(name, payload) + payload)
            os.replace(tmp, self.directory / name)
        except OSError:
            return

    def prune(self) -> None:
        """After a load: keep the entries it used and the newest others, up to a bound tied to its size."""
        used, self._used = self._used, set()
        try:
            entries = [p for p in self.directory.iterdir() if len(p.name) == 64 and p.name not in used]
            limit = _KEEP * len(used) + _SLACK
            if len(entries) + len(used) <= limit:
                return
            entries.sort(key=lambda p: p.stat().st_mtime)
            for stale in entries[: len(entries) + len(used) - limit]:
                stale.unlink(missing_ok=True)
        except OSError:
            return
