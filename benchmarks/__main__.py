"""``python -m benchmarks [--sizes S,M,L]``: the reconciler against the embedded admin on loopback.

Per size (S = 10, M = 60, L = 300 projects × 3 domains; 10 launch plans per project-domain with 3
historic versions each, every attribute type, workflow metadata, and 1 / 4 / 20 backfills of 90 days),
with 0 ms and 10 ms injected per-RPC latency (emulating a remote Admin): wall time of the first full
apply (``--parallelism 32``, at 10 ms), of a no-op plan (observe + diff, manifests already loaded; the
median of three) and of a plan after changing 1 % of the launch plans; the whole ``flyte-reconciler
plan`` command as a user runs it (process start-up, rendering, validation included); RPCs per method
of the no-op plan (the admin's counters); and, in the same run, the same no-op observation by a naive
client — one Get per resource, sequential, as a FlyteRemote/flytectl script would — with the ratio.
The admin runs in its own process (simulated runs stay RUNNING, so backfills hold steady), so the
peak RSS is the tool's.

Users wait for whole commands, so those are what the headline compares: the ``plan`` command (a fresh
process: start-up, rendering, validation, observe, diff, output) on the plain organisation and on the
same organisation written with two ``{{ }}`` expressions per document, each against the naive client.
The command is timed cold (``--no-cache``: a CI job's fresh checkout) and warm (the parse cache a
previous run over the same files left, as in a developer's loop); the last table checks issue 21's
targets against this run.
The first apply is the ``apply`` command too (its peak RSS is reported). The mixed shape (per
project-domain one launch plan ``active: false``, one pinned, one on ``latest``) is applied on top and
its no-op RPCs counted. Commands also report their CPU time (user + system, from ``RUSAGE_CHILDREN``),
which a busy machine inflates far less than wall time; ``--help`` start-up is timed the same way.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from flyteidl.admin import common_pb2, launch_plan_pb2, matchable_resource_pb2, project_pb2
from flyteidl.admin import project_domain_attributes_pb2 as pda
from flyteidl.admin import workflow_attributes_pb2 as wa
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from benchmarks.admin import Admin
from benchmarks.compiler import compiler_timing
from benchmarks.controller import controller_cycle
from benchmarks.grpc_floor import grpc_floor
from benchmarks.org import DOMAINS, LAUNCH_PLANS, TEMPLATE_VARIABLES, project_ids, register_org, write_org
from benchmarks.writes import write_cpu
from reconciler.admin.client import AdminClient
from reconciler.engine import Selection, make_plan
from reconciler.manifests import load_config, load_manifests

SIZES = {"S": 10, "M": 60, "L": 300}
BACKFILLS = {"S": 1, "M": 4, "L": 20}
APPLY_PARALLELISM = 32


def _plan(root: Path, address: str, variables: dict[str, str] | None = None) -> tuple[float, object]:
    config = load_config(None, [str(root)])
    loaded = load_manifests([str(root)], config=config, variables=variables)
    with AdminClient(endpoint=address, insecure=True) as client:
        started = time.perf_counter()
        plan = make_plan(loaded, client, Selection(max_deletions=10**6))
        return time.perf_counter() - started, (plan, dict(client.calls))


_RSS_PROBE = ("import resource, runpy, sys\nsys.argv = ['flyte-reconciler', *sys.argv[1:]]\ntry:\n"
              "    runpy.run_module('reconciler', run_name='__main__')\nfinally:\n"
              "    print(f'peak-rss-kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n")


WORKDIR: Path = Path.cwd()  # where commands run (their parse cache is .flyte-reconciler/cache/ there)


def _command(args: list[str], expect: int = 0) -> tuple[float, float, float]:
    """A whole CLI command in a fresh process: (wall s, CPU s of the process, peak RSS MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _RSS_PROBE, *args], capture_output=True, text=True, cwd=WORKDIR)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == expect, done.stdout[-2000:] + done.stderr[-2000:]
    rss = int(done.stderr.rsplit("peak-rss-kb=", 1)[1].split()[0]) / 1024
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, rss


def _variables_args(variables: dict[str, str] | None) -> list[str]:
    return [arg for key, value in (variables or {}).items() for arg in ("--var", f"{key}={value}")]


def _apply(root: Path, address: str, variables: dict[str, str] | None = None) -> tuple[float, float, float]:
    """The whole first ``apply`` command: wall, CPU, peak RSS."""
    return _command(["apply", str(root), "--endpoint", address, "--insecure", "--auto-approve", "--no-color",
                     "--parallelism", str(APPLY_PARALLELISM), "--max-deletions", "1000000",
                     *_variables_args(variables)])


