"""Backfills advance on every cycle; a failed one is reported (status and one notification, not one per
cycle); the pause switch stops automatic writes until it is lifted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import FailureRule, LifecycleSettings
from tests.integration.controller.conftest import config_yaml, wait_for
from tests.integration.controller.manifests import PROJECT, active_versions, launch_plan, set_state

pytestmark = pytest.mark.integration

BACKFILL = """\
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
---
apiVersion: flyte-reconciler/v1
kind: Backfill
metadata: {project: flytesnacks, domain: development, name: jan}
spec:
  launchPlan: nightly
  from: 2024-01-01T00:00:00Z
  to: 2024-01-15T00:00:00Z
  parallelism: 3
  onFailure: stop
"""
ADDRESS = "backfill/flytesnacks/development/nightly/jan"


class Receiver:
    """A local webhook endpoint that keeps every JSON body posted to it, by path."""

    def __init__(self) -> None:
        received: list[tuple[str, dict]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append((self.path, json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def _executions(stub) -> list:
    response = stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"), limit=1000))
    return list(response.executions)


def test_a_backfill_progresses_then_fails_and_is_notified_once(tmp_path: Path, receiver, start_controller) -> None:
    timing = LifecycleSettings(queued_after_s=0, running_after_s=0.05, duration_s=0.3,
                               failure=FailureRule(pattern="20240108"))
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, lifecycle=timing) as admin, \
            grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        source = tmp_path / "src"
        source.mkdir()
        (source / "flyte-reconciler.yaml").write_text(config_yaml(admin.address, (
            "controller:\n  notifications:\n"
            f"    - {{url: '{receiver.url}/generic'}}\n"
            "    - {urlEnvVar: TEST_SLACK_URL, format: slack}\n")))
        (source / "m.yaml").write_text(PROJECT + "---\n" + BACKFILL)
        controller = start_controller("--source", str(source), "--env", "dev", "--sync", "auto", "--interval", "0.5",
                                      extra_env={"TEST_SLACK_URL": f"{receiver.url}/slack"})
        progressing = wait_for(lambda: (o := controller.objects("dev").get(ADDRESS)) and o["status"] == "Progressing"
                               and o, "the backfill to progress")
        assert progressing["progress"]["total"] == 14
        failed = wait_for(lambda: (o := controller.objects("dev")[ADDRESS])["status"] == "Failed" and o,
                          "the backfill to fail")
        assert "failed" in failed["error"]
        launched = len(_executions(stub))
        assert 7 <= launched < 14  # stopped: no launches after the failure beyond those already in flight
        syncs = len(controller.get_json("/api/v1/environments/dev/syncs"))
        wait_for(lambda: len(controller.get_json("/api/v1/environments/dev/syncs")) >= syncs + 3, "more cycles")
        assert len(_executions(stub)) == launched  # onFailure stop is respected: not retried
        generic = [body for path, body in receiver.received if path == "/generic"]
        slack = [body for path, body in receiver.received if path == "/slack"]
        backfill_events = [b for b in generic if b["event"] == "BackfillFailed"]
        assert len(backfill_events) == 1 and backfill_events[0]["address"] == ADDRESS
        assert backfill_events[0]["environment"] == "dev"
        assert any("BackfillFailed" in b["text"] for b in slack) and all(set(b) == {"text"} for b in slack)
        status, page = controller.request("GET", "/environments/dev?status=Failed")
        assert status == 200 and ADDRESS.encode() in page
        assert controller.terminate() == 0


def test_pause_stops_self_heal_until_lifted(tmp_path: Path, admin, stub, start_controller) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "flyte-reconciler.yaml").write_text(config_yaml(admin.address))
    (source / "m.yaml").write_text(PROJECT + "---\n" + launch_plan(100))
    controller = start_controller("--source", str(source), "--env", "dev", "--sync", "selfHeal", "--interval", "0.5")
    wait_for(lambda: len(active_versions(stub)) == 1, "the first sync")
    (version,) = active_versions(stub)
    assert controller.post("/api/v1/environments/dev/pause", b'{"paused": true}', token=None) == 401
    assert controller.post("/api/v1/environments/dev/pause", b'{"paused": true}') == 200
    assert controller.environment("dev")["paused"] is True
    set_state(stub, version, active=False)
    wait_for(lambda: controller.objects("dev")["launchplan/flytesnacks/development/nightly_report"]["status"]
             == "OutOfSync", "drift reported while paused")
    syncs = len(controller.get_json("/api/v1/environments/dev/syncs"))
    wait_for(lambda: len(controller.get_json("/api/v1/environments/dev/syncs")) >= syncs + 2, "more cycles")
    assert active_versions(stub) == []
    finished = [s for s in controller.get_json("/api/v1/environments/dev/syncs") if s["result"] != "Running"]
    assert finished[0]["skipped"] == "paused"
    assert controller.post("/api/v1/environments/dev/pause", b'{"paused": false}') == 200
    wait_for(lambda: active_versions(stub) == [version], "self-heal after the pause is lifted")
    assert controller.terminate() == 0
