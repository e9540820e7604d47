"""Exit codes once writes were sent, and an apply that stops early when Admin is clearly unreachable.

- For every action type, the embedded admin refuses that type's RPC (a fault-injecting interceptor
  on the real server: the call reaches Admin over gRPC and is answered INTERNAL) and `apply` must exit
  3, never 1 (the contract keeps 1 for "nothing was sent") and never print a traceback.
- With every write answered UNAVAILABLE, `apply_plan` (real writer, real client with a short retry
  budget) stops after `MAX_CONSECUTIVE_UNAVAILABLE` consecutive failed actions, reports the rest as not
  attempted, and a re-run once Admin answers again applies them all.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from click.testing import CliRunner

from reconciler.admin.client import AdminClient
from reconciler.admin.writes import AdminWriter
from reconciler.apply import APPLIED, FAILED, MAX_CONSECUTIVE_UNAVAILABLE, NOT_ATTEMPTED, apply_plan
from reconciler.cli import cli
from reconciler.engine import Selection, make_plan
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import FailureRule, LifecycleSettings
from reconciler.manifests import load_config, load_manifests
from tests.reliability.figures import record

pytestmark = pytest.mark.integration

HEAD = "apiVersion: flyte-reconciler/v1\n"


class Refuse(grpc.ServerInterceptor):
    """Answers the named AdminService methods with ``code`` before they run (a fault injector)."""

    def __init__(self) -> None:
        self.methods: set[str] = set()
        self.code = grpc.StatusCode.INTERNAL
        self.refused = 0
        self._lock = threading.Lock()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        method = details.method.rsplit("/", 1)[-1]
        if method not in self.methods:
            return continuation(details)
        with self._lock:
            self.refused += 1

        def refuse(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(self.code, f"{method} refused (fault injected by the test)")

        return grpc.unary_unary_rpc_method_handler(refuse)


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


def _project(name: str, display: str = "Extra", state: str = "active") -> str:
    return HEAD + f"kind: Project\nmetadata: {{name: {name}}}\nspec: {{displayName: {display}, state: {state}}}\n"


def _lp(name: str, active: str = "true") -> str:
    return (HEAD + f"kind: LaunchPlan\nmetadata: {{project: flytesnacks, domain: development, name: {name}}}\n"
            "spec:\n  workflow: {name: reports.daily_report, version: v1}\n"
            f"  schedule: {{cron: '0 6 * * *', kickoffTimeInput: run_date}}\n  active: {active}\n"
            f"  description: {name} runs\n")


def _backfill(name: str, start: str, end: str) -> str:
    return (HEAD + f"kind: Backfill\nmetadata: {{project: flytesnacks, domain: development, name: {name}}}\n"
            f"spec: {{launchPlan: nightly, from: '{start}', to: '{end}', onFailure: retry, maxRetries: 2, "
            "parallelism: 10, inputs: {limit: 7}}\n")


ATTRIBUTES = HEAD + "kind: Attributes\nmetadata: {project: flytesnacks, domain: development}\n" \
                    "spec: {executionQueue: [gpu]}\n"
WORKFLOW = HEAD + "kind: Workflow\nmetadata: {project: flytesnacks, domain: development, " \
                  "name: reports.daily_report}\nspec: {description: Builds the daily report}\n"
CONFIG = "scope: {projects: [flytesnacks, extra]}\nprune: {attributes: true, backfills: true}\n"


def stage_a(feb_to: str = "2024-02-03T00:00:00Z") -> list[str]:
    return [_project("flytesnacks", "Flyte Snacks"), _project("extra"), _lp("nightly"), _lp("weekly"), ATTRIBUTES,
            WORKFLOW,
            _backfill("jan", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"),
            _backfill("feb", "2024-02-01T00:00:00Z", feb_to)]


def stage_b() -> list[str]:
    """Stage A changed: one project renamed, one archived, a launch plan deactivated, the attributes dropped
    (pruned), feb shrunk back (its new runs terminated, prune.backfills), jan's failed runs recovered."""
    return [_project("flytesnacks", "Flyte Snacks renamed"), _project("extra", display="Extra", state="archived"),
            _lp("nightly"), _lp("weekly", "false"),
            WORKFLOW, _backfill("jan", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"),
            _backfill("feb", "2024-02-01T00:00:00Z", "2024-02-03T00:00:00Z")]


# action type -> (stage whose apply is refused, the RPCs that carry it)
ACTION_TYPES = {
    "create_project": ("a", {"RegisterProject"}),
    "register_launch_plan": ("a", {"CreateLaunchPlan"}),
    "activate_launch_plan": ("a", {"UpdateLaunchPlan"}),
    "update_metadata": ("a", {"UpdateNamedEntity"}),
    "update_attributes": ("a", {"UpdateProjectDomainAttributes"}),
    "launch_execution": ("a", {"CreateExecution"}),
    "update_project": ("b", {"UpdateProject"}),
    "archive_project": ("b", {"UpdateProject"}),
    "deactivate_launch_plan": ("b", {"UpdateLaunchPlan"}),
    "delete_attributes": ("b", {"DeleteProjectDomainAttributes"}),
    "recover_execution": ("b", {"RecoverExecution"}),
    "terminate_execution": ("b", {"TerminateExecution"}),
}


def _write(root: Path, documents: list[str]) -> None:
    root.mkdir(exist_ok=True)
    (root / "flyte-reconciler.yaml").write_text(CONFIG)
    (root / "m.yaml").write_text("---\n".join(documents))


def _apply(root: Path, admin: LocalAdmin, *extra: str) -> Any:
    return CliRunner().invoke(cli, ["apply", str(root), "--endpoint", admin.address, "--insecure", "--no-color",
                                    "--auto-approve", *extra])


def _plan_types(root: Path, admin: LocalAdmin) -> set[str]:
    result = CliRunner().invoke(cli, ["plan", str(root), "--endpoint", admin.address, "--insecure", "--format",
                                      "json"])
    assert result.exit_code == 0, result.output[-2000:]
    document = json.loads(result.stdout)
    return {change["action_type"] for change in document["resource_changes"]}


@pytest.fixture
def refuse() -> Refuse:
    return Refuse()


@pytest.fixture
def admin(tmp_path: Path, refuse: Refuse) -> Iterator[tuple[LocalAdmin, Clock]]:
    clock = Clock()
    timing = LifecycleSettings(queued_after_s=1, running_after_s=2, duration_s=10,
                               failure=FailureRule(pattern="bf-jan"))
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, lifecycle=timing, clock=clock,
                          extra_interceptors=(refuse,)) as running:
        yield running, clock


