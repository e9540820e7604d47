"""OAuth2 HTTP calls (token endpoint, device authorization endpoint) with the standard library.

One function posts a form and reads the JSON answer with the same TLS trust as the gRPC channel
(``transport.http_ssl_context``), refusing to send a client secret over plain HTTP to a host that is
not loopback. Transport failures and 5xx answers are retried a few times with backoff; OAuth2 error
answers (RFC 6749 §5.2: ``error``, ``error_description``) become our exceptions with the endpoint and
the error code in the message.

What this module must never do: put a secret or a token in a message, a log record or a repr
(the server's ``error_description`` is scrubbed of the secrets sent, in case an IdP echoes them).
"""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from reconciler.admin import transport
from reconciler.errors import ConfigError, TransientAdminError, UnauthenticatedError

DEFAULT_TIMEOUT_S = 30.0
ATTEMPTS = 3
BACKOFF_S = 0.5
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class OAuthAnswer:
    """A JSON answer of an OAuth2 endpoint; ``body`` may hold tokens, so it never prints."""

    status: int
    body: dict[str, Any] = field(repr=False)

    @property
    def error(self) -> str:
        return str(self.body.get("error") or "")


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: both parts form-urlencoded, then Basic (Go's oauth2 does the same)."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def secret_forms(secret: str, client_id: str | None = None) -> tuple[str, ...]:
    """Every spelling of ``secret`` this module sends, so that an IdP echoing the request in its error is
    scrubbed whatever it echoes: the raw secret, its form encodings, and the Basic header of the pair."""
    if not secret:
        return ()
    forms = {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret, safe="")}
    if client_id is not None:
        header = basic_auth(client_id, secret)
        forms |= {header, header.removeprefix("Basic ")}
    return tuple(sorted(forms, key=len, reverse=True))


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in sorted({form for s in secrets for form in secret_forms(s)}, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text[:300]


def post_form(url: str, form: dict[str, str], *, context: ssl.SSLContext, authorization: str | None = None,
              allow_plaintext: bool = False, secrets: tuple[str, ...] = (),
              timeout_s: float = DEFAULT_TIMEOUT_S) -> OAuthAnswer:
    """POST ``form``; any JSON answer (2xx or 4xx) is returned, transport trouble is retried then raised."""
    transport.require_safe_token_url(url, allow=allow_plaintext)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    data = urllib.parse.urlencode(form).encode()
    problem = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(BACKOFF_S * 2 ** (attempt - 1))
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout_s, context=context) as response:
                return OAuthAnswer(response.status, _json(url, response.read(MAX_BODY_BYTES)))
        except urllib.error.HTTPError as exc:
            body = exc.read(MAX_BODY_BYTES)
            exc.close()
            if exc.code >= 500:
                problem = f"HTTP {exc.code}"
                continue
            return OAuthAnswer(exc.code, _json(url, body, status=exc.code))
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise ConfigError(f"the TLS certificate of {url} is not trusted: {reason.verify_message}",
                                  hint="set caCertFilePath (FLYTE_PLATFORM_CA_CERT_FILE_PATH) to the CA that "
                                       "signed it") from None
            problem = _scrub(str(reason), secrets)
    raise TransientAdminError(f"no answer after {ATTEMPTS} attempts ({problem})",
                              code="UNAVAILABLE", method="OAuth2 endpoint", target=url,
                              hint="check the token URL and the network path to it")


def _json(url: str, raw: bytes, *, status: int = 200) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ConfigError(f"the OAuth2 endpoint {url} answered HTTP {status} without a JSON object",
                          hint="check the token URL: it must be the IdP's token endpoint") from None
    return body


def access_token(url: str, answer: OAuthAnswer, *, what: str,
                 secrets: tuple[str, ...] = ()) -> tuple[str, float | None]:
    """The token (and its lifetime) of a successful answer; a refusal becomes UnauthenticatedError."""
    if answer.status != 200:
        description = _scrub(str(answer.body.get("error_description") or ""), secrets)
        detail = ": ".join(part for part in (_scrub(answer.error, secrets), description) if part)
        raise UnauthenticatedError(f"refused the {what} (HTTP {answer.status})" + (f": {detail}" if detail else ""),
                                   code="UNAUTHENTICATED", method="token endpoint", target=url,
                                   hint="check the client id and secret (and scopes/audience) "
                                        "that `flyte-reconciler doctor` lists")
    token = answer.body.get("access_token")
    kind = str(answer.body.get("token_type") or "bearer").lower()
    if not isinstance(token, str) or not token.strip():
        raise ConfigError(f"the token endpoint {url} answered without an access_token")
    if kind != "bearer":
        raise ConfigError(f"the token endpoint {url} issued a {kind!r} token; Flyte Admin needs a bearer token")
    expires = answer.body.get("expires_in")
    return token.strip(), float(expires) if isinstance(expires, int | float) else None
