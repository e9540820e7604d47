"""Open a connection to Flyte Admin from the run's settings: the embedded sandbox, an explicit
endpoint, or the selected environment of flyte-reconciler.yaml.

The sandbox is the embedded admin started in-process on an ephemeral loopback port, persisted
under ``.flyte-reconciler/`` and seeded with the sample workflows the sample manifests use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError

SANDBOX_DIR = Path(".flyte-reconciler")
SANDBOX_DB = SANDBOX_DIR / "sandbox.db"


@dataclass(frozen=True)
class Target:
    """Where to connect: ``sandbox`` wins over ``endpoint``; otherwise the environment's endpoint."""

    sandbox: bool = False
    endpoint: str | None = None
    insecure: bool | None = None
    environment: str | None = None


def resolve_endpoint(target: Target, config: Any) -> tuple[str, bool]:
    if target.endpoint:
        return target.endpoint, bool(target.insecure)
    environments = getattr(config, "environments", None) or {}
    if target.environment:
        env = environments.get(target.environment)
        if env is None:
            known = ", ".join(sorted(environments)) or "none defined"
            raise ConfigError(f"unknown environment {target.environment!r} (known: {known})",
                              hint="define it under `environments:` in flyte-reconciler.yaml")
        endpoint = getattr(env, "endpoint", None)
        if not endpoint:
            raise ConfigError(f"environment {target.environment!r} has no endpoint")
        insecure = target.insecure if target.insecure is not None else bool(getattr(env, "insecure", False))
        return endpoint, insecure
    raise ConfigError("no Flyte Admin to talk to",
                      hint="pass --sandbox, --endpoint HOST:PORT [--insecure] or --env NAME")


@contextmanager
def open_admin(target: Target, config: Any) -> Iterator[tuple[Any, str]]:
    """Yield ``(AdminClient, endpoint label)``; the sandbox admin lives as long as the context."""
    from reconciler.admin.client import AdminClient

    with ExitStack() as stack:
        if target.sandbox:
            from reconciler.localadmin import LocalAdmin

            SANDBOX_DIR.mkdir(exist_ok=True)
            admin = stack.enter_context(LocalAdmin.start(db_path=SANDBOX_DB, port=0, seed_samples=True))
            endpoint, insecure, label = admin.address, True, "sandbox"
        else:
            endpoint, insecure = resolve_endpoint(target, config)
            label = endpoint
        client = stack.enter_context(AdminClient(endpoint=endpoint, insecure=insecure))
        yield client, label
