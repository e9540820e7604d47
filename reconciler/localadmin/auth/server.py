"""Optional auth mode of the embedded admin (off by default), so the client-credentials flow is tested
for real: an ``AuthMetadataService`` (GetOAuth2Metadata, GetPublicClientConfig), a small OAuth2 token
endpoint on loopback, over HTTP or (with a test CA) HTTPS: client-credentials grant with HTTP Basic
client authentication, scope and audience checks, opaque random tokens with an expiry, a device-code
grant approved after one poll, an authorization endpoint for the PKCE login (the simulated person
approves at once: a 302 to the loopback redirect with a one-use code bound to the S256 challenge, the
client and the redirect URI) with refresh tokens; and an interceptor that answers UNAUTHENTICATED to AdminService calls
without a valid ``flyte-authorization: Bearer …`` (or ``authorization``) header, as flyteadmin does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from flyteidl.service import auth_pb2, auth_pb2_grpc

HEADER = "flyte-authorization"


@dataclass(frozen=True)
class AuthConfig:
    client_id: str
    client_secret: str = field(repr=False)  # a repr in a failed assertion or a log must not show it
    token_ttl_s: float = 3600.0
    scopes: tuple[str, ...] = ("all",)
    # When set, token requests must carry this audience (as an IdP configured for Admin's audience would).
    audience: str = ""
    # PEM server certificate and key: the token endpoint then speaks HTTPS (same test CA as the gRPC port).
    tls_cert_pem: bytes | None = field(default=None, repr=False)
    tls_key_pem: bytes | None = field(default=None, repr=False)
    # The public client of the PKCE login, as flyteadmin's appAuth.thirdPartyConfig advertises it. Any port
    # of a loopback redirect is accepted (RFC 8252 §7.3).
    public_client_id: str = "flytectl"
    redirect_uri: str = "http://localhost:53593/callback"


class TokenIssuer:
    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0
        # device codes → polls still to answer "authorization_pending" (a simulated user approving)
        self.devices: dict[str, int] = {}
        # authorization codes → (S256 challenge, redirect URI, client id); each is used once
        self.codes: dict[str, tuple[str, str, str]] = {}
        self.refresh_tokens: set[str] = set()
        self.authorizations = 0

    def issue(self) -> tuple[str, float]:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.time() + self.config.token_ttl_s
            self.issued += 1
        return token, self.config.token_ttl_s

    def revoke_all(self) -> None:
        """Forget every token (a test's way to make Admin refuse a token the client still holds)."""
        with self._lock:
            self._tokens.clear()

    def valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and expiry > time.time()


def _handler(issuer: TokenIssuer) -> type[BaseHTTPRequestHandler]:
    class TokenHandler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet: never log requests (they carry secrets)
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/oauth2/authorize":
                self._reply(404, {"error": "not_found"})
                return
            query = {key: values[0] for key, values in urllib.parse.parse_qs(url.query).items()}
            problem = _authorize_problem(issuer.config, query)
            if problem:  # RFC 6749 §4.1.2.1: never redirect to an unchecked URI; answer the browser instead
                self._reply(400, {"error": problem})
                return
            code = secrets.token_urlsafe(24)
            with issuer._lock:
                issuer.codes[code] = (query["code_challenge"], query["redirect_uri"], query["client_id"])
                issuer.authorizations += 1
            location = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _authorization_code(self, form: dict[str, list[str]]) -> None:
            one = {key: values[0] for key, values in form.items()}
            with issuer._lock:
                grant = issuer.codes.pop(one.get("code", ""), None)
            verifier = one.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if grant is None or (grant[1], grant[2]) != (one.get("redirect_uri"), one.get("client_id")):
                self._reply(400, {"error": "invalid_grant", "error_description": "unknown or reused code"})
            elif not secrets.compare_digest(challenge, grant[0]):
                self._reply(400, {"error": "invalid_grant", "error_description": "code_verifier does not match"})
            else:
                self._tokens_with_refresh()

        def _tokens_with_refresh(self) -> None:
            token, ttl = issuer.issue()
            refresh = secrets.token_urlsafe(24)
            with issuer._lock:
                issuer.refresh_tokens.add(refresh)
            self._reply(200, {"access_token": token, "token_type": "bearer", "expires_in": int(ttl),
                              "refresh_token": refresh})

        def do_POST(self) -> None:
            form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            if self.path == "/oauth2/token" and form.get("grant_type") == ["authorization_code"]:
                self._authorization_code(form)
                return
            if self.path == "/oauth2/token" and form.get("grant_type") == ["refresh_token"]:
                with issuer._lock:
                    known = (form.get("refresh_token") or [""])[0] in issuer.refresh_tokens
                    issuer.refresh_tokens.discard((form.get("refresh_token") or [""])[0])
                if known:
                    self._tokens_with_refresh()
                else:
                    self._reply(400, {"error": "invalid_grant"})
                return
            if self.path == "/oauth2/device":
                code = secrets.token_urlsafe(12)
                issuer.devices[code] = 1  # approved after one pending poll
                host = self.headers.get("Host", "127.0.0.1")
                self._reply(200, {"device_code": code, "user_code": "ABCD-EFGH", "interval": 1, "expires_in": 60,
                                  "verification_uri": f"http://{host}/device"})
                return
            if self.path != "/oauth2/token":
                self._reply(404, {"error": "not_found"})
                return
            if form.get("grant_type") == ["urn:ietf:params:oauth:grant-type:device_code"]:
                code = (form.get("device_code") or [""])[0]
                if code not in issuer.devices:
                    self._reply(400, {"error": "expired_token"})
                elif issuer.devices[code] > 0:
                    issuer.devices[code] -= 1
                    self._reply(400, {"error": "authorization_pending"})
                else:
                    token, ttl = issuer.issue()
                    self._reply(200, {"access_token": token, "token_type": "bearer", "expires_in": int(ttl)})
                return
            if form.get("grant_type") != ["client_credentials"]:
                self._reply(400, {"error": "unsupported_grant_type"})
                return
            auth = self.headers.get("Authorization", "")
            try:
                client_id, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            except ValueError:
                client_id, secret = "", ""
            client_id = urllib.parse.unquote_plus(client_id)
            if not secrets.compare_digest(f"{client_id}\n{urllib.parse.unquote_plus(secret)}".encode(),
                                          f"{issuer.config.client_id}\n{issuer.config.client_secret}".encode()):
                self._reply(401, {"error": "invalid_client", "error_description": "client authentication failed"})
                return
            wanted = set((form.get("scope") or [""])[0].split())
            if not wanted <= set(issuer.config.scopes):
                self._reply(400, {"error": "invalid_scope",
                                  "error_description": f"unknown scopes {sorted(wanted - set(issuer.config.scopes))}"})
                return
            if issuer.config.audience and form.get("audience") != [issuer.config.audience]:
                self._reply(400, {"error": "invalid_target", "error_description": "the audience is required"})
                return
            token, ttl = issuer.issue()
            self._reply(200, {"access_token": token, "token_type": "bearer", "expires_in": int(ttl)})

    return TokenHandler


def _authorize_problem(config: AuthConfig, query: dict[str, str]) -> str:
    """What is wrong with an authorization request (an OAuth2 error code), or ``""``."""
    if query.get("response_type") != "code":
        return "unsupported_response_type"
    if query.get("client_id") != config.public_client_id:
        return "unauthorized_client"
    if query.get("code_challenge_method") != "S256" or len(query.get("code_challenge", "")) != 43:
        return "invalid_request"  # PKCE is required, and only S256 (the plain method proves nothing)
    if not query.get("state"):
        return "invalid_request"
    wanted = set(query.get("scope", "").split())
    if not wanted <= set(config.scopes):
        return "invalid_scope"
    given, registered = urllib.parse.urlsplit(query.get("redirect_uri", "")), urllib.parse.urlsplit(config.redirect_uri)
    same = (given.scheme, given.hostname, given.path) == (registered.scheme, registered.hostname, registered.path)
    loopback = given.hostname in ("localhost", "127.0.0.1", "::1")
    if not same or not (loopback or given.port == registered.port):
        return "invalid_request"
    return ""


class AuthMetadata(auth_pb2_grpc.AuthMetadataServiceServicer):
    def __init__(self, token_endpoint: str, config: AuthConfig) -> None:
        self.token_endpoint = token_endpoint
        self.config = config

    def GetOAuth2Metadata(self, request, context):
        return auth_pb2.OAuth2MetadataResponse(
            issuer=self.token_endpoint.rsplit("/oauth2", 1)[0], token_endpoint=self.token_endpoint,
            device_authorization_endpoint=self.token_endpoint.replace("/oauth2/token", "/oauth2/device"),
            authorization_endpoint=self.token_endpoint.replace("/oauth2/token", "/oauth2/authorize"),
            grant_types_supported=["client_credentials", "authorization_code", "refresh_token"],
            response_types_supported=["code"], code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic"],
            scopes_supported=list(self.config.scopes))

    def GetPublicClientConfig(self, request, context):
        return auth_pb2.PublicClientAuthConfigResponse(client_id=self.config.public_client_id,
                                                       redirect_uri=self.config.redirect_uri,
                                                       scopes=list(self.config.scopes),
                                                       authorization_metadata_key=HEADER, audience=self.config.audience)


class RequireBearer(grpc.ServerInterceptor):
    """AdminService calls need a valid token; the AuthMetadataService stays anonymous."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        if details.method.startswith("/flyteidl.service.AuthMetadataService/"):
            return continuation(details)
        metadata = dict(details.invocation_metadata)
        header = metadata.get(HEADER) or metadata.get("authorization") or ""
        if header.startswith("Bearer ") and self.issuer.valid(header[7:]):
            return continuation(details)

        def deny(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "token parse error: missing or invalid bearer token")

        return grpc.unary_unary_rpc_method_handler(deny)


class TokenServer:
    """The HTTP token endpoint, in a background thread on loopback."""

    def __init__(self, issuer: TokenIssuer, host: str = "127.0.0.1") -> None:
        self.issuer = issuer
        self.httpd = ThreadingHTTPServer((host, 0), _handler(issuer))
        self.scheme = "http"
        config = issuer.config
        if config.tls_cert_pem and config.tls_key_pem:
            # ssl can load a key only from a file: a private temp dir that lives as long as the context load
            with tempfile.TemporaryDirectory() as tmp:
                cert, key = f"{tmp}/cert.pem", f"{tmp}/key.pem"
                with open(cert, "wb") as c, open(key, "wb") as k:
                    c.write(config.tls_cert_pem)
                    k.write(config.tls_key_pem)
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(cert, key)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        address = self.httpd.server_address
        return f"{self.scheme}://{address[0]!s}:{address[1]}/oauth2/token"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
