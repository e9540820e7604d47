"""``flyte-reconciler doctor``: show the effective connection settings (with their sources, secrets
redacted), connect, and check what a plan needs: Admin's version, credentials, the domains, listing
projects. Exit 0 when every check passes, 1 otherwise; each failure is printed with a next step.

Checks run in order and a failed prerequisite skips the checks after it (a refused token would make
every later call fail the same way). This module never prints a token or a secret: it only renders
``ConnectionSettings.describe()`` and our own exception messages, which never carry them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from reconciler.cli.base import overridden_environment_variable
from reconciler.cli.connection import connection_options, target_from
from reconciler.connect import connection_settings, open_admin
from reconciler.errors import EXIT_ERROR, EXIT_OK, AdminError, ConfigError, ReconcilerError
from reconciler.manifests import load_config

# What to do next when a check fails, by gRPC code name (AdminError.code).
NEXT_STEPS = {
    "UNAVAILABLE": "check the endpoint and port; a plaintext admin needs --insecure, a private CA needs "
                   "caCertFilePath (FLYTE_PLATFORM_CA_CERT_FILE_PATH)",
    "DEADLINE_EXCEEDED": "Flyte Admin did not answer in time: check the network path (VPN, proxy, port-forward)",
    "UNAUTHENTICATED": "check auth_type and the credentials listed above (client id/secret, token command)",
    "PERMISSION_DENIED": "the identity is authenticated but not allowed: ask a Flyte admin for access",
    "UNIMPLEMENTED": "this endpoint does not serve Flyte Admin's gRPC API: check the host and port",
}


@dataclass
class Check:
    label: str
    run: Callable[[], str]
    outcome: str = "skipped"
    next_step: str = ""
    ok: bool = False


def _next_step(exc: ReconcilerError) -> str:
    if isinstance(exc, AdminError) and exc.code in NEXT_STEPS:
        return NEXT_STEPS[exc.code]
    return exc.hint or "run again with --debug for details"


def _message(exc: ReconcilerError) -> str:
    return exc.message if exc.hint else str(exc)


def _run(checks: list[Check]) -> None:
    for check in checks:
        try:
            check.outcome, check.ok = check.run(), True
        except ReconcilerError as exc:
            check.outcome, check.next_step = f"FAILED: {_message(exc)}", _next_step(exc)
            return  # later checks depend on this one


def _checks(client: Any) -> list[Check]:
    from flyteidl.admin import project_pb2, version_pb2

    plugin = getattr(client, "auth", None) or getattr(client, "_auth", None)  # AdminClient's metadata plugin

    def credentials() -> str:
        if plugin is None:
            return "none configured (anonymous calls)"
        # As every command does: call anonymously and log in only if Admin asks (a refused token fails here).
        client.call("GetVersion", version_pb2.GetVersionRequest(), target="Flyte Admin")
        if not plugin.asked:
            return f"not needed: Flyte Admin answers without credentials ({plugin.mode} would start only if asked)"
        return f"ok, a token was obtained ({plugin.mode})"

    def version() -> str:
        answer = client.call("GetVersion", version_pb2.GetVersionRequest(), target="Flyte Admin")
        build = answer.control_plane_version
        return " ".join(part for part in (build.Version, build.Build) if part) or "(unknown)"

    def domains() -> str:
        answer = client.call("GetDomains", project_pb2.GetDomainRequest(), target="Flyte Admin")
        return ", ".join(d.id for d in answer.domains) or "(none)"

    def projects() -> str:
        answer = client.call("ListProjects", project_pb2.ProjectListRequest(limit=1), target="Flyte Admin")
        return "ok" + (f" (e.g. {answer.projects[0].id})" if answer.projects else " (no projects yet)")

    return [Check("credentials", credentials), Check("Admin version", version), Check("domains", domains),
            Check("list projects", projects)]


@click.command("doctor")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Run configuration file.")
@click.option("--env", "env", metavar="NAME", envvar="FLYTE_RECONCILER_ENV", help="Environment to check.")
@connection_options
def doctor_command(config_path: str | None, env: str | None, **kwargs: Any) -> None:
    """Check the connection to Flyte Admin and show where every setting came from.

    Exit codes: 0 every check passed, 1 a check failed (each failure says what to do next).
    """
    from reconciler.admin import transport

    config = load_config(config_path, ["."])
    target = target_from(kwargs, env)
    checks: list[Check] = []
    try:
        if not target.sandbox:
            settings = connection_settings(target, config)
            click.echo("Effective configuration:")
            for key, value, source in settings.describe():
                click.echo(f"  {key:<24} {value:<45} ({source})")
            ambient = settings.notices()
            env_notice = overridden_environment_variable(click.get_current_context(), env)
            if env_notice:
                click.echo(f"notice: {env_notice}", err=True)
                ambient.insert(0, env_notice)
            if ambient:
                click.echo("Ambient environment variables overridden or overriding:")
                for line in ambient:
                    click.echo(f"  {line}")
            click.echo(f"Transport: {transport.describe(settings)}")
        with open_admin(target, config) as (client, endpoint):
            click.echo(f"Connecting to {endpoint} (auth: {client.auth_mode}):")
            checks = _checks(client)
            _run(checks)
    except ReconcilerError as exc:  # before any check ran: bad settings, or discovery while connecting
        label = "configuration" if isinstance(exc, ConfigError) else "connection"
        checks = [Check(label, lambda: "", outcome=f"FAILED: {_message(exc)}", next_step=_next_step(exc))]
    for check in checks:
        click.echo(f"  {check.label:<24} {check.outcome}")
        if check.next_step:
            click.echo(f"  {'':<24} next step: {check.next_step}")
    passed = bool(checks) and all(check.ok for check in checks)
    click.echo("All checks passed." if passed else "Some checks failed.")
    if not passed:  # the one line every failing command ends with, on stderr
        click.echo("Error: a check failed: its next step above says what to do", err=True)
    sys.exit(EXIT_OK if passed else EXIT_ERROR)


def register(cli: click.Group) -> None:
    cli.add_command(doctor_command)
