"""Keeping credentials out of manifests: what ``env()`` may read, and which values may never appear.

- ``env("NAME")`` reads only variables the run configuration lists under ``templates.env`` (exact
  names or ``PREFIX_*`` globs; empty by default). The credential variables the tool itself reads
  (``CREDENTIAL_VARIABLES``, and the variables they point to: ``FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR``,
  ``FLYTE_RECONCILER_TOKEN_ENV_VAR``, an environment's ``clientSecretEnvVar``/``tokenEnvVar``) can
  never be read, whatever the list says; a name that merely looks secret (``*TOKEN*``, ``*SECRET*``…)
  must be listed by its exact name, a glob does not reach it.
- The *values* of those variables (and of the token file) are secrets wherever they come from: a
  rendered manifest containing one is refused (``--var token=$SECRET`` too), and problem messages
  are passed through ``redact`` before they are printed.

Reads the process environment and the small token files it names; never connects.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CREDENTIAL_VARIABLES = frozenset({
    "FLYTE_CREDENTIALS_CLIENT_SECRET", "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION",
    "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR", "FLYTE_CREDENTIALS_COMMAND", "FLYTE_RECONCILER_TOKEN_FILE",
    "FLYTE_RECONCILER_TOKEN_ENV_VAR", "FLYTE_RECONCILER_TOKEN", "FLYTE_RECONCILER_PLAN_KEY",
})
_POINTERS = ("FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR", "FLYTE_RECONCILER_TOKEN_ENV_VAR")
_FILES = ("FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION", "FLYTE_RECONCILER_TOKEN_FILE")
_SECRET_LOOKING = re.compile(r"SECRET|TOKEN|PASSW|CREDENTIAL|PRIVATE|API_?KEY|(^|_)KEY$|AUTH", re.IGNORECASE)
MIN_SECRET_CHARS = 6  # shorter values ("true", "1") would match everywhere and protect nothing
MAX_SECRET_FILE = 64 * 1024
REDACTED = "***"
_UNSET = object()


class EnvNotAllowed(Exception):
    """``env()`` was asked for a variable the policy does not allow; the message says what to do."""


def _pointed_to(environ: Mapping[str, str], environments: Iterable[Any]) -> set[str]:
    names = {environ[p] for p in _POINTERS if environ.get(p)}
    for environment in environments:
        names |= {n for n in (getattr(environment, "clientSecretEnvVar", None),
                              getattr(environment, "tokenEnvVar", None)) if n}
    return names


@dataclass(frozen=True)
class EnvPolicy:
    allowed: tuple[str, ...] = ()
    credentials: frozenset[str] = CREDENTIAL_VARIABLES

    def problem(self, name: str) -> str | None:
        """Why ``env(name)`` is refused, or None when it may be read."""
        if name in self.credentials:
            return (f"env({name!r}): {name} holds a credential of the tool, which templates can never read "
                    "(a manifest holds no secrets: everything in it is shown in plans and sent to Flyte Admin)")
        if name in self.allowed:
            return None
        if not _SECRET_LOOKING.search(name) and any(fnmatch.fnmatchcase(name, p) for p in self.allowed):
            return None
        listed = ", ".join(self.allowed) or "nothing is listed"
        return (f"env({name!r}): {name} is not in the templates.env allow-list of flyte-reconciler.yaml ({listed}); "
                "add its exact name there to let templates read it")

    def reader(self, environ: Mapping[str, str] | None = None) -> Callable[..., Any]:
        source = os.environ if environ is None else environ

        def env(name: str, default: Any = _UNSET) -> Any:
            refused = self.problem(str(name))
            if refused:
                raise EnvNotAllowed(refused)
            value = source.get(name)
            if value is None:
                if default is _UNSET:
                    raise EnvNotAllowed(f"environment variable {name!r} is not set (export it, or use "
                                        f"env({name!r}, default=...) for an optional one)")
                return default
            return value

        return env


def env_policy(allowed: Iterable[str], environments: Iterable[Any] = (),
               environ: Mapping[str, str] | None = None) -> EnvPolicy:
    source = os.environ if environ is None else environ
    return EnvPolicy(tuple(allowed), CREDENTIAL_VARIABLES | _pointed_to(source, environments))


def _file_secret(path: str) -> str | None:
    try:
        file = Path(path).expanduser()
        if file.is_file() and file.stat().st_size <= MAX_SECRET_FILE:
            return file.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return None


def secret_values(policy: EnvPolicy, environments: Iterable[Any] = (),
                  environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The values that must never appear in a manifest or an error: longest first, so that redaction
    replaces a whole secret before a shorter one that is part of it."""
    source = os.environ if environ is None else environ
    values = {source[n] for n in policy.credentials if n not in (*_FILES, *_POINTERS) and source.get(n)}
    files = [source[n] for n in _FILES if source.get(n)]
    files += [f for e in environments for f in (getattr(e, "tokenFile", None), getattr(e, "clientSecretLocation",
                                                                                       None)) if f]
    values |= {s for s in map(_file_secret, files) if s}
    return tuple(sorted((v for v in values if len(v) >= MIN_SECRET_CHARS), key=len, reverse=True))


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def find_secret(text: str, secrets: Iterable[str]) -> int | None:
    """The offset of the first secret in ``text``, or None."""
    offsets = [i for i in (text.find(s) for s in secrets) if i >= 0]
    return min(offsets) if offsets else None
