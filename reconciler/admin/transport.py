"""Transport security for Flyte Admin connections and the OAuth2 HTTP calls that go with them.

- gRPC: secure by default with the system roots; a custom CA file (``caCertFilePath``); insecure
  skip-verify only when asked — trust-on-first-use of the certificate the server presents now, as
  flytekit does (Python gRPC cannot switch verification off), with a logged warning; plaintext only
  with ``insecure``.
- HTTP (token and device endpoints): the same CA file, or no verification with skip-verify.
- Credentials are never sent in plaintext to a host that is not loopback unless the user allows it
  explicitly (``--allow-plaintext-credentials``): ``require_safe_credentials`` says so with a
  ``ConfigError`` that names the host and the way out.

This module never prints (warnings go to the ``reconciler.transport`` logger) and never sees a token.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import threading
import urllib.parse
from pathlib import Path

import grpc

from reconciler.errors import ConfigError
from reconciler.settings import ConnectionSettings

LOG = logging.getLogger("reconciler.transport")
DEFAULT_TLS_PORT = 443
TOFU_TIMEOUT_S = 10.0

_tofu_lock = threading.Lock()
_tofu_cache: dict[tuple[str, int], bytes] = {}


def split_host_port(endpoint: str, default_port: int = DEFAULT_TLS_PORT) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``host`` → (host, port)."""
    if endpoint.startswith("["):
        host, _, rest = endpoint[1:].partition("]")
        port = rest.removeprefix(":")
    elif endpoint.count(":") == 1:
        host, _, port = endpoint.partition(":")
    else:
        host, port = endpoint, ""
    try:
        return host, int(port) if port else default_port
    except ValueError:
        raise ConfigError(f"endpoint {endpoint!r} has a port that is not a number") from None


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe_credentials(endpoint: str, *, plaintext: bool, allow: bool, what: str = "credentials") -> None:
    """Refuse to send credentials over plaintext to a non-loopback host unless explicitly allowed."""
    host, _ = split_host_port(endpoint)
    if plaintext and not allow and not is_loopback(host):
        raise ConfigError(f"refusing to send {what} over a plaintext connection to {endpoint}",
                          hint="use TLS (drop --insecure / an http:// token URL), or pass "
                               "--allow-plaintext-credentials if the network is trusted")


def require_safe_token_url(url: str, *, allow: bool) -> None:
    """An ``http://`` token endpoint would carry the client secret in the clear."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"token URL {url!r} is not an http(s) URL", hint="check admin.tokenUrl")
    require_safe_credentials(parsed.netloc, plaintext=parsed.scheme == "http", allow=allow,
                             what="the client secret")


def _read_ca(path: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the CA certificate file {path}: {exc.strerror}",
                          hint="check caCertFilePath / FLYTE_PLATFORM_CA_CERT_FILE_PATH") from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ConfigError(f"the CA certificate file {path} holds no PEM certificate",
                          hint="point it at a PEM bundle (-----BEGIN CERTIFICATE-----)")
    return data


def _presented_certificate(endpoint: str) -> bytes:
    host, port = split_host_port(endpoint)
    with _tofu_lock:
        if (host, port) in _tofu_cache:
            return _tofu_cache[(host, port)]
        LOG.warning("TLS verification of %s is skipped (insecureSkipVerify): trusting the certificate the "
                    "server presents now", endpoint)
        try:
            pem = ssl.get_server_certificate((host, port), timeout=TOFU_TIMEOUT_S).encode()
        except OSError as exc:
            raise ConfigError(f"cannot fetch the TLS certificate of {endpoint}: {exc}",
                              hint="check the endpoint; is it a TLS port?") from None
        _tofu_cache[(host, port)] = pem
        return pem


def root_certificates(settings: ConnectionSettings) -> bytes | None:
    """PEM roots for gRPC: None means the system roots."""
    if settings.get("insecure_skip_verify"):
        return _presented_certificate(str(settings.get("endpoint") or ""))
    path = settings.get("ca_cert_file")
    return _read_ca(path) if path else None


def channel_credentials(settings: ConnectionSettings) -> grpc.ChannelCredentials | None:
    """Credentials for ``grpc.secure_channel``; None when the settings ask for plaintext."""
    if settings.get("insecure"):
        return None
    return grpc.ssl_channel_credentials(root_certificates=root_certificates(settings))


def http_ssl_context(settings: ConnectionSettings) -> ssl.SSLContext:
    """The context for OAuth2 HTTPS calls: the same trust as the gRPC channel."""
    if settings.get("insecure_skip_verify"):
        LOG.warning("TLS verification of OAuth2 endpoints is skipped (insecureSkipVerify)")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    path = settings.get("ca_cert_file")
    if path:
        return ssl.create_default_context(cadata=_read_ca(path).decode("ascii", errors="replace"))
    return ssl.create_default_context()


def describe(settings: ConnectionSettings) -> str:
    """One line for ``doctor``: how the channel is secured."""
    if settings.get("insecure"):
        return "plaintext (insecure)"
    if settings.get("insecure_skip_verify"):
        return "TLS, certificate NOT verified (insecureSkipVerify: trust on first use)"
    path = settings.get("ca_cert_file")
    return f"TLS, verified against {path}" if path else "TLS, verified against the system roots"
