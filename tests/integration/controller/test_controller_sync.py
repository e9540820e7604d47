"""The controller against the embedded admin and a local bare git repository (commits pushed by the test)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tests.integration.controller.conftest import SECRET, config_yaml, wait_for
from tests.integration.controller.manifests import PROJECT, active_versions, launch_plan, set_state

pytestmark = pytest.mark.integration
LP = "launchplan/flytesnacks/development/nightly_report"


def _initial(repo, admin, limit: int = 100) -> str:
    return repo.commit({"flyte-reconciler.yaml": config_yaml(admin.address), "manifests/project.yaml": PROJECT,
                        "manifests/lp.yaml": launch_plan(limit)}, "initial")


def _synced_at(controller, revision: str) -> bool:
    env = controller.environment("dev")
    return env["revision"] == revision and env["lastSync"] is not None and env["lastSync"]["result"] == "Succeeded"


def test_auto_applies_a_new_commit_within_one_cycle_and_leaves_hand_changes(repo, admin, stub, start_controller,
                                                                             tmp_path) -> None:
    first = _initial(repo, admin)
    controller = start_controller("--source", repo.url, "--ref", "main", "--path", "manifests", "--env", "dev",
                                  "--sync", "auto", "--interval", "1")
    wait_for(lambda: _synced_at(controller, first) and controller.objects("dev").get(LP, {}).get("status") == "Synced",
             "the first revision to be applied")
    (v1,) = active_versions(stub)

    env = controller.environment("dev")
    assert set(env) >= {"name", "revision", "lastSync", "counts"}
    assert set(env["lastSync"]) >= {"startedAt", "durationSeconds", "result", "actionsApplied"}
    assert set(env["counts"]) == {"Synced", "OutOfSync", "Unmanaged", "Failed", "Progressing"}
    assert env["counts"]["OutOfSync"] == 0 and env["counts"]["Synced"] >= 2
    for item in controller.get_json("/api/v1/environments/dev/objects"):
        assert set(item) >= {"address", "status", "diff", "error"}

    second = repo.commit({"manifests/lp.yaml": launch_plan(200)}, "raise the limit")
    wait_for(lambda: _synced_at(controller, second) and active_versions(stub) not in ([v1], []),
             "the new commit to be applied")
    (v2,) = active_versions(stub)
    assert v2 != v1
    # The new revision parsed only the file that changed: the parse cache holds both texts of lp.yaml
    # and the one of project.yaml.
    assert len([p for p in (tmp_path / "wd" / "parse-cache").iterdir() if len(p.name) == 64]) == 3
    wait_for(lambda: controller.objects("dev")[LP]["status"] == "Synced", "the launch plan to show Synced")

    # A hand change to something git did not change: auto reports it and leaves it alone.
    set_state(stub, v2, active=False)
    drifted = wait_for(lambda: (o := controller.objects("dev")[LP])["status"] == "OutOfSync" and o,
                       "the hand change to be reported")
    assert "activeVersions" in drifted["diff"]
    syncs_before = len(controller.get_json("/api/v1/environments/dev/syncs"))
    wait_for(lambda: len(controller.get_json("/api/v1/environments/dev/syncs")) >= syncs_before + 2, "two more cycles")
    assert active_versions(stub) == []
    assert controller.objects("dev")[LP]["status"] == "OutOfSync"

    assert controller.terminate() == 0


def test_manual_reports_drift_and_applies_only_on_an_authorised_sync(repo, admin, stub, start_controller) -> None:
    first = _initial(repo, admin)
    controller = start_controller("--source", repo.url, "--path", "manifests", "--env", "dev", "--sync", "manual",
                                  "--interval", "1")
    wait_for(lambda: _synced_at(controller, first), "the first cycle")
    assert controller.objects("dev")[LP]["status"] == "OutOfSync"
    assert active_versions(stub) == []

    assert controller.post("/api/v1/environments/dev/sync", token=None) == 401
    assert controller.post("/api/v1/environments/dev/sync", token="wrong") == 401
    assert active_versions(stub) == []
    assert controller.post("/api/v1/environments/dev/sync") == 202
    wait_for(lambda: len(active_versions(stub)) == 1, "the requested sync to apply")
    synced = wait_for(lambda: (o := controller.objects("dev")[LP])["status"] == "Synced" and o, "Synced after the sync")
    (version,) = active_versions(stub)

    set_state(stub, version, active=False)
    drifted = wait_for(lambda: (o := controller.objects("dev")[LP])["status"] == "OutOfSync" and o, "drift reported")
    assert "activeVersions" in drifted["diff"] and version in drifted["diff"]
    assert drifted["since"] > synced["since"]  # the transition time moved with the status
    assert drifted["consoleUrl"].endswith("/projects/flytesnacks/domains/development/launchPlans/nightly_report")
    assert active_versions(stub) == []
    assert controller.terminate() == 0


def test_self_heal_reverts_a_hand_change(repo, admin, stub, start_controller) -> None:
    first = _initial(repo, admin)
    controller = start_controller("--source", repo.url, "--path", "manifests", "--env", "dev", "--sync", "selfHeal",
                                  "--interval", "1")
    wait_for(lambda: _synced_at(controller, first) and len(active_versions(stub)) == 1, "the first sync")
    (version,) = active_versions(stub)
    set_state(stub, version, active=False)
    assert active_versions(stub) == []
    wait_for(lambda: active_versions(stub) == [version], "self-heal to reactivate the version")
    # The activation is visible in Admin a moment before the sync that sent it is recorded as finished.
    wait_for(lambda: any(any("activate_launch_plan" in a for a in s["applied"]) and s["revision"] == first
                         for s in controller.get_json("/api/v1/environments/dev/syncs")[:-1]),
             "the healing sync to be recorded")
    assert controller.terminate() == 0


def test_signed_webhook_refreshes_at_once_and_unsigned_is_refused(repo, admin, stub, start_controller) -> None:
    first = _initial(repo, admin)
    controller = start_controller("--source", repo.url, "--path", "manifests", "--env", "dev", "--sync", "auto",
                                  "--interval", "3600")
    wait_for(lambda: _synced_at(controller, first), "the first sync")
    second = repo.commit({"manifests/lp.yaml": launch_plan(300)}, "webhook me")
    body = b'{"ref": "refs/heads/main"}'

    assert controller.post("/api/v1/webhook", body, token=None) == 401
    assert controller.post("/api/v1/webhook", body, token=None,
                           headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}) == 401
    assert controller.post("/api/v1/webhook", body, token=None, headers={"X-Gitlab-Token": "nope"}) == 401
    assert controller.environment("dev")["revision"] == first  # the hour-long interval: nothing moved

    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert controller.post("/api/v1/webhook", body, token=None, headers={"X-Hub-Signature-256": signature}) == 202
    wait_for(lambda: _synced_at(controller, second), "the signed webhook to bring the new commit")
    third = repo.commit({"manifests/lp.yaml": launch_plan(400)}, "gitlab")
    assert controller.post("/api/v1/webhook", b"{}", token=None, headers={"X-Gitlab-Token": SECRET}) == 202
    wait_for(lambda: _synced_at(controller, third), "the GitLab webhook to bring the next commit")
    assert controller.terminate() == 0


def test_a_bad_commit_is_refused_with_file_and_line_and_nothing_is_written(repo, admin, stub,
                                                                           start_controller) -> None:
    first = _initial(repo, admin)
    controller = start_controller("--source", repo.url, "--path", "manifests", "--env", "dev", "--sync", "selfHeal",
                                  "--interval", "1")
    wait_for(lambda: _synced_at(controller, first) and len(active_versions(stub)) == 1, "the first sync")
    before = active_versions(stub)
    bad = repo.commit({"manifests/lp.yaml": launch_plan(500).replace("active: true", "active: true\n  colour: red"),
                       "manifests/more.yaml": launch_plan(1, name="other_report"),
                       "manifests/hostile.yaml": "# a sandbox escape attempt\nkind: {{ ''.__class__.__mro__ }}\n"},
                      "bad")
    env = wait_for(lambda: (e := controller.environment("dev"))["invalidRevision"] and e, "the bad revision refused")
    assert env["invalidRevision"]["revision"] == bad
    assert any(e.startswith("manifests/lp.yaml:") and "colour" in e for e in env["invalidRevision"]["errors"]), env
    assert any(e.startswith("manifests/hostile.yaml:2:") for e in env["invalidRevision"]["errors"]), env
    syncs_before = len(controller.get_json("/api/v1/environments/dev/syncs"))
    wait_for(lambda: len(controller.get_json("/api/v1/environments/dev/syncs")) >= syncs_before + 2, "more cycles")
    assert controller.environment("dev")["revision"] == first  # still reconciling the last good revision
    assert active_versions(stub) == before and active_versions(stub, "other_report") == []
    refused = controller.record("revision refused")
    assert refused is not None and any("manifests/lp.yaml:" in e for e in refused["errors"])
    status, page = controller.request("GET", "/")
    assert status == 200 and b"manifests/lp.yaml:" in page and b"colour" in page
    assert controller.terminate() == 0
