"""Open a connection to Flyte Admin from the run's settings: the embedded sandbox, or the endpoint,
TLS and credentials resolved by ``reconciler.settings`` (flags → FLYTE_* env vars → the selected
environment of flyte-reconciler.yaml → the flytectl config file).

The sandbox is the embedded admin started in-process on an ephemeral loopback port, persisted
under ``.flyte-reconciler/`` and seeded with the sample workflows the sample manifests use.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.errors import ConfigError
from reconciler.settings import ConnectionSettings, resolve

if TYPE_CHECKING:
    from reconciler.manifests.config import RunConfig

SANDBOX_DIR = Path(".flyte-reconciler")
SANDBOX_DB = SANDBOX_DIR / "sandbox.db"


@dataclass(frozen=True)
class Target:
    """Where to connect: ``sandbox`` wins; otherwise the resolved settings."""

    sandbox: bool = False
    endpoint: str | None = None
    insecure: bool | None = None
    environment: str | None = None
    flytectl_config: str | None = None
    allow_plaintext_credentials: bool = False


def connection_settings(target: Target, config: RunConfig | None) -> ConnectionSettings:
    # No config: a saved plan applied to an explicit endpoint reads no flyte-reconciler.yaml.
    environments = config.environments if config is not None else {}
    env = None
    if target.environment:
        env = environments.get(target.environment)
        if env is None:
            known = ", ".join(sorted(environments)) or "none defined"
            raise ConfigError(f"unknown environment {target.environment!r} (known: {known})",
                              hint="define it under `environments:` in flyte-reconciler.yaml")
    return resolve(flags={"endpoint": target.endpoint, "insecure": target.insecure}, environment=env,
                   environment_name=target.environment, flytectl_config=target.flytectl_config)


def _root_certificates(settings: ConnectionSettings, endpoint: str) -> bytes | None:
    if settings.get("insecure_skip_verify"):
        host, _, port = endpoint.rpartition(":")
        print(f"warning: TLS verification of {endpoint} is skipped (insecureSkipVerify): trusting the certificate "
              "the server presents now", file=sys.stderr)
        return ssl.get_server_certificate((host, int(port or 443))).encode()
    path = settings.get("ca_cert_file")
    if path:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the CA certificate file {path}: {exc.strerror}") from exc
    return None


@contextmanager
def open_admin(target: Target, config: RunConfig | None) -> Iterator[tuple[Any, str]]:
    """Yield ``(AdminClient, endpoint label)``; the sandbox admin lives as long as the context."""
    from reconciler.admin.auth import auth_from
    from reconciler.admin.client import AdminClient

    with ExitStack() as stack:
        if target.sandbox:
            from reconciler.localadmin import LocalAdmin

            SANDBOX_DIR.mkdir(mode=0o700, exist_ok=True)
            SANDBOX_DIR.chmod(0o700)  # also when an older version created it 755: it holds the admin's data
            admin = stack.enter_context(LocalAdmin.start(db_path=SANDBOX_DB, port=0, seed_samples=True))
            client = stack.enter_context(AdminClient(endpoint=admin.address, insecure=True))
            yield client, "sandbox"
            return
        settings = connection_settings(target, config)
        for notice in settings.notices():  # an ambient variable must never silently change the target
            print(f"notice: {notice}", file=sys.stderr)
        endpoint = settings.get("endpoint")
        if not endpoint:
            raise ConfigError("no Flyte Admin to talk to",
                              hint="pass --sandbox, --endpoint HOST:PORT [--insecure], --env NAME, set "
                                   "FLYTE_PLATFORM_URL, or configure admin.endpoint in ~/.flyte/config.yaml")
        insecure = bool(settings.get("insecure"))
        auth = auth_from(settings, allow_plaintext_credentials=target.allow_plaintext_credentials)
        roots = None if insecure else _root_certificates(settings, endpoint)
        client = stack.enter_context(AdminClient(endpoint=endpoint, insecure=insecure, root_certificates=roots,
                                                 metadata_plugin=auth))
        yield client, endpoint
