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

import heapq
import queue
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from flyteidl.service.dataproxy_pb2_grpc import DataProxyServiceStub

from reconciler.admin.errors_map import retryable, translate
from reconciler.errors import AdminError, ConfigError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ATTEMPTS = 10  # at a 20 % failure rate a call still fails only once in 10 million (chaos tests)
DEFAULT_BACKOFF_BASE_S = 0.1
DEFAULT_BACKOFF_MAX_S = 5.0
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def grpc_target(endpoint: str) -> str:
    """flytectl writes endpoints as ``dns:///host:port``; strip schemes Python grpc does not need."""
    for prefix in ("dns:///", "grpc://", "grpcs://", "http://", "https://"):
        if endpoint.startswith(prefix):
            return endpoint[len(prefix):].rstrip("/")
    return endpoint


_PERMANENT = ("handshake", "certificate_verify_failed", "certificate verify failed", "wrong_version_number")


def _permanent(exc: grpc.RpcError) -> bool:
    """An UNAVAILABLE that retrying cannot fix: the TLS handshake failed (untrusted certificate, TLS
    against a plaintext port). Fail at once with the hint instead of after every backoff."""
    details = (exc.details() if hasattr(exc, "details") else "") or ""
    return any(marker in details.lower() for marker in _PERMANENT)


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
        # Optional observer of every attempt: ``on_call(method, code name)`` (the controller's RPC metrics).
        self.on_call: Callable[[str, str], None] | None = None
        options = [("grpc.max_receive_message_length", max_message_bytes),
                   ("grpc.max_send_message_length", max_message_bytes),
                   ("grpc.keepalive_time_ms", 30_000), ("grpc.keepalive_timeout_ms", 10_000),
                   ("grpc.keepalive_permit_without_calls", 1),
                   # Retries are this client's (the errors_map table, backoff, auth refresh): gRPC's own retry
                   # layer only added work to every call (~10 % of the client's CPU per write of a first apply).
                   ("grpc.enable_retries", 0)]
        if insecure:
            self._channel = grpc.insecure_channel(self.endpoint, options=options)
        else:
            creds = channel_credentials or grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(self.endpoint, creds, options=options)
        self.stub = AdminServiceStub(self._channel)
        self.data_proxy = DataProxyServiceStub(self._channel)  # signed upload URLs (package code archives)
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
        rpc = getattr(self.stub, method, None) or getattr(self.data_proxy, method)
        attempts = self.max_attempts if retry else 1
        refreshed = armed = False
        attempt = 0
        while True:
            with self._lock:
                self.calls[method] += 1
            metadata = self._auth.metadata() if self._auth is not None else None
            try:
                response = rpc(request, timeout=timeout_s or self.timeout_s, metadata=metadata)
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
                self._observed(method, code)
                if code == grpc.StatusCode.UNAUTHENTICATED and self._auth is not None and not metadata and not armed:
                    armed = True  # an anonymous call refused: Admin asks for credentials (not a refresh)
                    self._auth.refresh()
                    continue
                if code == grpc.StatusCode.UNAUTHENTICATED and self._auth is not None and not refreshed:
                    refreshed = True
                    self._auth.refresh()
                    continue
                attempt += 1
                if retryable(code) and attempt < attempts and not _permanent(exc):
                    time.sleep(self._backoff(attempt))
                    continue
                raise translate(exc, method=method, target=target) from exc
            self._observed(method, grpc.StatusCode.OK)
            return response

    def _observed(self, method: str, code: Any) -> None:
        if self.on_call is not None:
            self.on_call(method, getattr(code, "name", str(code)))

    def list_all(self, method: str, jobs: Sequence[tuple[str, Callable[[str], Any]]], items: str, *,
                 concurrency: int = 32) -> list[list[Any]]:
        """Every page of many list calls at once: ``jobs`` are ``(target, make_request(token))``; the
        result holds each job's items in order. Up to ``concurrency`` calls are in flight on the one
        channel as gRPC futures (no thread per call: at hundreds of project-domains, threads spent more
        CPU handing calls around than the calls cost). Retries, auth refresh, error translation and
        page-walking rules are those of ``call`` and ``pages.paginate``."""
        if self._closed:
            raise AdminError("the client is closed", code="CANCELLED", method=method)
        rpc = getattr(self.stub, method, None) or getattr(self.data_proxy, method)
        results: list[list[Any]] = [[] for _ in jobs]
        tokens_seen: list[set[str]] = [{""} for _ in jobs]
        ready: deque[tuple[int, str, int]] = deque((i, "", 0) for i in range(len(jobs)))  # job, token, attempt
        later: list[tuple[float, int, tuple[int, str, int]]] = []  # backoff heap
        finished: queue.SimpleQueue[tuple[tuple[int, str, int], Any, Any]] = queue.SimpleQueue()
        in_flight, order, refreshed, armed = 0, 0, False, False
        while ready or later or in_flight:
            while later and later[0][0] <= time.monotonic():
                ready.append(heapq.heappop(later)[2])
            while ready and in_flight < max(1, concurrency):
                job = ready.popleft()
                with self._lock:
                    self.calls[method] += 1
                metadata = self._auth.metadata() if self._auth is not None else None
                future = rpc.future(jobs[job[0]][1](job[1]), timeout=self.timeout_s, metadata=metadata)
                future.add_done_callback(lambda f, job=job, sent=metadata: finished.put((job, f, sent)))
                in_flight += 1
            if not in_flight:
                time.sleep(max(0.0, later[0][0] - time.monotonic()))
                continue
            (index, token, attempt), future, sent = finished.get()
            in_flight -= 1
            try:
                response = future.result()
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
                self._observed(method, code)
                if code == grpc.StatusCode.UNAUTHENTICATED and self._auth is not None and sent != self._auth.metadata():
                    ready.append((index, token, attempt))  # sent before the credentials changed: send again
                    continue
                if code == grpc.StatusCode.UNAUTHENTICATED and self._auth is not None and not sent and not armed:
                    armed = True  # an anonymous call refused: Admin asks for credentials (not a refresh)
                    self._auth.refresh()
                    ready.append((index, token, attempt))
                    continue
                if code == grpc.StatusCode.UNAUTHENTICATED and self._auth is not None and not refreshed:
                    refreshed = True
                    self._auth.refresh()
                    ready.append((index, token, attempt))
                    continue
                if retryable(code) and attempt + 1 < self.max_attempts and not _permanent(exc):
                    order += 1
                    heapq.heappush(later, (time.monotonic() + self._backoff(attempt + 1), order,
                                           (index, token, attempt + 1)))
                    continue
                raise translate(exc, method=method, target=jobs[index][0]) from exc
            self._observed(method, grpc.StatusCode.OK)
            page = list(getattr(response, items))
            results[index].extend(page)
            if response.token and page and response.token not in tokens_seen[index]:
                tokens_seen[index].add(response.token)
                ready.append((index, response.token, 0))
        return results

    def try_call(self, method: str, request: Any, *, target: str = "") -> Any | None:
        """Like ``call`` but NOT_FOUND returns None."""
        from reconciler.errors import NotFoundError

        try:
            return self.call(method, request, target=target)
        except NotFoundError:
            return None


__all__ = ["AdminClient", "AdminError", "grpc_target"]