def _naive(address: str, projects: int) -> tuple[float, int]:
    """One Get per managed resource, sequentially (what a script over FlyteRemote/flytectl does)."""
    calls = 0
    with grpc.insecure_channel(address) as channel:
        stub = AdminServiceStub(channel)
        started = time.perf_counter()
        for pid in project_ids(projects):
            stub.GetProject(project_pb2.ProjectGetRequest(id=pid))
            calls += 1
            for domain in DOMAINS:
                for name, *_ in LAUNCH_PLANS:
                    stub.GetActiveLaunchPlan(launch_plan_pb2.ActiveLaunchPlanRequest(
                        id=common_pb2.NamedEntityIdentifier(project=pid, domain=domain, name=name)))
                    calls += 1
                for resource_type in range(8):
                    if resource_type == 4:
                        continue
                    stub.GetProjectDomainAttributes(pda.ProjectDomainAttributesGetRequest(
                        project=pid, domain=domain, resource_type=resource_type))
                    calls += 1
                for resource_type in (matchable_resource_pb2.TASK_RESOURCE, matchable_resource_pb2.EXECUTION_QUEUE):
                    stub.GetWorkflowAttributes(wa.WorkflowAttributesGetRequest(
                        project=pid, domain=domain, workflow="ml.train_model", resource_type=resource_type))
                    calls += 1
                stub.GetNamedEntity(common_pb2.NamedEntityGetRequest(
                    resource_type=identifier_pb2.WORKFLOW,
                    id=common_pb2.NamedEntityIdentifier(project=pid, domain=domain, name="reports.daily_report")))
                calls += 1
        return time.perf_counter() - started, calls


def _cli_plan(root: Path, address: str, variables: dict[str, str] | None = None, *,
              warm: bool = False) -> tuple[float, float, float]:
    """The whole command a CI job runs, in a fresh process; must report no changes (exit 0). Cold: no
    parse cache (a CI job's fresh checkout); warm: the cache a previous run over the same files left."""
    return _command(["plan", str(root), "--endpoint", address, "--insecure", "--detailed-exitcode", "--no-color",
                     *_variables_args(variables), *(() if warm else ("--no-cache",))])


def _warm_plan(root: Path, address: str, variables: dict[str, str] | None = None) -> tuple[float, float, float]:
    _cli_plan(root, address, variables, warm=True)  # fills the cache (if an earlier run did not)
    return _median([_cli_plan(root, address, variables, warm=True) for _ in range(3)])


CONTROLLER_ROWS: list[str] = []


def _median(samples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2]


FIGURES: dict[str, float] = {}  # per size and figure, for the targets table (issue 21)


def run(size: str, work: Path) -> tuple[list[str], list[str]]:
    global WORKDIR
    WORKDIR = work
    projects = SIZES[size]
    admin = Admin(work / f"{size}.db")
    admin.start(0)
    register_org(admin.address, projects)
    root = write_org(work / f"org-{size}", projects, backfills=BACKFILLS[size])
    templated = write_org(work / f"org-{size}-templated", projects, backfills=BACKFILLS[size], templated=True)
    changed = write_org(work / f"org-{size}-changed", projects, changed_fraction=0.01, backfills=BACKFILLS[size])
    admin.start(10)
    first_apply, _apply_cpu, apply_rss = _apply(root, admin.address)
    FIGURES[f"{size} apply RSS"] = apply_rss
    rows = []
    for latency in (0, 10):
        admin.start(latency)
        samples = [_plan(root, admin.address) for _ in range(3)]  # the median of three: the VM is noisy
        noop = sorted(t for t, _ in samples)[1]
        calls = samples[0][1][1]
        assert not any(p.has_changes for _, (p, _c) in samples), "the no-op plan has changes"
        cli, cli_cpu, _ = _median([_cli_plan(root, admin.address) for _ in range(3)])
        cli_t, cli_t_cpu, _ = _median([_cli_plan(templated, admin.address, TEMPLATE_VARIABLES) for _ in range(3)])
        warm, warm_cpu, _ = _warm_plan(root, admin.address)
        warm_t, _warm_t_cpu, _ = _warm_plan(templated, admin.address, TEMPLATE_VARIABLES)
        naive, naive_calls = _naive(admin.address, projects)
        one_percent, _ = _plan(changed, admin.address)
        rpc = sum(calls.values())
        FIGURES.update({f"{size} {latency} cold": cli, f"{size} {latency} cold templated": cli_t,
                        f"{size} {latency} warm": warm, f"{size} {latency} warm templated": warm_t,
                        f"{size} {latency} naive": naive})
        apply_cell = f"{first_apply:.1f} s ({apply_rss:.0f} MB)" if latency == 10 else "—"
        rows.append(f"| {size} ({projects}×3) | {latency} ms | {apply_cell} | {noop:.2f} s | "
                    f"{cli:.2f} s ({cli_cpu:.2f} s CPU) | {cli_t:.2f} s ({cli_t_cpu:.2f} s CPU) | "
                    f"{warm:.2f} s ({warm_cpu:.2f} s CPU) / {warm_t:.2f} s | {rpc} | "
                    f"{one_percent:.2f} s | {naive:.1f} s ({naive_calls} calls) | "
                    f"{naive / cli:.0f}× / {naive / cli_t:.0f}× |")
        print(f"  {size} {latency} ms: no-op RPCs by method {dict(sorted(calls.items()))}", flush=True)
        cycle, cycle_rpcs, first_cycle = controller_cycle(root, admin.address)
        CONTROLLER_ROWS.append(f"| {size} ({projects}×3) | {latency} ms | {noop:.2f} s ({rpc}) | "
                               f"{cycle:.2f} s ({cycle_rpcs}) | {cycle / noop - 1:+.0%} | {first_cycle:.2f} s |")
    # The mixed shape, applied on top (10 ms): its no-op plan's round trips.
    mixed = write_org(work / f"org-{size}-mixed", projects, backfills=BACKFILLS[size], mixed=True)
    _apply(mixed, admin.address)
    _seconds, (mixed_plan, mixed_calls) = _plan(mixed, admin.address)
    assert not mixed_plan.has_changes, "the mixed no-op plan has changes"  # type: ignore[attr-defined]
    pairs = projects * len(DOMAINS)
    total = sum(mixed_calls.values())
    FIGURES[f"{size} mixed RPCs"] = total
    FIGURES[f"{size} mixed RPC target"] = 8 + 2 * pairs + BACKFILLS[size]
    extra = [f"| {size} | {apply_rss:.0f} MB | {total} (8 + {(total - 8 - BACKFILLS[size]) / pairs:.2f} × {pairs} + "
             f"{BACKFILLS[size]}) | {dict(sorted(mixed_calls.items()))} |"]
    admin.stop()
    return rows, extra


