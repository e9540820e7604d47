"""Client credentials against the embedded admin's auth mode, every hop real: gRPC over TLS and the
token endpoint over HTTPS, both from one test CA; discovery of token URL, scopes, audience and header
from AuthMetadataService; refresh after Admin stops accepting a token; OAuth2 refusals with the
server's error code; plaintext and unreachable token endpoints."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flyteidl.admin import project_pb2

from reconciler.admin import oauth
from reconciler.admin.auth import ClientCredentials, auth_from
from reconciler.admin.client import AdminClient
from reconciler.errors import ConfigError, TransientAdminError, UnauthenticatedError
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig
from reconciler.localadmin.auth.testca import TestCA, make_test_ca
from reconciler.settings import resolve

SECRET = "s3cr3t:with/odd+chars="  # Basic auth must form-encode it


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_test_ca(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def admin(tmp_path: Path, ca: TestCA) -> Iterator[LocalAdmin]:
    auth = AuthConfig(client_id="ci bot", client_secret=SECRET, audience="https://flyte.test",
                      tls_cert_pem=ca.cert_pem, tls_key_pem=ca.key_pem)
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, credentials=ca.server_credentials(), auth=auth) as running:
        yield running


def _settings(admin: LocalAdmin, ca: TestCA, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(tmp_path), "FLYTE_PLATFORM_URL": f"dns:///{admin.address}",
            "FLYTE_PLATFORM_CA_CERT_FILE_PATH": str(ca.ca_file), "FLYTE_CREDENTIALS_CLIENT_ID": "ci bot",
            "FLYTE_CREDENTIALS_CLIENT_SECRET": SECRET, **extra}


def _client(admin: LocalAdmin, ca: TestCA, plugin: object) -> AdminClient:
    return AdminClient(endpoint=admin.address, root_certificates=ca.ca_file.read_bytes(), metadata_plugin=plugin,
                       max_attempts=1)


def test_discovery_https_token_endpoint_and_refresh_after_revocation(admin: LocalAdmin, ca: TestCA,
                                                                      tmp_path: Path) -> None:
    settings = resolve(flags={}, environ=_settings(admin, ca, tmp_path))
    plugin = auth_from(settings)
    assert isinstance(plugin, ClientCredentials)
    with _client(admin, ca, plugin) as client:
        assert plugin.token_url is None  # nothing is discovered before Admin asks for credentials
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
        assert admin.token_server is not None and admin.token_server.url.startswith("https://127.0.0.1:")
        assert plugin.token_url == admin.token_server.url  # discovered, not configured
        assert (plugin.scopes, plugin.audience, plugin.header) == (["all"], "https://flyte.test", "flyte-authorization")
        issuer = admin.token_server.issuer
        assert issuer.issued == 1
        issuer.revoke_all()  # Admin now refuses the cached token: one UNAUTHENTICATED, one refresh, one retry
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
        assert issuer.issued == 2
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
        assert issuer.issued == 2  # cached in memory between calls


def test_the_token_endpoint_is_not_trusted_without_the_ca(admin: LocalAdmin, ca: TestCA, tmp_path: Path) -> None:
    assert admin.token_server is not None
    settings = resolve(flags={"token_url": admin.token_server.url, "scopes": "all", "audience": "https://flyte.test"},
                       environ={**_settings(admin, ca, tmp_path), "FLYTE_PLATFORM_CA_CERT_FILE_PATH": ""})
    plugin = auth_from(settings)
    assert plugin is not None
    with pytest.raises(ConfigError, match="is not trusted") as caught:
        plugin.obtain()
    assert "caCertFilePath" in str(caught.value)


@pytest.mark.parametrize(("override", "expected"), [
    ({"FLYTE_CREDENTIALS_CLIENT_SECRET": "wrong"}, r"refused the client credentials \(HTTP 401\): invalid_client"),
    ({"FLYTE_CREDENTIALS_SCOPES": "all,admin"}, r"\(HTTP 400\): invalid_scope: unknown scopes \['admin'\]"),
    ({"FLYTE_CREDENTIALS_AUDIENCE": "https://other"}, r"\(HTTP 400\): invalid_target"),
])
def test_oauth_refusals_carry_the_servers_error(admin: LocalAdmin, ca: TestCA, tmp_path: Path,
                                                override: dict[str, str], expected: str) -> None:
    plugin = auth_from(resolve(flags={}, environ=_settings(admin, ca, tmp_path, **override)))
    with _client(admin, ca, plugin) as client, pytest.raises(UnauthenticatedError, match=expected) as caught:
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
    assert SECRET not in str(caught.value) and caught.value.hint


def test_a_secret_is_never_sent_to_a_remote_http_token_url(tmp_path: Path) -> None:
    settings = resolve(flags={"endpoint": "flyte.example.com:443", "token_url": "http://idp.example.com/token",
                              "scopes": "all"},
                       environ={"HOME": str(tmp_path), "FLYTE_CREDENTIALS_CLIENT_ID": "bot",
                                "FLYTE_CREDENTIALS_CLIENT_SECRET": "x"})
    plugin = auth_from(settings)
    assert plugin is not None
    with pytest.raises(ConfigError, match="refusing to send the client secret over a plaintext connection"):
        plugin.obtain()


def test_an_unreachable_token_endpoint_is_retried_then_transient(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oauth, "BACKOFF_S", 0.01)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = resolve(flags={"endpoint": "127.0.0.1:1", "insecure": True,
                              "token_url": f"http://127.0.0.1:{port}/token", "scopes": "all"},
                       environ={"HOME": str(tmp_path), "FLYTE_CREDENTIALS_CLIENT_ID": "bot",
                                "FLYTE_CREDENTIALS_CLIENT_SECRET": "x"})
    plugin = auth_from(settings)
    assert plugin is not None
    with pytest.raises(TransientAdminError, match="no answer after 3 attempts"):
        plugin.obtain()


def test_client_credentials_against_an_admin_without_auth_metadata(tmp_path: Path) -> None:
    """As flytectl and flytekit: an admin without auth never asks, so nothing is discovered or requested;
    one that asks but serves no AuthMetadataService gets a clear error."""
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0) as plain:
        settings = resolve(flags={"endpoint": plain.address, "insecure": True},
                           environ={"HOME": str(tmp_path), "FLYTE_CREDENTIALS_CLIENT_ID": "bot",
                                    "FLYTE_CREDENTIALS_CLIENT_SECRET": "x"})
        plugin = auth_from(settings)
        assert isinstance(plugin, ClientCredentials)
        with AdminClient(endpoint=plain.address, insecure=True, metadata_plugin=plugin) as client:
            client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
            assert not plugin.asked and plugin.token_url is None
            with pytest.raises(ConfigError, match="does not serve AuthMetadataService") as caught:
                plugin.obtain()
        assert "tokenUrl" in str(caught.value)


def test_basic_auth_form_encodes_both_parts() -> None:
    import base64

    header = oauth.basic_auth("ci bot", "a:b/c+d=")
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == "ci+bot:a%3Ab%2Fc%2Bd%3D"
