"""Bearer tokens for Flyte Admin calls, as the metadata plugin ``AdminClient`` calls per request.

Modes: a static token (env var or file); an external command whose trimmed stdout is the token;
client credentials (``ClientSecret``: token URL, scopes, audience and header discovered from Admin's
anonymous AuthMetadataService unless configured; the secret from the literal environment variable,
the variable named by ``clientSecretEnvVar``, or ``clientSecretLocation``); the device-code flow for
interactive terminals. PKCE (browser) is not implemented: asking for it is a clear ConfigError.

The token goes in ``flyte-authorization: Bearer …`` (or the advertised/configured header), is cached
in memory only, and is fetched again once when Admin answers UNAUTHENTICATED (``refresh()``). OAuth2
HTTP calls go through ``oauth`` with the channel's TLS trust (``transport``). No token or secret is
ever put in a message, a log record or a repr.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

from reconciler.admin import oauth, transport
from reconciler.admin.errors_map import translate
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
        hint = "run it by hand; its standard output must be the token"
        # ``from None``: the subprocess exceptions carry the whole argv (and output), which may hold a
        # password or key; --debug prints the chain, so it must end here.
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
        except subprocess.CalledProcessError as exc:
            raise ConfigError(f"the token command {argv[0]!r} failed with exit status {exc.returncode}",
                              hint=hint) from None
        except subprocess.TimeoutExpired:
            raise ConfigError(f"the token command {argv[0]!r} did not finish within 60 s", hint=hint) from None
        except (OSError, subprocess.SubprocessError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise ConfigError(f"the token command {argv[0]!r} could not be run: {reason}", hint=hint) from None
        return result.stdout

    return fetch


class ClientCredentials(TokenAuth):
    def __init__(self, settings: ConnectionSettings, *, allow_plaintext: bool = False) -> None:
        super().__init__(self._request, header=settings.get("authorization_header") or DEFAULT_HEADER,
                         mode="ClientSecret")
        self.settings = settings
        self.token_url: str | None = settings.get("token_url")
        self.scopes: list[str] = list(settings.get("scopes") or [])
        self.audience: str | None = settings.get("audience")
        self.allow_plaintext = allow_plaintext
        self._header_configured = bool(settings.get("authorization_header"))
        self._context: ssl.SSLContext | None = None

    def _ssl_context(self) -> ssl.SSLContext:
        # The token endpoint is trusted like Admin itself: same CA file, same skip-verify choice.
        if self._context is None:
            self._context = transport.http_ssl_context(self.settings)
        return self._context

    def bind(self, channel: object) -> None:
        from flyteidl.service import auth_pb2, auth_pb2_grpc

        stub = auth_pb2_grpc.AuthMetadataServiceStub(channel)
        try:
            if not self.token_url:
                self.token_url = stub.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest(), timeout=30).token_endpoint
            public = stub.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest(), timeout=30)
        except grpc.RpcError as exc:  # translated here, at the boundary
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise translate(exc, method="AuthMetadataService", target=self.settings.get("endpoint") or "") \
                    from exc
            raise ConfigError("Flyte Admin does not serve AuthMetadataService, so the OAuth2 settings cannot "
                              "be discovered", hint="configure admin.tokenUrl (and scopes) explicitly") from exc
        if not self.scopes:
            self.scopes = list(public.scopes)
        if not self.audience and public.audience:
            self.audience = public.audience  # as flytekit: Admin's audience unless one is configured
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
        client_id = self.settings.get("client_id")
        if not client_id:
            raise ConfigError("client credentials need a client id (FLYTE_CREDENTIALS_CLIENT_ID or admin.clientId)")
        if not self.token_url:
            raise ConfigError("no OAuth2 token endpoint (configure admin.tokenUrl)")
        secret = self._secret()
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        if self.audience:
            form["audience"] = self.audience
        answer = oauth.post_form(self.token_url, form, context=self._ssl_context(),
                                 authorization=oauth.basic_auth(client_id, secret),
                                 allow_plaintext=self.allow_plaintext, secrets=oauth.secret_forms(secret, client_id))
        token, _expires_in = oauth.access_token(self.token_url, answer, what="client credentials",
                                                secrets=oauth.secret_forms(secret, client_id))
        return token


class DeviceFlow(ClientCredentials):
    """RFC 8628 device authorization: print the verification URL and code, poll until approved.
    Only for interactive terminals; CI should use client credentials."""

    def __init__(self, settings: ConnectionSettings, *, interactive: bool | None = None,
                 notify: Callable[[str], None] | None = None, allow_plaintext: bool = False) -> None:
        super().__init__(settings, allow_plaintext=allow_plaintext)
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
        answer = oauth.post_form(url, form, context=self._ssl_context(), allow_plaintext=self.allow_plaintext)
        return answer.status, answer.body

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
    transport.require_safe_credentials(str(settings.get("endpoint") or ""), plaintext=bool(settings.get("insecure")),
                                       allow=allow_plaintext_credentials)
    header = settings.get("authorization_header") or DEFAULT_HEADER
    if mode == "ClientSecret":
        return ClientCredentials(settings, allow_plaintext=allow_plaintext_credentials)
    if mode == "DeviceFlow":
        return DeviceFlow(settings, allow_plaintext=allow_plaintext_credentials)
    if mode == "StaticToken":
        return TokenAuth(_static(settings), header=header, mode=mode)
    command = settings.get("command")
    if not command:
        raise ConfigError("auth mode ExternalCommand needs a command (admin.command)")
    return TokenAuth(_command(list(command)), header=header, mode=mode)
