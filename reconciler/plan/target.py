"""The target a saved plan was made for: which Flyte Admin, reached how, as whom, over what scope.

Recorded in every saved plan (and covered by its digest) so that ``apply --plan FILE`` connects to
exactly that admin with no extra flags, and refuses one pointed elsewhere. Never holds a secret or
a token: the auth mode and client id say *who*, the secrets come from the same sources at apply time.
Pure value; building one from live settings happens at the connection edge (``reconciler.pinning``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

INSECURE = "insecure"
SYSTEM_ROOTS = "system roots"
SKIP_VERIFY = "unverified (insecureSkipVerify)"
CA_PREFIX = "CA bundle sha256:"

# The fields that say where the plan's writes go and as whom; a difference in any refuses the apply.
CONNECTION_FIELDS = ("sandbox", "environment", "endpoint", "tls", "auth_mode", "client_id")


class PlannedTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sandbox: bool = False
    environment: str | None = None
    endpoint: str | None = None  # host:port; None for the sandbox (its port changes with every start)
    tls: str = SYSTEM_ROOTS  # INSECURE, SYSTEM_ROOTS, SKIP_VERIFY or CA_PREFIX + fingerprint
    auth_mode: str = "none"
    client_id: str | None = None
    config_file: str | None = None  # the flyte-reconciler.yaml the environment came from
    scope_projects: tuple[str, ...] = ()
    scope_domains: tuple[str, ...] = ()

    @property
    def insecure(self) -> bool:
        return self.tls == INSECURE

    def describe(self) -> str:
        """One line naming the target, for messages that name two of them."""
        if self.sandbox:
            where = "the embedded sandbox admin"
        else:
            where = f"{self.endpoint or '(no endpoint)'} ({self.tls})"
        parts = [f"environment {self.environment}"] if self.environment else []
        parts.append(where)
        parts.append(f"auth {self.auth_mode}" + (f" as client {self.client_id}" if self.client_id else ""))
        return ", ".join(parts)

    def differences(self, other: PlannedTarget) -> list[str]:
        """The connection fields that differ (scope and config file are the plan's, not the connection's)."""
        return [name for name in CONNECTION_FIELDS if getattr(self, name) != getattr(other, name)]
