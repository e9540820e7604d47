"""What the reliability families check after every scenario: convergence, no duplicate runs, no launch
plan with two active versions. Reads go straight to the embedded admin's AdminService."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import grpc
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from benchmarks.org import DOMAINS, project_ids
from reconciler.backfill.names import LABEL_KICKOFF


def _stub(address: str) -> tuple[grpc.Channel, AdminServiceStub]:
    channel = grpc.insecure_channel(address)
    return channel, AdminServiceStub(channel)


def double_active(address: str, projects: int) -> int:
    """Launch plan names with more than one active version, over the whole organisation."""
    channel, stub = _stub(address)
    with channel:
        found = 0
        for pid in project_ids(projects):
            for domain in DOMAINS:
                listed = stub.ListActiveLaunchPlans(launch_plan_pb2.ActiveLaunchPlanListRequest(
                    project=pid, domain=domain, limit=1000))
                found += sum(1 for n in Counter(lp.id.name for lp in listed.launch_plans).values() if n > 1)
        return found


def backfill_runs(address: str, projects: int) -> list[tuple[str, str, str]]:
    """(project/domain, execution name, kickoff label) of every backfill run in the organisation."""
    channel, stub = _stub(address)
    runs = []
    with channel:
        for pid in project_ids(projects):
            for domain in DOMAINS:
                token = ""
                while True:
                    page = stub.ListExecutions(common_pb2.ResourceListRequest(
                        id=common_pb2.NamedEntityIdentifier(project=pid, domain=domain), limit=1000, token=token,
                        sort_by=common_pb2.Sort(key="execution_name", direction=common_pb2.Sort.ASCENDING)))
                    runs += [(f"{pid}/{domain}", e.id.name, e.spec.labels.values.get(LABEL_KICKOFF, ""))
                             for e in page.executions if isinstance(e, execution_pb2.Execution)]
                    token = page.token
                    if not token or not page.executions:
                        break
    return runs


def duplicate_runs(runs: list[tuple[str, str, str]]) -> int:
    """Runs beyond the first for the same backfill kickoff (retries carry -rN and are not duplicates)."""
    per_kickoff = Counter((where, _campaign(name), kickoff) for where, name, kickoff in runs if not _is_retry(name))
    return sum(n - 1 for n in per_kickoff.values() if n > 1)


def _is_retry(name: str) -> bool:
    tail = name.rsplit("-", 1)[-1]
    return tail.startswith("r") and tail[1:].isdigit()


def _campaign(name: str) -> str:
    # bf-<backfill>-<YYYYMMDD>t<HHMM>-<hash>: the backfill part, without the kickoff and hash
    return name.rsplit("-", 2)[0]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command in a fresh process (what CI does)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "reconciler", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def start_cli(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """Start the command in the background, its output going to ``log`` (a pipe nobody drains would
    block a large plan's output, and with it the process)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "reconciler", *args], stdout=out, stderr=subprocess.STDOUT,
                                env=env)