def _targets(startup: float) -> list[str]:
    """Issue 21's targets against this run's figures (the largest size measured, 10 ms)."""
    size = next((s for s in ("L", "M", "S") if f"{s} 10 cold" in FIGURES), None)
    if size is None:
        return []
    f = FIGURES

    def row(name: str, value: float, target: float, unit: str) -> str:
        shown = f"{value:.0f}" if unit in ("MB", "RPCs") else f"{value:.2f}"
        return f"| {name} | {shown} {unit} | ≤ {target:g} {unit} | {'met' if value <= target else 'not met'} |"

    stated = "" if size == "L" else " — the targets are stated for L"
    return [f"| target (issue 21; {size}, 10 ms{stated}) | measured | target | |", "|---|---|---|---|",
            row("`plan` command, plain, cold", f[f"{size} 10 cold"], 2.0, "s"),
            row("`plan` command, templated, cold", f[f"{size} 10 cold templated"], 2.5, "s"),
            row("`plan` command, warm (parse cache)", f[f"{size} 10 warm"], 1.3, "s"),
            row("no-op RPCs, mixed shape", f[f"{size} mixed RPCs"], f[f"{size} mixed RPC target"], "RPCs"),
            row("start-up (`--help`)", startup, 0.15, "s"),
            row("first `apply` command, peak RSS", f[f"{size} apply RSS"], 250, "MB")]


def _startup() -> tuple[float, float]:
    """``flyte-reconciler --help`` in a fresh process (median of five): wall and CPU seconds."""
    samples = [_command(["--help"]) for _ in range(5)]
    wall, cpu, _ = _median(samples)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="flyte-reconciler-bench-"))
    header = ["| size | latency | first `apply` command (peak RSS) | no-op plan (in-process) | `plan` command | "
              "`plan` command, templated | `plan` command, warm (plain / templated) | no-op RPCs | "
              "plan after 1 % change | naive baseline | speed-up of the command (plain / templated) |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    extra_header = ["| size | first `apply` command, peak RSS | no-op RPCs, mixed shape | by method |",
                    "|---|---|---|---|"]
    rows: list[str] = []
    extras: list[str] = []
    began = time.perf_counter()
    try:
        startup_wall, startup_cpu = _startup()
        for size in args.sizes.split(","):
            print(f"size {size} …", flush=True)
            size_rows, size_extras = run(size.strip(), work)
            rows += size_rows
            extras += size_extras
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n".join([*header, *rows]))
    print("\n| size | latency | no-op plan (RPCs) | controller cycle (RPCs) | difference | first cycle |")
    print("|---|---|---|---|---|---|")
    print("\n".join(CONTROLLER_ROWS))
    print()
    print("\n".join([*extra_header, *extras]))
    print(f"start-up (`--help`): {startup_wall:.2f} s ({startup_cpu:.2f} s CPU)")
    print(f"peak RSS of the benchmark process (in-process plans): {peak_mb:.0f} MB")
    print()
    print("\n".join(_targets(startup_wall)))
    print(f"benchmark run time: {time.perf_counter() - began:.0f} s")
    print(compiler_timing())
    print(write_cpu(SIZES["M"]))  # at M: three first applies; at L they would double the run time
    print(grpc_floor())  # what the same kind of write costs with the generated stub alone


if __name__ == "__main__":
    main()