def _reach_stage_b(root: Path, admin: LocalAdmin, clock: Clock) -> None:
    """Stage A applied; jan's runs failed; feb extended and its new runs launched (still queued)."""
    _write(root, stage_a())
    assert _apply(root, admin).exit_code == 0
    clock.advance(60)  # every run of stage A finished: jan's failed (the failure rule), feb's succeeded
    _write(root, stage_a(feb_to="2024-02-06T00:00:00Z"))
    # jan stays out of this apply, or it would recover its failed runs now instead of in stage B
    assert _apply(root, admin, "--exclude", "backfill/*/jan").exit_code == 0
    _write(root, stage_b())


@pytest.mark.parametrize("action_type", sorted(ACTION_TYPES))
def test_an_error_after_a_write_is_exit_3_for_every_action_type(action_type: str, tmp_path: Path,
                                                                admin: tuple[LocalAdmin, Clock],
                                                                refuse: Refuse) -> None:
    running, clock = admin
    stage, methods = ACTION_TYPES[action_type]
    root = tmp_path / "repo"
    if stage == "a":
        _write(root, stage_a())
    else:
        _reach_stage_b(root, running, clock)
    assert action_type in _plan_types(root, running), f"the {stage} plan has no {action_type} action"
    refuse.methods = set(methods)
    result = _apply(root, running)
    record("hostile_exit_codes", action_types=1, refused_calls=refuse.refused, exit_3=int(result.exit_code == 3))
    assert refuse.refused >= 1  # the refused write really was sent
    assert result.exit_code == 3, result.output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    failed = [line for line in result.output.splitlines() if line.strip().startswith("failed") and action_type in line]
    assert failed, result.output[-3000:]
    refuse.methods = set()
    again = _apply(root, running)  # nothing was lost: a re-run converges
    assert again.exit_code == 0, again.output[-3000:]


