"""``flyte-reconciler apply``: plan (or load a saved plan), confirm, apply, report.

Exit codes: 0 applied (or nothing to do), 1 error before any write, 3 partially applied, and with
``--wait`` 4 when every write succeeded but a backfill ended failed or stopped, or a run ended failed or
aborted.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from reconciler.apply import APPLIED, DEFAULT_PARALLELISM, NOT_ATTEMPTED, ApplyReport, apply_plan
from reconciler.cli.connection import connection_options, target_from
from reconciler.cli.options import load_from_options, manifest_options
from reconciler.cli.output import console_url_of, emit_plan, selection_from, selection_options, use_color
from reconciler.cli.saved_plan import load_saved, saved_plan_target
from reconciler.connect import open_admin
from reconciler.engine import check_fresh, make_plan
from reconciler.errors import (
    EXIT_BACKFILL_FAILED,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    ApprovalError,
    PartialApplyError,
    ReconcilerError,
)
from reconciler.plan.model import Plan


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ApprovalError("apply needs approval but standard input is not a terminal",
                            hint="review the plan and re-run with --auto-approve (or apply a saved plan)")
    if not click.confirm("\nApply these changes?", default=False):
        # As Terraform: declining is not success, so a script or CI step that asked does not go on as if applied.
        click.echo("Apply cancelled; nothing was changed.", err=True)
        sys.exit(EXIT_ERROR)


def _report(report: ApplyReport, quiet: bool = False) -> int:
    if quiet and report.complete:
        return EXIT_OK
    click.echo("")
    width = max((len(r.action.address) for r in report.results), default=0)
    for result in report.results:
        line = f"  {result.status:<13} {result.action.symbol:<3} {result.action.address:<{width}}  {result.action.type}"
        click.echo(line)
        if result.error:
            click.echo(f"      {result.error}")
    applied, total = report.count(APPLIED), len(report.results)
    click.echo(f"\nApply complete: {applied} of {total} actions applied." if report.complete else
               f"\nApply incomplete: {applied} of {total} actions applied; re-run apply to converge.")
    if report.unreachable_after:
        click.echo(f"Stopped early: Flyte Admin answered UNAVAILABLE to {report.unreachable_after} consecutive "
                   f"actions; {report.count(NOT_ATTEMPTED)} actions were not attempted (they are not lost: re-run "
                   "apply once Admin is reachable).")
    if report.complete:
        return EXIT_OK
    # Once a write was sent the outcome is partial (exit 3), even if every write failed: a failed write may
    # still have been applied (a lost reply), and the contract keeps exit 1 for "nothing was sent".
    return EXIT_PARTIAL if report.any_attempted else EXIT_ERROR


@click.command("apply")
@manifest_options
@connection_options
@selection_options
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Apply exactly this saved plan, to the target it was made for (refused if it was edited, if the "
                   "objects it touches changed since, or if PATHS no longer render to its manifests).")
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--parallelism", type=click.IntRange(min=1, max=64), default=DEFAULT_PARALLELISM, show_default=True,
              help="Writes in flight at once.")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: NO_COLOR env var).")
@click.option("--wait", is_flag=True,
              help="Keep reconciling (polling with backoff) until every backfill and run is done.")
@click.option("--poll-interval", type=click.FloatRange(min=0.05), default=5.0, show_default=True,
              help="First wait between reconciliations with --wait (seconds; grows up to 60).")
def apply_command(plan_file: Path | None, auto_approve: bool, parallelism: int, no_color: bool, wait: bool,
                  poll_interval: float, **kwargs: Any) -> None:
    """Make live Flyte Admin state match the manifests (or apply a saved plan)."""
    selection = selection_from(kwargs)
    if plan_file is not None:
        plan = load_saved(plan_file)
        target, config = saved_plan_target(plan, kwargs)
        with open_admin(target, config) as (client, _label):
            check_fresh(plan, client)
            if plan.target is not None:
                click.echo(f"Saved plan {plan_file}: made for {plan.target.describe()}; the objects it touches are "
                           "unchanged since.", err=True)
            emit_plan(plan, fmt="text", no_color=no_color)
            if not plan.has_changes:
                sys.exit(EXIT_OK)
            _confirm(auto_approve)
            sys.exit(_run(plan, client, parallelism, no_color))
    loaded, environment = load_from_options(kwargs)
    target = target_from(kwargs, environment)
    with open_admin(target, loaded.config) as (client, endpoint_label):
        plan = make_plan(loaded, client, selection, environment=environment, endpoint=endpoint_label)
        emit_plan(plan, fmt="text", no_color=no_color, console_url=console_url_of(loaded.config, environment, target))
        if plan.has_changes:
            _confirm(auto_approve)
        code = _run(plan, client, parallelism, no_color) if plan.has_changes else EXIT_OK
        wrote = plan.has_changes and code != EXIT_ERROR
        launched = code == EXIT_OK and _launches(plan)
        delay = poll_interval
        try:
            # --wait: the approval covers the campaign; keep launching what is due until backfills finish.
            # A write Admin refused (e.g. a run with too many labels) ends the wait: it is reported, not retried.
            while wait and code == EXIT_OK:
                # CreateExecution answers OK even when Admin stores the run FAILED at once (no reachable
                # cluster): right after launching, look again before reporting anything as running.
                if not launched:
                    if not _unfinished(plan):
                        break
                    _progress(plan)
                    time.sleep(delay)
                plan = make_plan(loaded, client, selection, environment=environment, endpoint=endpoint_label)
                result = _run(plan, client, parallelism, no_color, quiet=True) if plan.has_changes else EXIT_OK
                wrote = wrote or (plan.has_changes and result != EXIT_ERROR)
                code = max(code, result)
                # Look again at once only after a sleep: a launch that keeps being planned (its name taken by
                # an execution that is not this backfill's) must not turn this loop into a busy one.
                launched = not launched and _launches(plan)
                # Back off while nothing moves; poll at the base interval again once runs were launched.
                delay = poll_interval if plan.has_changes else min(delay * 1.5, MAX_POLL_S)
        except ReconcilerError as exc:
            if not wrote:
                raise
            raise PartialApplyError(f"{exc.message} (after writes were sent)",
                                    hint="re-run apply to converge") from exc
        if wait:
            _progress(plan)
            _troubles(plan)
            if code == EXIT_OK and plan.unsuccessful_backfills:
                code = EXIT_BACKFILL_FAILED
            if code == EXIT_OK and any(r["status"] in ("failed", "aborted") for r in plan.runs.values()):
                code = EXIT_RUN_FAILED
        sys.exit(code)


MAX_POLL_S = 60.0
EXIT_RUN_FAILED = 4  # `apply --wait`: every write succeeded but a run ended failed, timed out or aborted


def _launches(plan: Plan) -> bool:
    return any(a.type in ("launch_execution", "recover_execution") for a in plan.actions)


def _unfinished(plan: Plan) -> bool:
    return (any(p["status"] in ("pending", "running") for p in plan.backfills.values())
            or any(r["status"] in ("pending", "running") for r in plan.runs.values()))


def _progress(plan: Plan) -> None:
    for address, p in sorted(plan.backfills.items()):
        done = p["succeeded"] + p["failed"] + p.get("aborted", 0)
        width = 30
        filled = int(width * done / p["total"]) if p["total"] else width
        bar = "#" * filled + "." * (width - filled)
        # Runs just sent are "launched", not "running": Admin may already have stored them FAILED.
        launched = p["launching"] + p.get("recovering", 0)
        waiting = max(0, p.get("retrying", 0) - p.get("recovering", 0))
        text = (f"{address} [{bar}] {p['succeeded']} succeeded, {p['running']} running, {p['failed']} failed, "
                f"{max(0, p['pending'] - p['launching'])} pending")
        if launched:
            text += f", {launched} just launched"
        if waiting:
            text += f", {waiting} waiting for a retry"
        click.echo(f"{text} ({p['status']})", err=True)

    for address, r in sorted(plan.runs.items()):
        click.echo(f"{address} generation {r['generation']} {r['execution']}: "
                   f"{'launching' if r['launching'] else r['phase']} ({r['status']})", err=True)


def _troubles(plan: Plan) -> None:
    from reconciler.plan.render.common import backfill_troubles

    for trouble in backfill_troubles(plan):
        click.echo(f"Backfill {trouble.address} {trouble.headline}", err=True)
        for run in trouble.runs:
            click.echo(f"  {run}", err=True)
        if trouble.more:
            click.echo(f"  … and {trouble.more} more failed run(s)", err=True)


def _run(plan: Plan, client: Any, parallelism: int, no_color: bool, quiet: bool = False) -> int:
    from reconciler.admin.writes import AdminWriter
    from reconciler.console import TerminalConsole

    console = TerminalConsole(color=use_color(no_color))
    progress = console.progress(len(plan.actions), "applying")
    report = apply_plan(plan, AdminWriter(client), parallelism=parallelism, progress=progress)
    return _report(report, quiet=quiet)


def register(cli: click.Group) -> None:
    cli.add_command(apply_command)
