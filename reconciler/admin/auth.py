"""Bearer tokens for Flyte Admin calls: a static token (env var or file) or an external command whose
stdout is the token. The token goes in ``flyte-authorization: Bearer …`` (or the configured header),
is cached in memory only, and is fetched again once when Admin answers UNAUTHENTICATED.

Client credentials (``ClientSecret``): the token endpoint, scopes and header are discovered from
Admin's anonymous AuthMetadataService unless configured; the secret comes from the literal setting,
an environment variable named by ``clientSecretEnvVar``, or ``clientSecretLocation``. PKCE and
The device-code flow serves interactive terminals; PKCE (browser) is not implemented and asking
for it is a clear ConfigError.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

    def bind(self, channel: object) -> None:
        """Called by AdminClient once its channel exists (discovery needs it)."""

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


class ClientCredentials(TokenAuth):
    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(self._request, header=settings.get("authorization_header") or DEFAULT_HEADER,
                         mode="ClientSecret")
        self.settings = settings
        self.token_url: str | None = settings.get("token_url")
        self.scopes: list[str] = list(settings.get("scopes") or [])
        self._header_configured = bool(settings.get("authorization_header"))

    def bind(self, channel: object) -> None:
        from flyteidl.service import auth_pb2, auth_pb2_grpc

        stub = auth_pb2_grpc.AuthMetadataServiceStub(channel)
        try:
            if not self.token_url:
                self.token_url = stub.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest(), timeout=30).token_endpoint
            public = stub.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest(), timeout=30)
        except Exception as exc:  # grpc.RpcError: translated here, at the boundary
            raise ConfigError("cannot discover the OAuth2 settings from Flyte Admin's AuthMetadataService",
                              hint="configure admin.tokenUrl (and scopes) explicitly") from exc
        if not self.scopes:
            self.scopes = list(public.scopes)
        if not self._header_configured and public.authorization_metadata_key:
            self.header = public.authorization_metadata_key

    def _secret(self) -> str:
        literal = self.settings.get("client_secret")
        if literal is not None:
            return literal.reveal()
        env_var = self.settings.get("client_secret_env_var")
        if env_var:
            value = os.environ.get(env_var)
            if value:
                return value.strip()
            raise ConfigError(f"the client secret environment variable {env_var} is not set")
        location = self.settings.get("client_secret_location")
        if location:
            try:
                return Path(location).read_text().strip()
            except OSError as exc:
                raise ConfigError(f"cannot read the client secret file {location}: {exc.strerror}") from exc
        raise ConfigError("client credentials need a secret",
                          hint="set FLYTE_CREDENTIALS_CLIENT_SECRET, admin.clientSecretEnvVar or clientSecretLocation")

    def _request(self) -> str:
        import base64
        import json
        import urllib.error
        import urllib.parse
        import urllib.request

        client_id = self.settings.get("client_id")
        if not client_id:
            raise ConfigError("client credentials need a client id (FLYTE_CREDENTIALS_CLIENT_ID or admin.clientId)")
        if not self.token_url:
            raise ConfigError("no OAuth2 token endpoint (configure admin.tokenUrl)")
        basic = base64.b64encode(f"{client_id}:{urllib.parse.quote_plus(self._secret())}".encode()).decode()
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        if self.settings.get("audience"):
            form["audience"] = self.settings.get("audience")
        request = urllib.request.Request(self.token_url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                         headers={"Authorization": f"Basic {basic}",
                                                  "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return str(json.loads(response.read())["access_token"])
        except urllib.error.HTTPError as exc:
            exc.close()
            raise ConfigError(f"the token endpoint {self.token_url} refused the client credentials (HTTP {exc.code})",
                              hint="check the client id and secret") from None
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"cannot get a token from {self.token_url}: {type(exc).__name__}") from None


class DeviceFlow(ClientCredentials):
    """RFC 8628 device authorization: print the verification URL and code, poll until approved.
    Only for interactive terminals; CI should use client credentials."""

    def __init__(self, settings: ConnectionSettings, *, interactive: bool | None = None,
                 notify: Callable[[str], None] | None = None) -> None:
        super().__init__(settings)
        self.mode = "DeviceFlow"
        self._fetch = self._device
        self.device_url: str | None = None
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self.notify = notify or (lambda text: print(text, file=sys.stderr))

    def bind(self, channel: object) -> None:
        from flyteidl.service import auth_pb2, auth_pb2_grpc

        super().bind(channel)
        stub = auth_pb2_grpc.AuthMetadataServiceStub(channel)
        try:
            self.device_url = stub.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest(),
                                                     timeout=30).device_authorization_endpoint
        except Exception as exc:  # grpc.RpcError: translated at the boundary
            raise ConfigError("cannot discover the device authorization endpoint") from exc

    def _post(self, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        import json
        import urllib.error
        import urllib.parse
        import urllib.request

        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read() or b"{}")
            exc.close()
            return exc.code, body

    def _device(self) -> str:
        if not self.interactive:
            raise ConfigError("the device-code flow needs an interactive terminal",
                              hint="in CI use client credentials (FLYTE_CREDENTIALS_CLIENT_ID/_SECRET)")
        if not self.device_url or not self.token_url:
            raise ConfigError("Flyte Admin advertises no device authorization endpoint")
        client_id = self.settings.get("client_id") or "flytectl"
        form = {"client_id": client_id, "scope": " ".join(self.scopes)}
        status, grant = self._post(self.device_url, form)
        if status != 200 or "device_code" not in grant:
            raise ConfigError(f"device authorization failed (HTTP {status})")
        self.notify(f"To authenticate, open {grant['verification_uri']} and enter the code {grant['user_code']}")
        interval = float(grant.get("interval", 5))
        deadline = time.monotonic() + float(grant.get("expires_in", 600))
        while time.monotonic() < deadline:
            time.sleep(interval)
            status, answer = self._post(self.token_url, {
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": grant["device_code"],
                "client_id": client_id})
            if status == 200:
                return str(answer["access_token"])
            error = answer.get("error")
            if error == "slow_down":
                interval += 5
            elif error != "authorization_pending":
                raise ConfigError(f"device authorization failed: {error}")
        raise ConfigError("device authorization timed out")


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
    if mode is None and settings.get("client_id") and (settings.get("client_secret") is not None or settings.get(
            "client_secret_env_var") or settings.get("client_secret_location")):
        mode = "ClientSecret"  # as flytekit: a secret means client credentials
    if mode is None:
        return None
    if mode == "Pkce":
        raise ConfigError("auth mode Pkce (browser login) is not supported",
                          hint="use DeviceFlow on a terminal, or client credentials / a token command in CI")
    endpoint = str(settings.get("endpoint") or "")
    if settings.get("insecure") and not _loopback(endpoint) and not allow_plaintext_credentials:
        raise ConfigError(f"refusing to send credentials over a plaintext connection to {endpoint}",
                          hint="use TLS (drop --insecure), or pass --allow-plaintext-credentials deliberately")
    header = settings.get("authorization_header") or DEFAULT_HEADER
    if mode == "ClientSecret":
        return ClientCredentials(settings)
    if mode == "DeviceFlow":
        return DeviceFlow(settings)
    if mode == "StaticToken":
        return TokenAuth(_static(settings), header=header, mode=mode)
    command = settings.get("command")
    if not command:
        raise ConfigError("auth mode ExternalCommand needs a command (admin.command)")
    return TokenAuth(_command(list(command)), header=header, mode=mode)
