"""Execute a Plan: dependency order, bounded concurrency, one handler per action type.

Phases (``actions.PHASES``) run one after another; inside a phase, the actions of one address run
in plan order and different addresses run concurrently: ``parallelism`` workers each take the next
address of the phase until none is left, and the report lists results in apply order. Every handler is
idempotent (Admin's ALREADY_EXISTS on a create is success; activation and deletion are safe to
repeat), so re-running after a crash converges. Transient gRPC failures are retried inside the
admin client; here a failed action marks the later actions on the same address, and everything in
a project whose project action failed, as not attempted. When Admin answers UNAVAILABLE (after the
client's retries) to ``max_unavailable`` consecutive actions, it is clearly unreachable: the apply
stops early and every remaining action is reported as not attempted (a re-run applies them), instead
of grinding through thousands of actions at ten retries each. An unexpected exception in a handler
fails that action like an Admin error: once writes were sent, the outcome must be a partial report
(exit 3), never a traceback.

This module never prints: progress goes through the console seam handed in.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler.collector import long_lived_heap
from reconciler.errors import AdminError, ReconcilerError
from reconciler.model.address import Address, AddressError
from reconciler.plan import actions as A
from reconciler.plan.actions import PHASES
from reconciler.plan.model import Plan

logger = logging.getLogger(__name__)

DEFAULT_PARALLELISM = 8
MAX_CONSECUTIVE_UNAVAILABLE = 5  # distinct actions in a row, each after the client's own retries

APPLIED = "applied"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"


class Writer(Protocol):
    """The writes the applier needs (implemented by ``reconciler.admin.writes.AdminWriter``)."""

    def register_project(self, body: dict[str, Any]) -> None: ...
    def update_project(self, body: dict[str, Any]) -> None: ...
    def create_launch_plan(self, project: str, domain: str, name: str, version: str,
                           spec_data: str | dict[str, Any]) -> None: ...
    def set_launch_plan_state(self, project: str, domain: str, name: str, version: str, active: bool) -> None: ...
    def update_named_entity(self, resource_type: str, project: str, domain: str, name: str,
                            description: str, state: str) -> None: ...
    def update_attributes(self, project: str, domain: str | None, workflow: str | None, attr_type: str,
                          value: Any) -> None: ...
    def delete_attributes(self, project: str, domain: str | None, workflow: str | None, attr_type: str) -> None: ...
    def create_execution(self, project: str, domain: str, name: str, launch_plan: str, version: str,
                         kickoff: str, inputs: dict[str, Any], labels: dict[str, str],
                         annotations: dict[str, str] | None = None) -> None: ...
    def recover_execution(self, project: str, domain: str, original: str, name: str) -> None: ...
    def terminate_execution(self, project: str, domain: str, name: str, cause: str) -> None: ...
    def upload_package_archive(self, project: str, domain: str, filename: str, md5: str, path: str) -> None: ...
    def register_package_entity(self, kind: str, request: str) -> None: ...
    def launch_run(self, project: str, domain: str, name: str, spec: str, inputs: str, run_label: str) -> None: ...


class Progress(Protocol):
    def advance(self, ok: bool, label: str) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class ActionResult:
    action: A.Action
    status: str
    error: str | None = None


@dataclass
class ApplyReport:
    results: list[ActionResult] = field(default_factory=list)
    unreachable_after: int = 0  # >0: stopped early after this many consecutive UNAVAILABLE actions

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def complete(self) -> bool:
        return all(r.status == APPLIED for r in self.results)

    @property
    def any_applied(self) -> bool:
        return any(r.status == APPLIED for r in self.results)

    @property
    def any_attempted(self) -> bool:
        """A write was sent (a failed one may still have been applied, e.g. when its reply was lost)."""
        return any(r.status in (APPLIED, FAILED) for r in self.results)


class _Breaker:
    """Counts consecutive UNAVAILABLE outcomes of distinct actions, across the worker threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.consecutive = 0
        self.tripped = False
        self._lock = threading.Lock()

    def record(self, error: BaseException | None) -> None:
        with self._lock:
            if isinstance(error, AdminError) and error.code == "UNAVAILABLE":
                self.consecutive += 1
                self.tripped = self.tripped or (self.limit > 0 and self.consecutive >= self.limit)
            else:
                self.consecutive = 0


def _project_of(address: str) -> str | None:
    # Total: a malformed address (a hand-edited saved plan) must fail its action, not the whole apply.
    try:
        return Address.parse(address).project
    except AddressError:
        return None


