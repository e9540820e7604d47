"""A saved plan pins TLS and identity: CA bundle fingerprint, auth mode and client id, never a secret.

The embedded admin serves TLS with a test CA and requires client credentials. The plan records the
CA bundle's fingerprint and the client id; `apply --plan` with no flags reaches the same admin with
secrets from the same variables, and refuses (no write) when the CA bundle or the client id found
now differ from the planned ones.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig

SECRET = "saved-plan-tls-secret-5d1c"
PROJECT = """apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: secured}
spec: {displayName: Secured project}
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _ca(directory: Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
             "-days", "1", "-subj", f"/CN={name}", cwd=directory)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    _ca(d, "ca")
    _ca(d, "other-ca")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf", cwd=d)
    return d


@pytest.fixture
def secured(tmp_path: Path, pki: Path) -> Iterator[LocalAdmin]:
    credentials = grpc.ssl_server_credentials([((pki / "server.key").read_bytes(), (pki / "server.pem").read_bytes())])
    auth = AuthConfig(client_id="ci-bot", client_secret=SECRET, token_ttl_s=60.0)
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, credentials=credentials, auth=auth) as admin:
        yield admin


def _env(pki: Path, tmp_path: Path, **overrides: str) -> dict[str, str]:
    return {"FLYTE_PLATFORM_CA_CERT_FILE_PATH": str(pki / "ca.pem"), "FLYTE_CREDENTIALS_CLIENT_ID": "ci-bot",
            "FLYTE_CREDENTIALS_CLIENT_SECRET": SECRET, "FLYTECTL_CONFIG": str(tmp_path / "absent.yaml"),
            "FLYTE_PLATFORM_URL": "", "FLYTE_RECONCILER_ENDPOINT": "", "FLYTE_RECONCILER_PLAN_KEY": "", **overrides}


def test_tls_and_identity_are_pinned_and_secrets_come_from_the_same_variables(secured: LocalAdmin, pki: Path,
                                                                              tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "project.yaml").write_text(PROJECT)
    saved = tmp_path / "p.json"
    made = CliRunner().invoke(cli, ["plan", str(root), "--endpoint", secured.address, "--out", str(saved)],
                              env=_env(pki, tmp_path))
    assert made.exit_code == 0, made.output
    text = saved.read_text()
    target = json.loads(text)["target"]
    assert target["tls"].startswith("CA bundle sha256:") and target["endpoint"] == secured.address
    assert (target["auth_mode"], target["client_id"]) == ("ClientSecret", "ci-bot")
    assert SECRET not in text

    before = secured.write_calls()
    other_ca = CliRunner().invoke(cli, ["apply", "--plan", str(saved), "--auto-approve"],
                                  env=_env(pki, tmp_path, FLYTE_PLATFORM_CA_CERT_FILE_PATH=str(pki / "other-ca.pem")))
    assert other_ca.exit_code == 1 and "tls" in other_ca.output, other_ca.output
    other_client = CliRunner().invoke(cli, ["apply", "--plan", str(saved), "--auto-approve"],
                                      env=_env(pki, tmp_path, FLYTE_CREDENTIALS_CLIENT_ID="someone-else"))
    assert other_client.exit_code == 1 and "client_id" in other_client.output, other_client.output
    assert "someone-else" in other_client.output and "ci-bot" in other_client.output
    assert secured.write_calls() == before
    assert SECRET not in other_ca.output + other_client.output

    applied = CliRunner().invoke(cli, ["apply", "--plan", str(saved), "--auto-approve"], env=_env(pki, tmp_path))
    assert applied.exit_code == 0, applied.output
    assert secured.write_calls() == before + 1  # the RegisterProject the plan holds
