"""``flyte-reconciler controller``: reconcile continuously from a git repository or a directory.

Parses options, merges them with the ``controller:`` section of flyte-reconciler.yaml, and runs the
controller until SIGTERM (exit 0). Everything else lives in ``reconciler.controller``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler.cli.connection import connection_options
from reconciler.controller.config import ControllerFlags, controller_settings
from reconciler.controller.cycle import ConnectionFlags
from reconciler.controller.policy import POLICIES
from reconciler.controller.runner import run_controller
from reconciler.manifests import load_config


@click.command("controller")
@click.option("--source", metavar="URL_OR_PATH", help="Git repository URL (or local repository) or a directory.")
@click.option("--ref", metavar="REF", help="Branch, tag or commit of a git source (default: its HEAD).")
@click.option("--path", "subpath", metavar="DIR", help="Directory of the manifests inside the source.")
@click.option("--env", "environments", multiple=True, metavar="NAME",
              help="Environment of flyte-reconciler.yaml to reconcile (repeatable).")
@click.option("--sync", type=click.Choice(POLICIES), help="Sync policy for every environment (default: manual).")
@click.option("--interval", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="Polling interval (default 180).")
@click.option("--listen", metavar="HOST:PORT", help="Address of the page, API and metrics (default 127.0.0.1:8080).")
@click.option("--workdir", metavar="DIR", help="Work directory: git snapshots, status.db, the lock.")
@click.option("--max-deletions", type=click.IntRange(min=0), help="Per sync (default 10).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Local flyte-reconciler.yaml with a controller: section (default: the source's, if a "
                   "directory, else ./flyte-reconciler.yaml).")
@connection_options
def controller_command(source: str | None, ref: str | None, subpath: str | None, environments: tuple[str, ...],
                       sync: str | None, interval: float | None, listen: str | None, workdir: str | None,
                       max_deletions: int | None, config_path: str | None, **kwargs: Any) -> None:
    """Watch a git repository (or directory) and keep Flyte Admin in sync, with a status page and metrics."""
    search = [source] if source and Path(source).is_dir() else []
    config = load_config(config_path, search)
    flags = ControllerFlags(source=source, ref=ref, path=subpath, environments=environments, sync=sync,
                            interval=interval, listen=listen, workdir=workdir, max_deletions=max_deletions,
                            config_path=config_path)
    connection = ConnectionFlags(sandbox=bool(kwargs.get("sandbox")), endpoint=kwargs.get("endpoint"),
                                 insecure=kwargs.get("insecure"), flytectl_config=kwargs.get("flytectl_config"),
                                 allow_plaintext_credentials=bool(kwargs.get("allow_plaintext_credentials")))
    run_controller(controller_settings(flags, connection, config))


def register(cli: click.Group) -> None:
    cli.add_command(controller_command)
