"""Guards: git unreachable keeps the last revision and says so; a deny sync window holds writes back;
GETs from a non-loopback address need the bearer token while probes stay open."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from tests.integration.controller.conftest import TOKEN, config_yaml, wait_for
from tests.integration.controller.manifests import PROJECT, active_versions, launch_plan

pytestmark = pytest.mark.integration


def test_git_unreachable_keeps_the_last_revision_and_recovers(repo, admin, stub, start_controller) -> None:
    first = repo.commit({"flyte-reconciler.yaml": config_yaml(admin.address), "manifests/project.yaml": PROJECT,
                         "manifests/lp.yaml": launch_plan(100)})
    controller = start_controller("--source", repo.url, "--path", "manifests", "--env", "dev", "--sync", "auto",
                                  "--interval", "1")
    wait_for(lambda: controller.environment("dev")["revision"] == first and len(active_versions(stub)) == 1,
             "the first sync")
    moved = repo.bare.with_name("moved.git")
    repo.bare.rename(moved)
    env = wait_for(lambda: (e := controller.environment("dev"))["sourceError"] and e, "the source error")
    assert "git fetch" in env["sourceError"] and env["revision"] == first
    assert env["lastSync"]["result"] == "Succeeded"  # still reconciling the last revision it has
    moved.rename(repo.bare)
    second = repo.commit({"manifests/lp.yaml": launch_plan(200)})
    wait_for(lambda: (e := controller.environment("dev"))["revision"] == second and not e["sourceError"],
             "recovery once git answers again")
    assert controller.terminate() == 0


def test_a_deny_window_holds_automatic_and_requested_syncs(tmp_path, admin, stub, start_controller) -> None:
    source = tmp_path / "src"
    source.mkdir()
    window = "controller:\n  syncWindows:\n    - {kind: deny, schedule: '* * * * *', duration: 1h}\n"
    (source / "flyte-reconciler.yaml").write_text(config_yaml(admin.address, window))
    (source / "m.yaml").write_text(PROJECT + "---\n" + launch_plan(100))
    controller = start_controller("--source", str(source), "--env", "dev", "--sync", "selfHeal", "--interval", "0.5")
    wait_for(lambda: len(controller.get_json("/api/v1/environments/dev/syncs")) >= 2, "two cycles")
    assert controller.post("/api/v1/environments/dev/sync") == 202
    wait_for(lambda: any(s["trigger"] == "request" for s in controller.get_json("/api/v1/environments/dev/syncs")),
             "the requested sync")
    syncs = [s for s in controller.get_json("/api/v1/environments/dev/syncs") if s["result"] != "Running"]
    assert all(s["actionsApplied"] == 0 and s["skipped"].startswith("inside the deny window") for s in syncs), syncs
    assert active_versions(stub) == []
    assert controller.environment("dev")["counts"]["OutOfSync"] >= 1
    assert controller.terminate() == 0


def _outside_address() -> str | None:
    """An address of this host that is not loopback (for a request that does not come from 127.0.0.1)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_non_loopback_reads_need_the_token_but_probes_do_not(tmp_path, admin, start_controller) -> None:
    outside = _outside_address()
    if outside is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    source = tmp_path / "src"
    source.mkdir()
    (source / "flyte-reconciler.yaml").write_text(config_yaml(admin.address))
    (source / "m.yaml").write_text(PROJECT)
    controller = start_controller("--source", str(source), "--env", "dev", "--interval", "60",
                                  "--listen", "0.0.0.0:0")
    port = controller.url.rsplit(":", 1)[1]

    def get(path: str, token: str | None = None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(f"http://{outside}:{port}{path}", headers=headers),
                                        timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert get("/healthz") == 200
    assert get("/api/v1/environments") == 401 and get("/metrics") == 401 and get("/") == 401
    assert get("/api/v1/environments", token="wrong") == 401
    assert get("/api/v1/environments", token=TOKEN) == 200 and get("/metrics", token=TOKEN) == 200
    assert controller.request("GET", "/api/v1/environments")[0] == 200  # loopback: anonymous
    assert controller.terminate() == 0
