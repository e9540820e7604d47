"""TLS against the embedded admin with a throwaway CA: a flytectl config file used as-is
(``dns:///`` endpoint, ``caCertFilePath``), an untrusted server refused, insecure-skip-verify as
trust-on-first-use with a warning, and the OAuth2 HTTPS context trusting the same CA."""

from __future__ import annotations

import json
import logging
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flyteidl.admin import version_pb2

from reconciler.admin import transport
from reconciler.admin.client import AdminClient
from reconciler.cli import cli
from reconciler.errors import TransientAdminError
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.testca import TestCA, make_test_ca
from reconciler.settings import resolve


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_test_ca(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_admin(tmp_path: Path, ca: TestCA) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, credentials=ca.server_credentials()) as admin:
        yield admin


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("FLYTECTL_CONFIG", "FLYTE_PLATFORM_URL", "FLYTE_PLATFORM_INSECURE", "FLYTE_PLATFORM_CA_CERT_FILE_PATH",
                 "FLYTE_PLATFORM_INSECURE_SKIP_VERIFY", "FLYTE_CREDENTIALS_AUTH_MODE", "FLYTE_CREDENTIALS_CLIENT_ID",
                 "FLYTE_CREDENTIALS_CLIENT_SECRET", "FLYTE_RECONCILER_TOKEN_FILE", "FLYTE_RECONCILER_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


def test_a_flytectl_config_file_is_used_as_is(tls_admin: LocalAdmin, ca: TestCA, tmp_path: Path,
                                              clean_env: None) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"admin:\n  endpoint: dns:///{tls_admin.address}\n  insecure: false\n"
                      f"  caCertFilePath: {ca.ca_file}\n")
    result = CliRunner().invoke(cli, ["doctor", "--flytectl-config", str(config)])
    assert result.exit_code == 0, result.output
    assert f"Transport: TLS, verified against {ca.ca_file}" in result.output
    assert f"Connecting to {tls_admin.address}" in result.output
    assert "All checks passed." in result.output


def test_an_untrusted_server_certificate_fails_with_a_next_step(tls_admin: LocalAdmin, clean_env: None) -> None:
    result = CliRunner().invoke(cli, ["doctor", "--endpoint", tls_admin.address])
    assert result.exit_code == 1
    assert "Admin version" in result.output and "FAILED: " in result.output
    assert "next step: check the endpoint and port" in result.output and "caCertFilePath" in result.output


def test_insecure_skip_verify_trusts_the_presented_certificate_with_a_warning(
        tls_admin: LocalAdmin, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = resolve(flags={"endpoint": tls_admin.address, "insecure_skip_verify": True},
                       environ={"HOME": str(tmp_path)})
    with caplog.at_level(logging.WARNING, logger="reconciler.transport"):
        credentials = transport.channel_credentials(settings)
    assert any("insecureSkipVerify" in record.getMessage() for record in caplog.records)
    with AdminClient(endpoint=tls_admin.address, channel_credentials=credentials, max_attempts=1) as client:
        assert client.call("GetVersion", version_pb2.GetVersionRequest()).control_plane_version.Version


def test_the_system_roots_do_not_trust_a_private_ca(tls_admin: LocalAdmin, tmp_path: Path) -> None:
    settings = resolve(flags={"endpoint": tls_admin.address}, environ={"HOME": str(tmp_path)})
    with AdminClient(endpoint=tls_admin.address, channel_credentials=transport.channel_credentials(settings),
                     max_attempts=1, timeout_s=5) as client, pytest.raises(TransientAdminError):
        client.call("GetVersion", version_pb2.GetVersionRequest())


class _Json(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def https_url(ca: TestCA, tmp_path: Path) -> Iterator[str]:
    (tmp_path / "cert.pem").write_bytes(ca.cert_pem)
    (tmp_path / "key.pem").write_bytes(ca.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = HTTPServer(("127.0.0.1", 0), _Json)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/oauth2/token"
    server.shutdown()
    server.server_close()


def test_oauth_https_calls_trust_the_configured_ca(https_url: str, ca: TestCA, tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path)}
    trusted = transport.http_ssl_context(resolve(flags={"ca_cert_file": str(ca.ca_file)}, environ=environ))
    with urllib.request.urlopen(https_url, context=trusted, timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True}
    default = transport.http_ssl_context(resolve(flags={}, environ=environ))
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(https_url, context=default, timeout=5)
    skipping = transport.http_ssl_context(resolve(flags={"insecure_skip_verify": True}, environ=environ))
    with urllib.request.urlopen(https_url, context=skipping, timeout=5) as response:
        assert response.status == 200
