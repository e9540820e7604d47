"""Crash safety and concurrency.

Crash: `apply` runs as a real process and is killed with SIGKILL once the admin has seen a seeded,
random number of writes; after all the kills, one more apply converges (exit 0, then a plan with no
changes), with no duplicate backfill run and no launch plan with two active versions. Two campaigns:
a large first apply of an organisation, and a backfill launching all its runs at once.

Concurrency: two applies of the same manifests at the same time converge without duplicates; a plan
saved before another apply changed the same objects is refused as stale.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from benchmarks.org import register_org, write_org
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import LifecycleSettings
from tests.reliability.figures import record, scale
from tests.reliability.org_checks import backfill_runs, cli, double_active, duplicate_runs, start_cli

pytestmark = pytest.mark.integration

KILLS = scale(10, 20)  # per campaign
PROJECTS = 4
SLOW_RUNS = LifecycleSettings(duration_s=3600)


def _kill_at(admin: LocalAdmin, args: list[str], threshold: int, log: Path) -> bool:
    """Start `apply`, SIGKILL it once the admin has counted ``threshold`` writes; False if it ended first."""
    process = start_cli(*args, log=log)
    try:
        while process.poll() is None:
            if admin.write_calls() >= threshold:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                return True
            time.sleep(0.002)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def _converge(admin: LocalAdmin, args: list[str], root: Path) -> None:
    final = cli(*args)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
    plan = cli("plan", str(root), "--endpoint", admin.address, "--insecure", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout[-3000:]


@pytest.mark.parametrize("campaign", ["first_apply", "backfill"])
def test_kill_9_at_random_write_counts_then_rerun_converges(campaign: str, tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    with LocalAdmin.start(db_path=db, port=0) as setup:
        register_org(setup.address, PROJECTS, historic_versions=1)
    rng = random.Random(f"crash-{campaign}")
    root = write_org(tmp_path / "org", PROJECTS, backfills=2 if campaign == "first_apply" else 0)
    with LocalAdmin.start(db_path=db, port=0, lifecycle=SLOW_RUNS) as admin:
        args = ["apply", str(root), "--endpoint", admin.address, "--insecure", "--auto-approve", "--max-deletions",
                "1000", "--parallelism", "4"]
        if campaign == "backfill":
            _converge(admin, args, root)  # the organisation first; then a backfill of 60 runs launched at once
            (root / "campaign.yaml").write_text(
                "apiVersion: flyte-reconciler/v1\nkind: Backfill\n"
                "metadata: {project: bench-000, domain: development, name: crash}\n"
                "spec: {launchPlan: daily_report, from: '2024-01-01T00:00:00Z', to: '2024-03-01T00:00:00Z', "
                "parallelism: 60}\n")
        kills = 0
        for _ in range(KILLS):
            writes = admin.write_calls()
            remaining = {"first_apply": 4 * 3 * 30, "backfill": 60}[campaign]
            if _kill_at(admin, args, writes + rng.randint(1, max(2, remaining // KILLS)), tmp_path / "kills.log"):
                kills += 1
        _converge(admin, args, root)
        runs = backfill_runs(admin.address, PROJECTS)
        duplicates, doubles = duplicate_runs(runs), double_active(admin.address, PROJECTS)
        if campaign == "backfill":
            launched = [r for r in runs if "-crash-" in r[1]]
            assert len(launched) == 60 and len({r[2] for r in launched}) == 60  # Jan + Feb 2024 (leap), once each
    record("crash", kills=kills, runs=1, duplicates=duplicates, double_active=doubles)
    assert kills >= KILLS // 2  # most kill points land before the apply finishes
    assert duplicates == 0 and doubles == 0


def test_two_concurrent_applies_converge_without_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    with LocalAdmin.start(db_path=db, port=0) as setup:
        register_org(setup.address, PROJECTS, historic_versions=1)
    root = write_org(tmp_path / "org", PROJECTS, backfills=3)
    with LocalAdmin.start(db_path=db, port=0, lifecycle=SLOW_RUNS) as admin:
        args = ["apply", str(root), "--endpoint", admin.address, "--insecure", "--auto-approve", "--max-deletions",
                "1000"]
        first, second = start_cli(*args, log=tmp_path / "first.log"), start_cli(*args, log=tmp_path / "second.log")
        codes = [first.wait(timeout=300), second.wait(timeout=300)]
        logs = [(tmp_path / n).read_text()[-2000:] for n in ("first.log", "second.log")]
        assert all(code in (0, 3) for code in codes), (codes, logs)
        _converge(admin, args, root)
        duplicates = duplicate_runs(backfill_runs(admin.address, PROJECTS))
        doubles = double_active(admin.address, PROJECTS)
    record("concurrency", runs=1, applies=3, duplicates=duplicates, double_active=doubles)
    assert duplicates == 0 and doubles == 0


def test_a_saved_plan_is_refused_once_another_apply_changed_its_objects(tmp_path: Path) -> None:
    db = tmp_path / "stale.db"
    with LocalAdmin.start(db_path=db, port=0) as setup:
        register_org(setup.address, 1, historic_versions=0)
    root = write_org(tmp_path / "org", 1)
    with LocalAdmin.start(db_path=db, port=0) as admin:
        connect = ["--endpoint", admin.address, "--insecure"]
        saved = tmp_path / "plan.json"
        assert cli("plan", str(root), *connect, "--out", str(saved)).returncode == 0
        assert cli("apply", str(root), *connect, "--auto-approve", "--max-deletions", "1000").returncode == 0
        writes = admin.write_calls()
        stale = cli("apply", "--plan", str(saved), *connect, "--auto-approve")
        record("concurrency", stale_plans_refused=int(stale.returncode == 1 and admin.write_calls() == writes))
        assert stale.returncode == 1, stale.stdout[-2000:]
        assert "stale" in (stale.stdout + stale.stderr).lower() or "changed" in (stale.stdout + stale.stderr).lower()
        assert admin.write_calls() == writes  # nothing of the stale plan was applied
