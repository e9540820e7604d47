"""Which UNAVAILABLE errors are not worth retrying (pure)."""

from __future__ import annotations

import grpc

from reconciler.admin.client import _permanent


class _Error(grpc.RpcError):
    def __init__(self, details: str) -> None:
        self._details = details

    def details(self) -> str:
        return self._details


def test_tls_handshake_failures_are_permanent_and_connection_failures_are_not() -> None:
    assert _permanent(_Error("failed to connect to all addresses; last error: UNKNOWN: Ssl handshake failed: "
                             "SSL_ERROR_SSL: error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED"))
    assert _permanent(_Error("Ssl handshake failed: WRONG_VERSION_NUMBER"))
    assert not _permanent(_Error("failed to connect to all addresses; last error: UNAVAILABLE: ipv4:127.0.0.1:1: "
                                 "Connection refused"))
    assert not _permanent(_Error("injected unavailability (testing aid)"))
