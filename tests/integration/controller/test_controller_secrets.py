"""Secrets never leave the controller: the write token, the webhook secret, the git token and a Slack URL
(a secret itself) appear in no log line, no API answer, no page, no metric and not in the status store."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tests.integration.controller.conftest import SECRET, TOKEN, config_yaml, wait_for
from tests.integration.controller.manifests import PROJECT, launch_plan

pytestmark = pytest.mark.integration
GIT_TOKEN = "canary-git-token-5e7f0c"
ADMIN_TOKEN = "canary-admin-token-77d1e2"  # static-token auth: sent to Admin on every call
CLIENT_SECRET = "canary-client-secret-0b3c"
SLACK = "http://127.0.0.1:9/services/canary-slack-path-91ab"


def test_no_secret_in_logs_api_pages_metrics_or_store(repo, admin, tmp_path, start_controller) -> None:
    controller_section = ("controller:\n  gitTokenEnvVar: TEST_GIT_TOKEN\n"
                          "  notifications:\n    - {urlEnvVar: TEST_SLACK_URL, format: slack}\n")
    local = tmp_path / "local.yaml"
    local.write_text(controller_section)
    token_file = tmp_path / "admin-token"
    token_file.write_text(ADMIN_TOKEN + "\n")
    revision = repo.commit({"flyte-reconciler.yaml": config_yaml(admin.address),
                            "manifests/m.yaml": PROJECT + "---\n" + launch_plan(100)})
    controller = start_controller("--config", str(local), "--source", repo.url, "--path", "manifests",
                                  "--env", "dev", "--sync", "manual", "--interval", "0.5",
                                  extra_env={"TEST_GIT_TOKEN": GIT_TOKEN, "TEST_SLACK_URL": SLACK,
                                             "FLYTE_RECONCILER_TOKEN_FILE": str(token_file),
                                             "FLYTE_CREDENTIALS_CLIENT_SECRET": CLIENT_SECRET})
    wait_for(lambda: controller.environment("dev")["revision"] == revision, "the first sync")
    body = b"{}"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert controller.post("/api/v1/webhook", body, token=None, headers={"X-Hub-Signature-256": signature}) == 202
    assert controller.post("/api/v1/webhook", body, token=None, headers={"X-Gitlab-Token": SECRET + "x"}) == 401
    assert controller.post("/api/v1/refresh", token=TOKEN + "x") == 401
    assert controller.post("/api/v1/environments/dev/sync") == 202
    wait_for(lambda: controller.record("notification failed") is not None, "the (unreachable) Slack notification")
    seen = [controller.request("GET", path)[1] for path in (
        "/", "/environments/dev", "/environments/dev/syncs", "/metrics", "/api/v1/environments",
        "/api/v1/environments/dev/objects", "/api/v1/environments/dev/syncs")]
    assert controller.terminate() == 0
    seen.append("\n".join(controller.lines).encode())
    seen += [p.read_bytes() for p in (tmp_path / "wd").glob("status.db*")]
    for secret in (TOKEN, SECRET, GIT_TOKEN, "canary-slack-path-91ab", ADMIN_TOKEN, CLIENT_SECRET):
        for blob in seen:
            assert secret.encode() not in blob, secret
