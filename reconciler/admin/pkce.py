"""``Pkce``: the OAuth2 authorization-code flow with PKCE (RFC 7636, S256) and a loopback redirect
(RFC 8252), as flytekit's and flytectl's ``authType: Pkce`` run it.

Admin's anonymous AuthMetadataService gives the authorization and token endpoints, and its public
client config the client id, the redirect URI (``http://localhost:53593/callback`` by default) and
the scopes (configured scopes win, as in flytekit). The flow listens on the redirect's loopback host
and port (port 0: any free port, which RFC 8252 §7.3 requires servers to accept), opens the browser
at the authorization URL, waits for the one redirect carrying ``code`` and the ``state`` it sent,
and trades the code and the verifier for a token. A refresh token, when issued, is used before
asking the person again. Tokens stay in memory.

A run that is not interactive (no terminal) never waits for a browser: it fails at once and names
the modes meant for CI. What this module must never do: print or log a token, a code or the verifier.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sys
import threading
import urllib.parse
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from reconciler.admin import oauth
from reconciler.admin.auth import CI_HINT, ClientCredentials
from reconciler.admin.transport import is_loopback
from reconciler.errors import ConfigError
from reconciler.settings import ConnectionSettings

DEFAULT_REDIRECT = "http://localhost:53593/callback"
DEFAULT_CLIENT_ID = "flytectl"
LOGIN_TIMEOUT_S = 120.0  # flytectl's pkceConfig.timeout default (2m)
DONE_PAGE = b"<html><body><p>Login complete: you can close this window.</p></body></html>"


def code_verifier() -> str:
    """43-128 characters of the unreserved set (RFC 7636 §4.1): 64 random bytes, base64url."""
    return secrets.token_urlsafe(64)[:128]


def code_challenge(verifier: str) -> str:
    """S256: base64url(sha256(verifier)) without padding (RFC 7636 §4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


class LoopbackReceiver:
    """A one-shot HTTP listener on the redirect URI's loopback host and port."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urllib.parse.urlsplit(redirect_uri)
        host = parts.hostname or ""
        if parts.scheme != "http" or not is_loopback(host):
            raise ConfigError(f"the redirect URI {redirect_uri} Flyte Admin advertises is not a loopback http URL",
                              hint="a CLI can only receive the login on this machine: ask the Flyte admin to "
                                   "configure http://localhost:53593/callback")
        self.path = parts.path or "/"
        self.answer: dict[str, str] = {}
        self.done = threading.Event()
        try:
            self.httpd = HTTPServer((host, parts.port or 80), self._handler())
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{parts.port} for the login redirect: {exc.strerror}",
                              hint="close the program using that port (another login in progress?)") from exc
        bound = self.httpd.server_address[1]
        netloc = f"[{host}]:{bound}" if ":" in host else f"{host}:{bound}"
        self.redirect_uri = urllib.parse.urlunsplit(("http", netloc, self.path, "", ""))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Callback(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # the query carries the code: never log it
                return

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                if url.path != receiver.path:
                    self.send_error(404)
                    return
                query = urllib.parse.parse_qs(url.query)
                receiver.answer = {key: values[0] for key, values in query.items() if values}
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(DONE_PAGE)))
                self.end_headers()
                self.wfile.write(DONE_PAGE)
                receiver.done.set()

        return Callback

    def wait(self, timeout_s: float) -> dict[str, str]:
        try:
            if not self.done.wait(timeout_s):
                raise ConfigError(f"no login came back within {timeout_s:.0f} s",
                                  hint="finish the login in the browser, or run again")
            return self.answer
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()


class Pkce(ClientCredentials):
    """``authType: Pkce`` (flytekit: ``standard``): a person logs in through the browser."""

    def __init__(self, settings: ConnectionSettings, *, interactive: bool | None = None,
                 open_browser: Callable[[str], object] | None = None, notify: Callable[[str], None] | None = None,
                 allow_plaintext: bool = False, timeout_s: float = LOGIN_TIMEOUT_S) -> None:
        super().__init__(settings, allow_plaintext=allow_plaintext)
        self.mode = "Pkce"
        self._fetch = self._login
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self.open_browser = open_browser or webbrowser.open
        self.notify = notify or (lambda text: print(text, file=sys.stderr))
        self.timeout_s = timeout_s
        self._refresh_token: str | None = None

    def _client_id(self) -> str:
        # Admin's public client, as both flytekit and flytectl take it; a configured id only as a fallback.
        return (self.public_config.client_id if self.public_config is not None else "") or \
            self.settings.get("client_id") or DEFAULT_CLIENT_ID

    def _post(self, form: dict[str, str]) -> oauth.OAuthAnswer:
        assert self.token_url is not None
        return oauth.post_form(self.token_url, form, context=self._ssl_context(), allow_plaintext=self.allow_plaintext)

    def _login(self) -> str:
        self._discover()
        refreshed = self._use_refresh_token()
        if refreshed:
            return refreshed
        if not self.interactive:
            raise ConfigError("Flyte Admin asks for a login, and the Pkce (browser) login needs an interactive "
                              "session", hint=CI_HINT)
        authorize = self.oauth2_metadata.authorization_endpoint
        if not authorize or not self.token_url:
            raise ConfigError("Flyte Admin advertises no authorization endpoint for the Pkce login",
                              hint="use DeviceFlow, or ask the Flyte admin to enable the authorization-code flow")
        receiver = LoopbackReceiver(self.public_config.redirect_uri or DEFAULT_REDIRECT)
        verifier, state = code_verifier(), secrets.token_urlsafe(24)
        query = {"response_type": "code", "client_id": self._client_id(), "redirect_uri": receiver.redirect_uri,
                 "scope": " ".join(self.scopes), "state": state, "code_challenge": code_challenge(verifier),
                 "code_challenge_method": "S256"}
        if self.audience:
            query["audience"] = self.audience
        url = f"{authorize}?{urllib.parse.urlencode(query)}"
        self.notify(f"Log in to Flyte in your browser; if it does not open, visit: {url}")
        self.open_browser(url)
        answer = receiver.wait(self.timeout_s)
        if not secrets.compare_digest(answer.get("state", ""), state):
            raise ConfigError("the login redirect carried another state than the one sent (a forged redirect?)",
                              hint="run again; if it repeats, check what else listens on the redirect port")
        if "code" not in answer:
            raise ConfigError(f"the login was refused: {answer.get('error', 'no code in the redirect')}",
                              hint="check the account you logged in with")
        token_answer = self._post({"grant_type": "authorization_code", "code": answer["code"],
                                   "redirect_uri": receiver.redirect_uri, "client_id": self._client_id(),
                                   "code_verifier": verifier})
        return self._keep(token_answer, what="authorization code")

    def _use_refresh_token(self) -> str | None:
        if not self._refresh_token:
            return None
        answer = self._post({"grant_type": "refresh_token", "refresh_token": self._refresh_token,
                             "client_id": self._client_id()})
        self._refresh_token = None
        return self._keep(answer, what="refresh token") if answer.status == 200 else None

    def _keep(self, answer: oauth.OAuthAnswer, *, what: str) -> str:
        assert self.token_url is not None
        token, _expires_in = oauth.access_token(self.token_url, answer, what=what)
        refresh = answer.body.get("refresh_token")
        self._refresh_token = refresh if isinstance(refresh, str) and refresh else None
        return token
