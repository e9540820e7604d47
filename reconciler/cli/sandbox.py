"""``flyte-reconciler sandbox serve``: run the embedded Flyte Admin in the foreground on loopback."""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import threading
from pathlib import Path

import click

from reconciler.connect import SANDBOX_DB
from reconciler.errors import ConfigError


@click.group("sandbox")
def sandbox_group() -> None:
    """The embedded Flyte Admin (gRPC + SQLite) for demos, local use and tests."""


@sandbox_group.command("serve")
@click.option("--port", type=int, default=8089, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address (loopback by default).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=SANDBOX_DB,
              show_default=True, help="SQLite file holding the admin's state.")
@click.option("--seed", "seed_dir", type=click.Path(exists=True, path_type=Path),
              help="Register a package: `pyflyte package` output (.tgz) or a `pyflyte serialize` directory, "
                   "hydrated as a Package manifest is.")
@click.option("--seed-project", default="flytesnacks", show_default=True, help="Project to register --seed into.")
@click.option("--seed-domain", default="development", show_default=True, help="Domain to register --seed into.")
@click.option("--seed-version", default="auto", show_default=True,
              help="Version of the --seed entities (auto: a digest of the package, as for a Package manifest).")
@click.option("--samples/--no-samples", default=True, show_default=True,
              help="Seed the sample projects and workflows the sample manifests use.")
@click.option("--inject-latency-ms", type=float, default=0.0, help="Testing aid: sleep this long in every RPC.")
@click.option("--inject-unavailable", type=click.FloatRange(0, 1), default=0.0,
              help="Testing aid: fail this fraction of RPCs with UNAVAILABLE.")
@click.option("--inject-seed", type=int, default=0, help="Testing aid: seed of the injected failures.")
@click.option("--inject-no-cluster", is_flag=True,
              help="Testing aid: store every new execution FAILED with a SYSTEM error, as an Admin without a "
                   "reachable cluster does (CreateExecution still answers OK).")
@click.option("--run-duration", type=click.FloatRange(min=0), default=None,
              help="Seconds a simulated execution stays RUNNING (default: the lifecycle's own).")
def serve_command(port: int, host: str, db_path: Path, seed_dir: Path | None, seed_project: str,
                  seed_domain: str, seed_version: str, samples: bool, inject_latency_ms: float,
                  inject_unavailable: float, inject_seed: int, inject_no_cluster: bool,
                  run_duration: float | None) -> None:
    """Serve Flyte Admin's AdminService until Ctrl-C / SIGTERM; prints the call counters on exit."""
    from reconciler.localadmin import LocalAdmin
    from reconciler.localadmin.aids import Aids

    if not _is_loopback(host):
        click.echo(f"warning: --host {host} serves the embedded admin beyond this machine, and it has no "
                   "authentication: anyone who can reach the port can read and change every project. Use "
                   "127.0.0.1 unless that is what you want.", err=True)
    aids = Aids(latency_ms=inject_latency_ms, unavailable_rate=inject_unavailable, seed=inject_seed,
                no_cluster=inject_no_cluster)
    stop = threading.Event()
    lifecycle = None
    if run_duration is not None:
        from reconciler.localadmin.executions.lifecycle import LifecycleSettings

        lifecycle = LifecycleSettings(duration_s=run_duration)
    try:
        running = LocalAdmin.start(db_path=db_path, port=port, host=host, aids=aids, seed_samples=samples,
                                   lifecycle=lifecycle)
    except RuntimeError as exc:  # grpc's "Failed to bind to address": the one thing a user can cause here
        if "bind" not in str(exc).lower():
            raise
        raise ConfigError(f"cannot serve on {host}:{port}: the port is in use (or the address is not this "
                          "machine's)", hint="choose another --port (--port 0 picks a free one), or stop the "
                                             "program that listens there") from exc
    with running as admin:
        if seed_dir is not None:
            from reconciler.admin.package_seed import seed_package

            version, count = seed_package(admin.address, seed_dir, project=seed_project, domain=seed_domain,
                                          version=seed_version)
            click.echo(f"Registered {count} entities of {seed_dir} into {seed_project}/{seed_domain} at version "
                       f"{version}", err=True)
        click.echo(f"Flyte Admin (embedded) listening on {admin.address} (db: {db_path})", err=True)
        click.echo(f"  try: flyte-reconciler plan manifests/ --endpoint {admin.address} --insecure", err=True)
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGUSR1, lambda *_: click.echo(f"calls: {admin.counters()}", err=True))
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        click.echo(f"calls: {admin.counters()}", err=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to any interface


def register(cli: click.Group) -> None:
    cli.add_command(sandbox_group)
