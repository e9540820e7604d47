"""``flyte-reconciler doctor``: show the effective connection settings (with their sources, secrets
redacted), connect, and check what a plan needs: Admin's version, the domains, listing projects."""

from __future__ import annotations

import sys
from typing import Any

import click

from reconciler.cli.connection import connection_options, target_from
from reconciler.connect import connection_settings, open_admin
from reconciler.errors import EXIT_ERROR, EXIT_OK, ReconcilerError
from reconciler.manifests import load_config


@click.command("doctor")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Run configuration file.")
@click.option("--env", "env", metavar="NAME", envvar="FLYTE_RECONCILER_ENV", help="Environment to check.")
@connection_options
def doctor_command(config_path: str | None, env: str | None, **kwargs: Any) -> None:
    """Check the connection to Flyte Admin and show where every setting came from."""
    config = load_config(config_path, ["."])
    target = target_from(kwargs, env)
    if not target.sandbox:
        settings = connection_settings(target, config)
        click.echo("Effective configuration:")
        for key, value, source in settings.describe():
            click.echo(f"  {key:<24} {value:<45} ({source})")
    failures = 0
    with open_admin(target, config) as (client, endpoint):
        from flyteidl.admin import project_pb2, version_pb2

        checks = [
            ("Admin version", lambda: client.call("GetVersion", version_pb2.GetVersionRequest())
             .control_plane_version.Version or "(unknown)"),
            ("domains", lambda: ", ".join(d.id for d in client.call("GetDomains", project_pb2.GetDomainRequest())
                                          .domains)),
            ("list projects", lambda: "ok" if client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
             is not None else "no answer"),
        ]
        click.echo(f"Connecting to {endpoint} (auth: {client.auth_mode}):")
        for label, check in checks:
            try:
                click.echo(f"  {label:<24} {check()}")
            except ReconcilerError as exc:
                failures += 1
                click.echo(f"  {label:<24} FAILED: {exc}")
    sys.exit(EXIT_ERROR if failures else EXIT_OK)


def register(cli: click.Group) -> None:
    cli.add_command(doctor_command)
