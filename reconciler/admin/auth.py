"""Bearer tokens for Flyte Admin calls: a static token (env var or file) or an external command whose
stdout is the token. The token goes in ``flyte-authorization: Bearer …`` (or the configured header),
is cached in memory only, and is fetched again once when Admin answers UNAUTHENTICATED.

Client-credentials, PKCE and device-code flows are not implemented yet: asking for them is a clear
ConfigError rather than a silent anonymous connection.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from reconciler.errors import ConfigError
from reconciler.settings import ConnectionSettings

DEFAULT_HEADER = "flyte-authorization"


class TokenAuth:
    """The metadata plugin ``AdminClient`` calls: ``metadata()`` per call, ``refresh()`` after UNAUTHENTICATED."""

    def __init__(self, fetch: Callable[[], str], *, header: str = DEFAULT_HEADER, mode: str = "") -> None:
        self._fetch = fetch
        self._token: str | None = None
        self._lock = threading.Lock()
        self.header = header
        self.mode = mode

    def _current(self) -> str:
        with self._lock:
            if self._token is None:
                token = self._fetch().strip()
                if not token:
                    raise ConfigError(f"the {self.mode} token source returned nothing")
                self._token = token
            return self._token

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return ((self.header, f"Bearer {self._current()}"),)

    def refresh(self) -> None:
        with self._lock:
            self._token = None

    def __repr__(self) -> str:
        return f"TokenAuth(mode={self.mode!r}, header={self.header!r})"


def _static(settings: ConnectionSettings) -> Callable[[], str]:
    env_var, path = settings.get("token_env_var"), settings.get("token_file")

    def fetch() -> str:
        if env_var:
            value = os.environ.get(env_var)
            if not value:
                raise ConfigError(f"the token environment variable {env_var} is not set")
            return value
        try:
            return Path(path).read_text()
        except OSError as exc:
            raise ConfigError(f"cannot read the token file {path}: {exc.strerror}") from exc

    return fetch


def _command(argv: list[str]) -> Callable[[], str]:
    def fetch() -> str:
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise ConfigError(f"the token command {argv[0]!r} failed",
                              hint="run it by hand; its standard output must be the token") from exc
        return result.stdout

    return fetch


def _loopback(endpoint: str) -> bool:
    host = endpoint.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auth_from(settings: ConnectionSettings, *, allow_plaintext_credentials: bool = False) -> TokenAuth | None:
    mode = settings.get("auth_type")
    if mode is None and (settings.get("token_env_var") or settings.get("token_file")):
        mode = "StaticToken"
    if mode is None and settings.get("command"):
        mode = "ExternalCommand"
    if mode is None:
        return None
    if mode in ("ClientSecret", "Pkce", "DeviceFlow"):
        raise ConfigError(f"auth mode {mode} is not supported yet",
                          hint="use an external command (admin.command) or a static token (FLYTE_RECONCILER_TOKEN_FILE "
                               "or FLYTE_RECONCILER_TOKEN_ENV_VAR) for now")
    endpoint = str(settings.get("endpoint") or "")
    if settings.get("insecure") and not _loopback(endpoint) and not allow_plaintext_credentials:
        raise ConfigError(f"refusing to send credentials over a plaintext connection to {endpoint}",
                          hint="use TLS (drop --insecure), or pass --allow-plaintext-credentials deliberately")
    header = settings.get("authorization_header") or DEFAULT_HEADER
    if mode == "StaticToken":
        return TokenAuth(_static(settings), header=header, mode=mode)
    command = settings.get("command")
    if not command:
        raise ConfigError("auth mode ExternalCommand needs a command (admin.command)")
    return TokenAuth(_command(list(command)), header=header, mode=mode)