def _handle(writer: Writer, action: A.Action) -> None:
    match action:
        case A.CreateProject():
            writer.register_project(dict(action.after))
        case A.UpdateProject() | A.ArchiveProject():
            writer.update_project(dict(action.after))
        case A.UpdateMetadata():
            writer.update_named_entity(action.resource_type, action.project, action.domain, action.name,
                                       action.description, action.state)
        case A.RegisterLaunchPlan():
            writer.create_launch_plan(action.project, action.domain, action.name, action.version, action.spec)
        case A.ActivateLaunchPlan():
            writer.set_launch_plan_state(action.project, action.domain, action.name, action.version, True)
        case A.DeactivateLaunchPlan():
            writer.set_launch_plan_state(action.project, action.domain, action.name, action.version, False)
        case A.UpdateAttributes():
            writer.update_attributes(action.project, action.domain, action.workflow, action.attr_type, action.value)
        case A.DeleteAttributes():
            writer.delete_attributes(action.project, action.domain, action.workflow, action.attr_type)
        case A.LaunchExecution():
            writer.create_execution(action.project, action.domain, action.name, action.launch_plan,
                                    action.launch_plan_version, action.kickoff, action.inputs, action.labels,
                                    annotations=action.annotations)
        case A.TerminateExecution():
            writer.terminate_execution(action.project, action.domain, action.name, action.cause)
        case A.RecoverExecution():
            writer.recover_execution(action.project, action.domain, action.original, action.name)
        case A.UploadPackageArchive():
            writer.upload_package_archive(action.project, action.domain, action.filename, action.md5, action.path)
        case A.RegisterPackageEntity():
            writer.register_package_entity(action.entity_kind, action.request)
        case A.LaunchRun():
            writer.launch_run(action.project, action.domain, action.name, action.spec, action.inputs,
                              action.run_label)
        case A.TerminateRun():
            writer.terminate_execution(action.project, action.domain, action.name, action.cause)
        case _:
            raise TypeError(f"no apply handler for action type {type(action).__name__}")


# The handler ``apply_plan`` uses unless told otherwise; callers that wrap it (the controller stops between
# writes on SIGTERM) delegate to this.
DEFAULT_HANDLER = _handle


class _Work:
    """One phase's address groups, handed out one at a time to a fixed set of workers: no future and no
    hand-off per address (at 27,000 writes those cost about as much CPU as the client's own work per write).
    Each group's results land at the group's index, so the report keeps the sorted order."""

    def __init__(self, groups: list[list[A.Action]]) -> None:
        self.results: list[list[ActionResult]] = [[] for _ in groups]
        self._next = enumerate(groups)
        self._lock = threading.Lock()

    def __iter__(self) -> _Work:
        return self

    def __next__(self) -> tuple[int, list[A.Action]]:
        with self._lock:
            return next(self._next)


def _phase_groups(plan: Plan) -> list[list[list[A.Action]]]:
    """Per phase, each address's actions in plan order, addresses sorted (one pass over the plan)."""
    phase_of_type = {t: index for index, (_name, types) in enumerate(PHASES) for t in types}
    per_phase: list[dict[str, list[A.Action]]] = [defaultdict(list) for _ in PHASES]
    for action in plan.actions:
        index = phase_of_type.get(action.type)
        if index is not None:
            per_phase[index][action.address].append(action)
    return [[groups[a] for a in sorted(groups)] for groups in per_phase]


def apply_plan(
    plan: Plan,
    writer: Writer,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    progress: Progress | None = None,
    handle: Callable[[Writer, A.Action], None] = DEFAULT_HANDLER,
    max_unavailable: int = MAX_CONSECUTIVE_UNAVAILABLE,
) -> ApplyReport:
    report = ApplyReport()
    failed_addresses: set[str] = set()
    failed_projects: set[str | None] = set()
    breaker = _Breaker(max_unavailable)

    def run_action(action: A.Action) -> ActionResult:
        if breaker.tripped:
            return ActionResult(action, NOT_ATTEMPTED, "Flyte Admin is unreachable; re-run apply")
        # Parsing the address only once a project failed: most applies have no failure to look up.
        if action.address in failed_addresses or (failed_projects
                                                  and _project_of(action.address) in failed_projects):
            return ActionResult(action, NOT_ATTEMPTED, "an earlier action it depends on failed")
        try:
            handle(writer, action)
        except ReconcilerError as exc:
            result = ActionResult(action, FAILED, str(exc))
            error: Exception | None = exc
        except Exception as exc:  # never a traceback once writes were sent (see the module docstring)
            logger.debug("unexpected error applying %s", action.address, exc_info=True)
            result = ActionResult(action, FAILED, f"unexpected error: {type(exc).__name__}: {exc}")
            error = exc
        else:
            result = ActionResult(action, APPLIED)
            error = None
        breaker.record(error)
        if error is not None:
            failed_addresses.add(action.address)
            project = _project_of(action.address)
            if action.address.startswith("project/") and project is not None:
                failed_projects.add(project)
        return result

    def run_phase(work: _Work) -> None:
        for index, group in work:
            done = work.results[index]
            for action in group:
                result = run_action(action)
                done.append(result)
                if progress is not None and result.status != NOT_ATTEMPTED:  # progress counts the writes sent
                    progress.advance(result.status == APPLIED, f"{action.symbol} {action.address}")

    workers = max(1, parallelism)
    # The plan and the loaded manifests stay alive throughout, while every write allocates short-lived objects:
    # keep the collector's scans off the long-lived heap, as planning does.
    with long_lived_heap(), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        for groups in _phase_groups(plan):
            work = _Work(groups)
            for future in [pool.submit(run_phase, work) for _ in range(min(workers, len(groups)))]:
                future.result()
            for done in work.results:
                report.results.extend(done)
    if progress is not None:
        progress.close()
    if breaker.tripped:
        report.unreachable_after = breaker.consecutive
    return report
