"""Client credentials end to end: the embedded admin in auth mode over TLS with a test CA; token
discovery through AuthMetadataService, refresh after expiry, and a canary secret that never leaks."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig

CANARY_SECRET = "canary-secret-91b2e7"

PROJECT = """apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: secured}
spec: {displayName: Secured project}
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
             "-subj", "/CN=flyte-reconciler test CA", cwd=d)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf", cwd=d)
    return d


@pytest.fixture
def secured(tmp_path: Path, certificates: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAdmin]:
    credentials = grpc.ssl_server_credentials([((certificates / "server.key").read_bytes(),
                                                (certificates / "server.pem").read_bytes())])
    auth = AuthConfig(client_id="ci-bot", client_secret=CANARY_SECRET, token_ttl_s=1.0)
    monkeypatch.setenv("FLYTE_PLATFORM_CA_CERT_FILE_PATH", str(certificates / "ca.pem"))
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_ID", "ci-bot")
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", CANARY_SECRET)
    monkeypatch.setenv("FLYTECTL_CONFIG", str(tmp_path / "absent.yaml"))
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, credentials=credentials, auth=auth) as admin:
        yield admin


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [secured]}\n")
    (root / "project.yaml").write_text(PROJECT)
    return root


def test_plan_apply_doctor_over_tls_with_client_credentials_and_refresh(secured: LocalAdmin, tmp_path: Path) -> None:
    root = _repo(tmp_path)
    endpoint = ["--endpoint", secured.address]
    outputs = []
    applied = CliRunner().invoke(cli, ["apply", str(root), "--auto-approve", *endpoint])
    outputs.append(applied.output)
    assert applied.exit_code == 0, applied.output
    time.sleep(1.2)  # the token expires; the next call is refused once, a new token is fetched
    saved = tmp_path / "plan.json"
    plan = CliRunner().invoke(cli, ["plan", str(root), "--detailed-exitcode", "--out", str(saved), *endpoint])
    outputs.append(plan.output)
    assert plan.exit_code == 0, plan.output
    doctor = CliRunner().invoke(cli, ["doctor", *endpoint])
    outputs.append(doctor.output)
    assert doctor.exit_code == 0 and "auth: ClientSecret" in doctor.output and "****" in doctor.output
    assert secured.token_server is not None
    for text in [*outputs, saved.read_text()]:
        assert CANARY_SECRET not in text


def test_wrong_secret_is_a_clear_error_without_the_secret(secured: LocalAdmin, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", "wrong-" + CANARY_SECRET)
    result = CliRunner().invoke(cli, ["plan", str(_repo(tmp_path)), "--endpoint", secured.address])
    assert result.exit_code == 1
    assert "refused the client credentials (HTTP 401)" in result.output
    assert CANARY_SECRET not in result.output


def test_untrusted_certificate_is_refused(secured: LocalAdmin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLYTE_PLATFORM_CA_CERT_FILE_PATH")
    result = CliRunner().invoke(cli, ["doctor", "--endpoint", secured.address])
    assert result.exit_code == 1
    assert CANARY_SECRET not in result.output
