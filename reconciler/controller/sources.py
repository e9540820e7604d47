"""Where the desired state comes from: a plain directory, or a git repository read with the ``git`` CLI.

``poll()`` returns a ``Checkout``: an immutable snapshot of one revision on disk. A git revision is
extracted with ``git archive`` into ``WORKDIR/revisions/<sha>`` (never a working tree that a later fetch
could change under a running plan); the previous snapshot is kept so the controller can go on
reconciling the last good revision when a new one is invalid. Credentials are the ordinary git ones
(SSH keys, credential helpers); a token from an environment variable is handed to git through
``GIT_ASKPASS`` in the child's environment, never on a command line, and URLs are shown without any
user-info. Nothing here talks to Flyte Admin.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ReconcilerError
from reconciler.manifests.config import CONFIG_FILE
from reconciler.manifests.discover import SUFFIXES

GIT_TIMEOUT_S = 120.0
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_ASKPASS = """#!/bin/sh
# Written by flyte-reconciler controller: answers git's credential prompts from the environment.
case "$1" in
  Username*) printf '%s\\n' "${FLYTE_RECONCILER_GIT_USERNAME:-x-access-token}" ;;
  *) printf '%s\\n' "$FLYTE_RECONCILER_GIT_ASKPASS_TOKEN" ;;
esac
"""


class SourceError(ReconcilerError):
    """The source could not be read (git unreachable, unknown ref, missing directory)."""


def redact_url(text: str) -> str:
    """``https://user:token@host/x`` → ``https://****@host/x`` anywhere in ``text``."""
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}****@", text)


@dataclass(frozen=True)
class Checkout:
    revision: str  # a git commit sha, or ``dir:<digest>`` for a directory
    root: Path  # the snapshot's root
    manifests: Path  # root / --path

    @property
    def short(self) -> str:
        return self.revision[:12] if not self.revision.startswith("dir:") else self.revision[:16]


def is_git_url(source: str) -> bool:
    if re.match(r"^(https?|ssh|git|file)://", source) or re.match(r"^[\w.-]+@[\w.-]+:", source):
        return True
    path = Path(source)
    return path.is_dir() and (((path / "HEAD").is_file() and (path / "objects").is_dir()) or (path / ".git").exists())


class DirectorySource:
    """A directory read in place; its revision is a digest of every file under it."""

    def __init__(self, path: str, *, subpath: str | None = None) -> None:
        self.path = Path(path)
        self.subpath = subpath or ""
        self.display = str(self.path)

    def poll(self) -> Checkout:
        if not self.path.is_dir():
            raise SourceError(f"source directory {self.path} does not exist",
                              hint="pass an existing directory or a git URL to --source")
        digest = hashlib.sha256()
        manifests = self.path / self.subpath
        # The manifests and the run configuration only: a work directory or a sandbox database kept
        # beside them must not count as a new revision on every cycle.
        files = [p for p in manifests.rglob("*") if p.is_file()
                 and not any(part.startswith(".") for part in p.relative_to(self.path).parts)
                 and p.name.endswith(SUFFIXES)]
        files += [c for c in {self.path / CONFIG_FILE, manifests / CONFIG_FILE} if c.is_file()]
        for file in sorted(set(files)):
            digest.update(str(file.relative_to(self.path)).encode() + b"\0")
            try:
                digest.update(file.read_bytes())
            except OSError:
                continue  # vanished between listing and reading: the next poll sees the settled tree
            digest.update(b"\0")
        root = self.path
        return Checkout(revision=f"dir:{digest.hexdigest()}", root=root, manifests=root / self.subpath)


class GitSource:
    """A repository URL (or local path) at ``ref`` (branch, tag or commit; default: its HEAD)."""

    def __init__(self, url: str, *, ref: str | None, subpath: str | None, workdir: Path,
                 token_env_var: str | None = None) -> None:
        self.url = url
        self.ref = ref or "HEAD"
        self.subpath = subpath or ""
        self.mirror = workdir / "git"
        self.snapshots = workdir / "revisions"
        self.token_env_var = token_env_var
        self.display = redact_url(url)
        self._askpass = workdir / "git-askpass.sh"

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
        token = os.environ.get(self.token_env_var) if self.token_env_var else None
        if token:
            if not self._askpass.exists():
                self._askpass.write_text(_ASKPASS)
                self._askpass.chmod(0o700)
            env["GIT_ASKPASS"] = str(self._askpass)
            env["FLYTE_RECONCILER_GIT_ASKPASS_TOKEN"] = token
        return env

    def _git(self, *args: str, cwd: Path | None = None) -> bytes:
        try:
            done = subprocess.run(["git", *args], cwd=cwd, env=self._env(), capture_output=True,
                                  timeout=GIT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceError(f"git {args[0]} of {self.display} failed: {redact_url(str(exc))}") from exc
        if done.returncode != 0:
            lines = done.stderr.decode(errors="replace").strip().splitlines()
            detail = redact_url(lines[-1] if lines else f"exit {done.returncode}")
            raise SourceError(f"git {args[0]} of {self.display} failed: {detail}",
                              hint="check the URL, the ref and the credentials (SSH key, credential helper, "
                                   "token variable)")
        return done.stdout

    def _fetch(self) -> None:
        if not (self.mirror / "HEAD").is_file():
            tmp = self.mirror.with_name("git.partial")
            shutil.rmtree(tmp, ignore_errors=True)
            self._git("clone", "--bare", "--quiet", "--", self.url, str(tmp))
            tmp.rename(self.mirror)
            return
        self._git("fetch", "--quiet", "--prune", "--force", "--tags", "--", self.url,
                  "+HEAD:refs/remotes/origin/HEAD", "+refs/heads/*:refs/heads/*", cwd=self.mirror)

    def _resolve(self) -> str:
        for candidate in (f"refs/remotes/origin/{self.ref}" if self.ref == "HEAD" else f"refs/heads/{self.ref}",
                          f"refs/tags/{self.ref}", self.ref):
            try:
                return self._git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}",
                                 cwd=self.mirror).decode().strip()
            except SourceError:
                continue
        raise SourceError(f"ref {self.ref!r} not found in {self.display}", hint="check --ref (a branch, tag or commit)")

    def _extract(self, sha: str) -> Path:
        target = self.snapshots / sha
        if target.is_dir():
            return target
        archive = self._git("archive", "--format=tar", sha, cwd=self.mirror)
        tmp = self.snapshots / f".{sha}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")  # "data": no links out of the tree, no devices, no absolute paths
        tmp.rename(target)
        return target

    def prune_snapshots(self, keep: set[str]) -> None:
        """Drop snapshots other than ``keep`` (the current and the last good revision)."""
        if not self.snapshots.is_dir():
            return
        for path in self.snapshots.iterdir():
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def poll(self) -> Checkout:
        self.mirror.parent.mkdir(parents=True, exist_ok=True)
        self._fetch()
        sha = self._resolve()
        root = self._extract(sha)
        return Checkout(revision=sha, root=root, manifests=root / self.subpath)


Source = DirectorySource | GitSource


def make_source(source: str, *, ref: str | None, subpath: str | None, workdir: Path,
                token_env_var: str | None = None) -> Source:
    if is_git_url(source) or ref:
        return GitSource(source, ref=ref, subpath=subpath, workdir=workdir, token_env_var=token_env_var)
    return DirectorySource(source, subpath=subpath)
