"""Backfills against the embedded admin and its simulated lifecycle, over real gRPC."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner
from flyteidl.admin import common_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import FailureRule, LifecycleSettings
from reconciler.plan.model import Plan

MANIFESTS = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks}
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
---
apiVersion: flyte-reconciler/v1
kind: Backfill
metadata: {project: flytesnacks, domain: development, name: q1}
spec:
  launchPlan: nightly
  from: 2024-01-01T00:00:00Z
  to: TO
  parallelism: 4
  order: ORDER
  onFailure: ON_FAILURE
  maxRetries: 2
  inputs: {limit: 7}
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def running_admin(tmp_path: Path, clock: Clock | None, failure: FailureRule = FailureRule(),
                  fast: bool = False) -> LocalAdmin:
    timing = (LifecycleSettings(queued_after_s=0, running_after_s=0.02, duration_s=0.1, failure=failure) if fast
              else LifecycleSettings(queued_after_s=1, running_after_s=2, duration_s=10, failure=failure))
    return LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, lifecycle=timing, clock=clock)


def write(tmp_path: Path, to: str = "2024-03-31T00:00:00Z", order: str = "parallel", on_failure: str = "stop") -> Path:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n")
    (root / "m.yaml").write_text(MANIFESTS.replace("TO", to).replace("ORDER", order).replace("ON_FAILURE", on_failure))
    return root


def executions(admin: LocalAdmin) -> list:
    with grpc.insecure_channel(admin.address) as channel:
        response = AdminServiceStub(channel).ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"), limit=10_000))
    return list(response.executions)


def apply(root: Path, admin: LocalAdmin, *extra: str) -> int:
    result = CliRunner().invoke(cli, ["apply", str(root), "--auto-approve", "--endpoint", admin.address,
                                      "--insecure", *extra])
    assert result.exit_code in (0, 3), result.output
    return result.exit_code


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield Clock()


def test_ninety_day_backfill_completes_through_repeated_applies_never_exceeding_parallelism(tmp_path, clock) -> None:
    root = write(tmp_path)
    with running_admin(tmp_path, clock) as admin:
        peak = 0
        for _ in range(40):
            apply(root, admin)
            runs = executions(admin)
            active = [e for e in runs if e.closure.phase not in (4, 6, 7, 8)]
            peak = max(peak, len(active))
            clock.advance(12)
            if len(runs) == 90 and not active:
                break
        runs = executions(admin)
        names = [e.id.name for e in runs]
        assert len(names) == 90 == len(set(names))
        assert peak == 4
        assert all(e.closure.phase == 4 for e in runs)  # SUCCEEDED
        assert all(e.spec.metadata.mode == 1 for e in runs)  # SCHEDULED, with the kickoff as scheduled_at
        plan = CliRunner().invoke(cli, ["plan", str(root), "--detailed-exitcode", "--endpoint", admin.address,
                                        "--insecure"])
        assert plan.exit_code == 0, plan.output


def test_one_apply_wait_completes_a_ninety_day_backfill(tmp_path) -> None:
    root = write(tmp_path)
    with running_admin(tmp_path, None, fast=True) as admin:
        result = CliRunner().invoke(cli, ["apply", str(root), "--auto-approve", "--wait", "--poll-interval", "0.1",
                                          "--endpoint", admin.address, "--insecure"])
        assert result.exit_code == 0, result.output
        runs = executions(admin)
        assert len(runs) == 90 == len({e.id.name for e in runs})
        assert all(e.closure.phase == 4 for e in runs)
        assert "90 succeeded" in result.output and "(complete)" in result.output


def test_serial_order_is_respected(tmp_path, clock) -> None:
    root = write(tmp_path, to="2024-01-06T00:00:00Z", order="serial")
    with running_admin(tmp_path, clock) as admin:
        for expected in range(1, 6):
            apply(root, admin)
            assert len(executions(admin)) == expected
            apply(root, admin)  # nothing more while the current run is not done
            assert len(executions(admin)) == expected
            clock.advance(12)


def test_failure_stops_continues_or_is_recovered(tmp_path, clock) -> None:
    failing = FailureRule(pattern=r"20240102t0600-[0-9a-f]{6}$")  # the 2nd day's run, not its recoveries
    for mode, expected_runs in (("stop", 4), ("continue", 10), ("retry", 11)):
        case = tmp_path / mode
        case.mkdir()
        root = write(case, to="2024-01-11T00:00:00Z", on_failure=mode)
        with running_admin(case, clock, failure=failing) as admin:
            for _ in range(10):
                apply(root, admin)
                clock.advance(12)
            runs = executions(admin)
            assert len(runs) == expected_runs, (mode, [e.id.name for e in runs])
            finals = {e.id.name: e.closure.phase for e in runs}
            assert sum(1 for p in finals.values() if p == 6) == 1  # the failed original stays FAILED
            if mode == "retry":
                recovered = [e for e in runs if e.id.name.endswith("-r1")]
                assert len(recovered) == 1 and recovered[0].spec.metadata.mode == 5  # RECOVERED


def test_interrupted_apply_duplicates_nothing(tmp_path, clock) -> None:
    root = write(tmp_path, to="2024-01-09T00:00:00Z")
    with running_admin(tmp_path, clock) as admin:
        saved = tmp_path / "plan.json"
        CliRunner().invoke(cli, ["plan", str(root), "--out", str(saved), "--endpoint", admin.address, "--insecure"])
        plan = Plan.from_json(saved.read_text())
        launches = [a for a in plan.actions if a.type == "launch_execution"]
        # the process dies after sending two of the four launches
        partial = plan.model_copy(update={"actions": tuple(a for a in plan.actions if a not in launches[2:])})
        saved.write_text(partial.to_json())
        CliRunner().invoke(cli, ["apply", "--plan", str(saved), "--auto-approve", "--endpoint", admin.address,
                                 "--insecure"])
        assert len(executions(admin)) == 2
        for _ in range(10):
            apply(root, admin)
            clock.advance(12)
        names = [e.id.name for e in executions(admin)]
        assert len(names) == 8 == len(set(names))


def test_backfill_status_reports_progress(tmp_path, clock) -> None:
    root = write(tmp_path, to="2024-01-11T00:00:00Z")
    with running_admin(tmp_path, clock) as admin:
        apply(root, admin)
        clock.advance(12)
        connect = ["--endpoint", admin.address, "--insecure"]
        result = CliRunner().invoke(cli, ["backfill", "status", str(root), "--format", "json", *connect])
        assert result.exit_code == 0, result.output
        import json

        progress = json.loads(result.output)["backfill/flytesnacks/development/nightly/q1"]
        assert (progress["total"], progress["succeeded"], progress["pending"]) == (10, 4, 6)
        text = CliRunner().invoke(cli, ["backfill", "status", str(root), *connect])
        assert "backfill/flytesnacks/development/nightly/q1" in text.output and "running" in text.output


def test_shrinking_the_range_terminates_only_with_prune(tmp_path, clock) -> None:
    root = write(tmp_path, to="2024-01-11T00:00:00Z")
    with running_admin(tmp_path, clock) as admin:
        apply(root, admin)  # Jan 1-4 running
        write(tmp_path, to="2024-01-03T00:00:00Z")  # Jan 3 and 4 leave the range
        kept = CliRunner().invoke(cli, ["apply", str(root), "--auto-approve", "--endpoint", admin.address,
                                        "--insecure"])
        assert "outside the range" in kept.output
        assert all(e.closure.phase not in (7, 9) for e in executions(admin))  # nothing aborted
        (root / "flyte-reconciler.yaml").write_text(
            "scope: {projects: [flytesnacks], domains: [development]}\nprune: {backfills: true}\n")
        apply(root, admin)
        aborting = sorted(e.id.name for e in executions(admin) if e.closure.phase in (7, 9))
        assert len(aborting) == 2 and all("2024010" in n for n in aborting)
        assert {n.split("-")[2][:8] for n in aborting} == {"20240103", "20240104"}


def test_changing_inputs_of_a_started_backfill_is_refused(tmp_path, clock) -> None:
    root = write(tmp_path, to="2024-01-11T00:00:00Z")
    with running_admin(tmp_path, clock) as admin:
        apply(root, admin)
        (root / "m.yaml").write_text((root / "m.yaml").read_text().replace("limit: 7", "limit: 8"))
        result = CliRunner().invoke(cli, ["plan", str(root), "--endpoint", admin.address, "--insecure"])
        assert result.exit_code == 1
        assert "inputs changed after the backfill started" in result.output and "new metadata.name" in result.output


def test_kill_9_during_apply_then_rerun_creates_no_duplicates(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    root = write(tmp_path, to="2024-01-31T00:00:00Z")
    with running_admin(tmp_path, None, fast=True) as admin:
        command = [sys.executable, "-m", "reconciler", "apply", str(root), "--auto-approve", "--wait",
                   "--poll-interval", "0.1", "--endpoint", admin.address, "--insecure"]
        for delay in (0.5, 0.9, 1.3, 1.7, 2.1):  # seconds after start: import time, planning, mid-campaign
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        final = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stdout + final.stderr
        names = [e.id.name for e in executions(admin)]
        assert len(names) == 30 == len(set(names))


def test_a_backfill_does_not_count_runs_of_another_whose_name_extends_it(tmp_path, clock) -> None:
    root = write(tmp_path, to="2024-01-05T00:00:00Z")
    other = (root / "m.yaml").read_text().split("---\n")[-1].replace("name: q1}", "name: q1-2024}")
    (root / "other.yaml").write_text(other)
    with running_admin(tmp_path, clock) as admin:
        apply(root, admin)  # both backfills launch their first 4 runs
        result = CliRunner().invoke(cli, ["backfill", "status", str(root), "--format", "json", "--endpoint",
                                          admin.address, "--insecure"])
        import json

        progress = json.loads(result.output)
        assert progress["backfill/flytesnacks/development/nightly/q1"]["running"] == 4
        assert progress["backfill/flytesnacks/development/nightly/q1-2024"]["running"] == 4
