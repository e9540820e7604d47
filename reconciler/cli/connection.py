"""Options that say which Flyte Admin to talk to, shared by plan, apply and the other online commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from reconciler.connect import Target


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--sandbox", is_flag=True,
                     help="Use the embedded Flyte Admin (persisted under .flyte-reconciler/, seeded with samples)."),
        # FLYTE_RECONCILER_ENDPOINT is read by reconciler.settings as an ambient variable (below --env), not here.
        click.option("--endpoint", metavar="HOST:PORT",
                     help="Flyte Admin gRPC endpoint (overrides the environment's)."),
        click.option("--insecure/--secure", default=None,
                     help="Plaintext gRPC instead of TLS (for local or port-forwarded admins)."),
        click.option("--flytectl-config", type=click.Path(dir_okay=False),
                     help="flytectl config file (default: $FLYTECTL_CONFIG, then ~/.flyte/config.yaml)."),
        click.option("--allow-plaintext-credentials", is_flag=True,
                     help="Allow sending a token over a plaintext connection to a non-loopback host."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def target_from(kwargs: dict[str, Any], environment: str | None) -> Target:
    return Target(
        sandbox=bool(kwargs.pop("sandbox", False)),
        endpoint=kwargs.pop("endpoint", None),
        insecure=kwargs.pop("insecure", None),
        environment=environment,
        flytectl_config=kwargs.pop("flytectl_config", None),
        allow_plaintext_credentials=bool(kwargs.pop("allow_plaintext_credentials", False)),
    )
