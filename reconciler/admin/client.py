"""``AdminClient``: the one place that calls Flyte Admin.

Per-call deadlines, keepalive, large message limits for big list responses, retries with capped
full-jitter exponential backoff on transient codes only, and translation of ``grpc.RpcError`` into
our exception tree (``errors_map``), so no grpc exception leaves this module. TLS with the system
roots is the default; ``insecure=True`` is plaintext. ``metadata_plugin`` is the auth seam: an object
with ``metadata()`` (per-call headers) and ``refresh()`` (called once on UNAUTHENTICATED).

    with AdminClient(endpoint="localhost:8089", insecure=True) as client:
        client.call("GetProject", ProjectGetRequest(id="flytesnacks"), target="project/flytesnacks")
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

import grpc
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.admin.errors_map import retryable, translate
from reconciler.errors import AdminError, ConfigError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_BASE_S = 0.1
DEFAULT_BACKOFF_MAX_S = 5.0
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def grpc_target(endpoint: str) -> str:
    """flytectl writes endpoints as ``dns:///host:port``; strip schemes Python grpc does not need."""
    for prefix in ("dns:///", "grpc://", "grpcs://", "http://", "https://"):
        if endpoint.startswith(prefix):
            return endpoint[len(prefix):].rstrip("/")
    return endpoint


class AdminClient:
    def __init__(self, *, endpoint: str, insecure: bool = False, root_certificates: bytes | None = None,
                 channel_credentials: grpc.ChannelCredentials | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 backoff_base_s: float = DEFAULT_BACKOFF_BASE_S, backoff_max_s: float = DEFAULT_BACKOFF_MAX_S,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, metadata_plugin: Any = None,
                 seed: int | None = None) -> None:
        if not endpoint:
            raise ConfigError("no Flyte Admin endpoint configured")
        self.endpoint = grpc_target(endpoint)
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._auth = metadata_plugin
        self._closed = False
        options = [("grpc.max_receive_message_length", max_message_bytes),
                   ("grpc.max_send_message_length", max_message_bytes),
                   ("grpc.keepalive_time_ms", 30_000), ("grpc.keepalive_timeout_ms", 10_000),
                   ("grpc.keepalive_permit_without_calls", 1)]
        if insecure:
            self._channel = grpc.insecure_channel(self.endpoint, options=options)
        else:
            creds = channel_credentials or grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(self.endpoint, creds, options=options)
        self.stub = AdminServiceStub(self._channel)
        if self._auth is not None and hasattr(self._auth, "bind"):
            self._auth.bind(self._channel)

    @property
    def auth_mode(self) -> str:
        return getattr(self._auth, "mode", "") or "none"

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        self._channel.close()

    def _backoff(self, attempt: int) -> float:
        cap = min(self.backoff_max_s, self.backoff_base_s * (2 ** attempt))
        with self._lock:
            return self._random.uniform(0, cap)

    def call(self, method: str, request: Any, *, target: str = "", retry: bool = True,
             timeout_s: float | None = None) -> Any:
        """Invoke ``AdminService.<method>`` with a deadline of ``timeout_s`` per attempt.

        UNAVAILABLE / DEADLINE_EXCEEDED / RESOURCE_EXHAUSTED are retried up to ``max_attempts`` (when
        ``retry``); every failure is raised as the ``errors_map`` class naming method and ``target``.
        """
        if self._closed:
            raise AdminError("the client is closed", code="CANCELLED", method=method, target=target)
        rpc = getattr(self.stub, method)
        attempts = self.max_attempts if retry else 1
        refreshed = False
        attempt = 0
        while True:
            with self._lock:
                self.calls[method] += 1
            metadata = self._auth.metadata() if self._auth is not None else None
            try:
                return rpc(request, timeout=timeout_s or self.timeout_s, metadata=metadata)
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
                if code == grpc.StatusCode.UNAUTHENTICATED and self._auth is not None and not refreshed:
                    refreshed = True
                    self._auth.refresh()
                    continue
                attempt += 1
                if retryable(code) and attempt < attempts:
                    time.sleep(self._backoff(attempt))
                    continue
                raise translate(exc, method=method, target=target) from exc

    def try_call(self, method: str, request: Any, *, target: str = "") -> Any | None:
        """Like ``call`` but NOT_FOUND returns None."""
        from reconciler.errors import NotFoundError

        try:
            return self.call(method, request, target=target)
        except NotFoundError:
            return None


__all__ = ["AdminClient", "AdminError", "grpc_target"]
