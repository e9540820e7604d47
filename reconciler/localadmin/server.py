"""Start and stop the embedded admin: an asyncio gRPC server (its own thread) on loopback over one
SQLite file; see ``dispatch`` for why the handlers run on the event loop."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
from flyteidl.service import admin_pb2_grpc, dataproxy_pb2_grpc

from reconciler.localadmin.aids import WRITE_METHODS, Aids, AidsInterceptor
from reconciler.localadmin.blobserver import BlobServer
from reconciler.localadmin.dispatch import AsyncBridge
from reconciler.localadmin.service.dataproxy import DataProxyServicer
from reconciler.localadmin.service.servicer import LocalAdminConfig, LocalAdminServicer
from reconciler.localadmin.store import blobs
from reconciler.localadmin.store.db import Database

DEFAULT_WORKERS = 16  # accepted for compatibility; handlers run on the event loop (see dispatch)
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class LocalAdmin:
    """A running embedded admin. Use ``LocalAdmin.start(...)`` as a context manager."""

    _loop: asyncio.AbstractEventLoop
    _thread: threading.Thread

    def __init__(self, server: grpc.aio.Server, servicer: LocalAdminServicer, interceptor: AidsInterceptor,
                 host: str, port: int) -> None:
        self.server = server
        self.servicer = servicer
        self._interceptor = interceptor
        self.host = host
        self.port = port
        self.token_server: Any = None
        self.blob_server: Any = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def db(self) -> Database:
        return self.servicer.db

    @classmethod
    def start(cls, *, db_path: str | Path, port: int = 0, host: str = "127.0.0.1",
              config: LocalAdminConfig | None = None, aids: Aids | None = None, seed_samples: bool = False,
              lifecycle: Any = None, clock: Any = None, workers: int = DEFAULT_WORKERS,
              extra_interceptors: tuple[grpc.ServerInterceptor, ...] = (),
              credentials: grpc.ServerCredentials | None = None, auth: Any = None) -> LocalAdmin:
        """``auth`` (an ``auth_server.AuthConfig``) turns on the auth mode: bearer tokens required, plus an
        AuthMetadataService and an OAuth2 token endpoint on loopback (``admin.token_url``)."""
        config = config or LocalAdminConfig()
        if lifecycle is not None:
            config = replace(config, lifecycle=lifecycle)
        if clock is not None:
            config = replace(config, clock=clock)
        if aids is not None and aids.no_cluster:
            config = replace(config, no_cluster=True)
        Path(db_path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Owner-only: SQLite gives its -wal and -shm files the database file's mode, so creating the file
        # 600 here keeps the whole store private (the admin has no authentication of its own).
        os.close(os.open(db_path, os.O_CREAT | os.O_RDWR, 0o600))
        servicer = LocalAdminServicer(Database(db_path), config)
        interceptor = AidsInterceptor(aids or Aids())
        token_server = None
        if auth is not None:
            from reconciler.localadmin.auth import server as auth_server

            issuer = auth_server.TokenIssuer(auth)
            token_server = auth_server.TokenServer(issuer, host)
            extra_interceptors = (*extra_interceptors, auth_server.RequireBearer(issuer))
        bridge = AsyncBridge(interceptor.before, extra_interceptors, on_lost=interceptor.lost)
        bridge.register(admin_pb2_grpc.add_AdminServiceServicer_to_server, servicer)
        blob_server = BlobServer(servicer.db, host, config.clock)
        bridge.register(dataproxy_pb2_grpc.add_DataProxyServiceServicer_to_server,
                        DataProxyServicer(servicer.db, blob_server, config.clock))
        if token_server is not None:
            from flyteidl.service import auth_pb2_grpc

            bridge.register(auth_pb2_grpc.add_AuthMetadataServiceServicer_to_server,
                            auth_server.AuthMetadata(token_server.url, auth))
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="localadmin", daemon=True)
        thread.start()

        async def serve() -> tuple[grpc.aio.Server, int]:
            server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                                              ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                                              ("grpc.so_reuseport", 0)])
            server.add_generic_rpc_handlers((bridge,))
            bind = f"{host}:{port}"
            bound = server.add_secure_port(bind, credentials) if credentials else server.add_insecure_port(bind)
            await server.start()
            return server, bound

        try:
            server, bound = asyncio.run_coroutine_threadsafe(serve(), loop).result(timeout=30)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
            blob_server.stop()
            raise
        admin = cls(server, servicer, interceptor, host, bound)
        admin._loop, admin._thread = loop, thread
        admin.token_server = token_server
        admin.blob_server = blob_server
        if seed_samples:
            from reconciler.localadmin.seed import seed_samples as seed

            try:
                seed(admin)
            except BaseException:
                admin.stop()
                raise
            interceptor.reset()  # seeding is setup, not part of what a test counts
        return admin

    def blob(self, native_url: str) -> bytes | None:
        """An uploaded object (``CreateUploadLocation``'s native URL), as stored."""
        return blobs.read(self.db, native_url)

    def counters(self) -> dict[str, int]:
        return self._interceptor.snapshot()

    def reset_counters(self) -> None:
        self._interceptor.reset()

    def injected_failures(self) -> int:
        """Calls the testing aid failed with UNAVAILABLE since start."""
        return self._interceptor.injected_failures

    def write_calls(self) -> int:
        return sum(n for method, n in self.counters().items() if method in WRITE_METHODS)

    def stop(self, grace: float = 0.5) -> None:
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self.server.stop(grace), self._loop).result(timeout=grace + 30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
        if not self._loop.is_running() and not self._loop.is_closed():
            self._loop.close()
        if self.token_server is not None:
            self.token_server.stop()
        if self.blob_server is not None:
            self.blob_server.stop()
        self.servicer.db.close()

    def wait(self) -> None:
        while True:
            time.sleep(3600)

    def __enter__(self) -> LocalAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
