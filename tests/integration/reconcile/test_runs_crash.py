"""Runs are launched exactly once: across two concurrent applies, and across kill -9 at every write.

`apply` runs as a real process; the embedded admin counts writes, and the process is SIGKILLed as soon as
it has sent one more write than before it started (so every kill lands on a write: a CreateExecution or a
TerminateExecution that may or may not have reached the database). After the kills one more apply converges
and a plan shows no changes; every generation of every run has exactly one execution.
"""

from __future__ import annotations

import collections
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import LifecycleSettings
from tests.reliability.org_checks import cli, start_cli
from tests.reliability.test_crash_and_concurrency import _kill_at

pytestmark = pytest.mark.integration

RUNS = 4
SLOW = LifecycleSettings(duration_s=3600)  # runs stay RUNNING: terminatePrevious has something to stop


def manifests(root: Path, generation: int) -> None:
    root.mkdir(exist_ok=True)
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n")
    docs = ["apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: flytesnacks}\n"
            "spec: {displayName: flytesnacks, description: 'Sample project flytesnacks (seeded by the embedded "
            "admin)'}\n"]
    for index in range(RUNS):
        docs.append(
            "apiVersion: flyte-reconciler/v1\nkind: Run\n"
            f"metadata: {{project: flytesnacks, domain: development, name: job-{index}}}\n"
            f"spec: {{launchPlan: {{name: ml.evaluate, version: v1}}, inputs: {{model_uri: 's3://m/{index}'}}, "
            f"generation: {generation}, terminatePrevious: true}}\n")
    (root / "m.yaml").write_text("---\n".join(docs))


def run_executions(address: str) -> list[tuple[str, str, int]]:
    with grpc.insecure_channel(address) as channel:
        response = AdminServiceStub(channel).ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"), limit=1000))
    return [(e.spec.labels.values["flyte-reconciler-run"], e.spec.labels.values["flyte-reconciler-generation"],
             e.closure.phase) for e in response.executions]


def args(admin: LocalAdmin, root: Path) -> list[str]:
    return ["apply", str(root), "--endpoint", admin.address, "--insecure", "--auto-approve", "--parallelism", "2"]


def converge(admin: LocalAdmin, root: Path) -> None:
    final = cli(*args(admin, root))
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
    plan = cli("plan", str(root), "--endpoint", admin.address, "--insecure", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout[-3000:]


def kill_at_next_write(admin: LocalAdmin, root: Path, log: Path) -> bool:
    """Start `apply` and SIGKILL it once it sent a write; False when it finished without writing."""
    return _kill_at(admin, args(admin, root), admin.write_calls() + 1, log)


def test_kill_9_at_every_write_launches_each_generation_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, lifecycle=SLOW) as admin:
        for generation in (1, 2):  # generation 2 also terminates generation 1 (a second kind of write)
            manifests(root, generation)
            kills = 0
            while kill_at_next_write(admin, root, tmp_path / "kills.log"):
                kills += 1
                assert kills <= 3 * RUNS, "apply never finished: the kills keep landing on new writes"
            assert kills >= 1
            converge(admin, root)
        counts = collections.Counter((run, generation) for run, generation, _phase in run_executions(admin.address))
        assert counts == {(f"job-{i}", g): 1 for i in range(RUNS) for g in ("1", "2")}
        aborted = {run for run, generation, phase in run_executions(admin.address) if generation == "1"
                   and phase in (7, 9)}
        assert aborted == {f"job-{i}" for i in range(RUNS)}


def test_two_concurrent_applies_launch_each_run_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    manifests(root, 1)
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, lifecycle=SLOW) as admin:
        first = start_cli(*args(admin, root), log=tmp_path / "first.log")
        second = start_cli(*args(admin, root), log=tmp_path / "second.log")
        codes = [first.wait(timeout=300), second.wait(timeout=300)]
        logs = [(tmp_path / n).read_text()[-2000:] for n in ("first.log", "second.log")]
        assert codes == [0, 0], logs  # the loser's ALREADY_EXISTS is success: the execution is this run's
        converge(admin, root)
        runs = sorted(run for run, _generation, _phase in run_executions(admin.address))
        assert runs == [f"job-{i}" for i in range(RUNS)]


def test_lost_replies_and_unavailability_launch_each_run_once(tmp_path: Path) -> None:
    """A CreateExecution whose reply is lost has happened: the client's retry meets ALREADY_EXISTS, checks
    (GetExecution) that the execution carries this run's label, and counts it as launched."""
    from reconciler.localadmin.aids import Aids

    checked = 0
    for seed in (1, 2, 3):
        root, db = tmp_path / f"repo-{seed}", tmp_path / f"a-{seed}.db"
        manifests(root, 1)
        with LocalAdmin.start(db_path=db, port=0, seed_samples=True):
            pass  # seeded without chaos
        chaos = Aids(lost_reply_rate=0.5, unavailable_rate=0.2, seed=seed)
        with LocalAdmin.start(db_path=db, port=0, lifecycle=SLOW, aids=chaos) as admin:
            for _ in range(10):
                if cli(*args(admin, root)).returncode == 0:
                    break
            runs = sorted(run for run, _generation, _phase in run_executions_retrying(admin.address))
            assert runs == [f"job-{i}" for i in range(RUNS)]
            checked += admin.counters().get("GetExecution", 0)
    assert checked > 0  # some launches met ALREADY_EXISTS after a lost reply (P(none) < 0.1 % over the seeds)


def run_executions_retrying(address: str) -> list[tuple[str, str, int]]:
    for _ in range(50):  # the listing itself may be hit by the injected failures
        try:
            return run_executions(address)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNAVAILABLE:
                raise
    raise AssertionError("ListExecutions kept failing")
