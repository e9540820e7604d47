"""Bearer tokens for Flyte Admin calls, as the metadata plugin ``AdminClient`` calls per request.

Modes: a static token (env var or file); an external command whose trimmed stdout is the token;
client credentials (``ClientSecret``: token URL, scopes, audience and header discovered from Admin's
anonymous AuthMetadataService unless configured; the secret from the literal environment variable,
the variable named by ``clientSecretEnvVar``, or ``clientSecretLocation``); the device-code flow for
interactive terminals; the authorization-code flow with PKCE and a loopback redirect (``Pkce``, in
``pkce``), also for interactive sessions.

As flytectl and flytekit do, no flow starts until Flyte Admin asks for one: calls go out without
credentials until Admin answers UNAUTHENTICATED, so the sandbox config ``flytectl config init``
writes (``authType: Pkce``) just works against an admin without auth. Discovery waits as well.

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
CI_HINT = ("in CI use a mode without a person: ClientSecret (FLYTE_CREDENTIALS_CLIENT_ID with "
           "FLYTE_CREDENTIALS_CLIENT_SECRET or clientSecretEnvVar), ExternalCommand or StaticToken")


class TokenAuth:
    """The metadata plugin ``AdminClient`` calls: ``metadata()`` per call, ``refresh()`` after UNAUTHENTICATED."""

    def __init__(self, fetch: Callable[[], str], *, header: str = DEFAULT_HEADER, mode: str = "") -> None:
        self._fetch = fetch
        self._token: str | None = None
        self._lock = threading.Lock()
        self.header = header
        self.mode = mode
        # Whether Flyte Admin has asked for credentials (answered UNAUTHENTICATED) or ``obtain()`` was called.
        self.asked = False
        self._sent = threading.local()  # the token this thread last sent (None: anonymous)

    def _current(self) -> str:
        with self._lock:
            if self._token is None:
                token = self._fetch().strip()
                if not token:
                    raise ConfigError(f"the {self.mode} token source returned nothing")
                self._token = token
            return self._token

    def metadata(self) -> tuple[tuple[str, str], ...]:
        if not self.asked:
            self._sent.token = None
            return ()  # anonymous until Admin asks: an admin without auth never starts a login
        token = self._current()
        self._sent.token = token
        return ((self.header, f"Bearer {token}"),)

    def refresh(self) -> None:
        """Admin refused this thread's last call: the first time, start sending credentials; later, get a
        new token, unless another thread already replaced the refused one (one login, not one per thread)."""
        with self._lock:
            refused = getattr(self._sent, "token", None)
            if not self.asked:
                self.asked = True
            elif refused is not None and refused == self._token:
                self._token = None

    def obtain(self) -> None:
        """Get a token now, whether or not Admin asked (what ``doctor`` does to check credentials)."""
        self.asked = True
        self._current()

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
        self._channel: object | None = None
        self._discovered = False
        self.oauth2_metadata: Any = None
        self.public_config: Any = None

    def _ssl_context(self) -> ssl.SSLContext:
        # The token endpoint is trusted like Admin itself: same CA file, same skip-verify choice.
        if self._context is None:
            self._context = transport.http_ssl_context(self.settings)
        return self._context

    def bind(self, channel: object) -> None:
        self._channel = channel  # discovery waits until Admin asks for credentials

    def _discover(self) -> None:
        """Ask Admin's anonymous AuthMetadataService for what is not configured (once)."""
        if self._discovered:
            return
        from flyteidl.service import auth_pb2, auth_pb2_grpc

        if self._channel is None:
            raise ConfigError(f"{self.mode} needs a connection to Flyte Admin to discover its OAuth2 settings")
        stub = auth_pb2_grpc.AuthMetadataServiceStub(self._channel)
        try:
            self.oauth2_metadata = stub.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest(), timeout=30)
            public = stub.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest(), timeout=30)
        except grpc.RpcError as exc:  # translated here, at the boundary
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise translate(exc, method="AuthMetadataService", target=self.settings.get("endpoint") or "") \
                    from exc
            raise ConfigError("Flyte Admin does not serve AuthMetadataService, so the OAuth2 settings cannot "
                              "be discovered", hint="configure admin.tokenUrl (and scopes) explicitly") from exc
        self._discovered = True
        self.public_config = public
        if not self.token_url:
            self.token_url = self.oauth2_metadata.token_endpoint
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
        if self._channel is not None or not (self.token_url and self.scopes):
            self._discover()  # also the header and audience Admin advertises, as before any call
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

    def _post(self, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        answer = oauth.post_form(url, form, context=self._ssl_context(), allow_plaintext=self.allow_plaintext)
        return answer.status, answer.body

    def _device(self) -> str:
        if not self.interactive:
            raise ConfigError("Flyte Admin asks for a login, and the device-code flow (DeviceFlow) needs an "
                              "interactive terminal", hint=CI_HINT)
        self._discover()
        self.device_url = self.oauth2_metadata.device_authorization_endpoint
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
    transport.require_safe_credentials(str(settings.get("endpoint") or ""), plaintext=bool(settings.get("insecure")),
                                       allow=allow_plaintext_credentials)
    header = settings.get("authorization_header") or DEFAULT_HEADER
    if mode == "ClientSecret":
        return ClientCredentials(settings, allow_plaintext=allow_plaintext_credentials)
    if mode == "DeviceFlow":
        return DeviceFlow(settings, allow_plaintext=allow_plaintext_credentials)
    if mode == "Pkce":
        from reconciler.admin.pkce import Pkce

        return Pkce(settings, allow_plaintext=allow_plaintext_credentials)
    if mode == "StaticToken":
        return TokenAuth(_static(settings), header=header, mode=mode)
    command = settings.get("command")
    if not command:
        raise ConfigError("auth mode ExternalCommand needs a command (admin.command)")
    return TokenAuth(_command(list(command)), header=header, mode=mode)