def test_apply_stops_early_when_admin_answers_unavailable_to_consecutive_actions(
        tmp_path: Path, admin: tuple[LocalAdmin, Clock], refuse: Refuse) -> None:
    running, _clock = admin
    root = tmp_path / "repo"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    (root / "m.yaml").write_text("---\n".join(
        HEAD + f"kind: Project\nmetadata: {{name: p{i:03d}}}\nspec: {{displayName: P {i}}}\n" for i in range(120)))
    loaded = load_manifests([str(root)], config=load_config(None, [str(root)]))
    with AdminClient(endpoint=running.address, insecure=True, max_attempts=2, backoff_base_s=0.001,
                     backoff_max_s=0.002) as client:
        plan = make_plan(loaded, client, Selection(), endpoint=running.address)
        assert len(plan.actions) == 120
        refuse.code = grpc.StatusCode.UNAVAILABLE
        refuse.methods = {"RegisterProject"}
        report = apply_plan(plan, AdminWriter(client), parallelism=4)
        refused = refuse.refused
        not_attempted = report.count(NOT_ATTEMPTED)
        record("hostile_unavailable", actions=len(plan.actions), failed=report.count(FAILED),
               not_attempted=not_attempted, refused_calls=refused)
        assert report.unreachable_after >= MAX_CONSECUTIVE_UNAVAILABLE
        # Stopped after the limit, give or take the actions already in flight on the other workers.
        assert report.count(FAILED) <= MAX_CONSECUTIVE_UNAVAILABLE + 4
        assert not_attempted == 120 - report.count(FAILED) - report.count(APPLIED) >= 100
        assert refused <= 2 * (MAX_CONSECUTIVE_UNAVAILABLE + 4)  # two attempts each, nothing more was sent
        assert all(r.error and "re-run" in r.error for r in report.results if r.status == NOT_ATTEMPTED
                   and "unreachable" in r.error)
        refuse.methods = set()
        again = apply_plan(make_plan(loaded, client, Selection(), endpoint=running.address), AdminWriter(client))
        assert again.complete and len(again.results) == 120  # nothing was lost


def test_the_cli_reports_the_early_stop_and_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.apply import ActionResult, ApplyReport
    from reconciler.cli.apply import _report
    from reconciler.plan import actions as A

    action = A.CreateProject(address="project/p", reason="declared, absent", after={"id": "p"})
    report = ApplyReport([ActionResult(action, FAILED, "UNAVAILABLE")] * 5 +
                         [ActionResult(action, NOT_ATTEMPTED, "Flyte Admin is unreachable; re-run apply")] * 7,
                         unreachable_after=5)
    assert _report(report) == 3
    assert "7 actions were not attempted" in capsys.readouterr().out


def test_a_single_refused_write_is_exit_3_not_1(tmp_path: Path, admin: tuple[LocalAdmin, Clock],
                                                refuse: Refuse) -> None:
    """Nothing applied, yet a write was sent (a lost reply would have applied it): partial, exit 3."""
    running, _clock = admin
    root = tmp_path / "repo"
    _write(root, [_project("extra")])
    refuse.methods = {"RegisterProject"}
    result = _apply(root, running)
    assert refuse.refused == 1
    assert result.exit_code == 3, result.output[-2000:]
    assert "0 of 1 actions applied; re-run apply" in result.output
