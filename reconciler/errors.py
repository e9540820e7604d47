"""The one exception tree of flyte-reconciler.

Every error the tool raises derives from ``ReconcilerError`` and carries the process exit code
the CLI maps it to. Third-party exceptions (grpc, pydantic, jinja2, yaml) are translated into
this tree once, at their boundary, and chained with ``from``.

    ReconcilerError (exit 1)
    ├── ConfigError                 bad flyte-reconciler.yaml, flag or connection setting
    ├── ManifestError               manifests failed to render/parse/validate (carries every problem)
    ├── PlanError                   the desired state cannot be planned (pinned version edited, input type mismatch…)
    │   ├── StalePlanError          a saved plan no longer matches live state
    │   ├── PlanIntegrityError      a saved plan was edited, is unsigned/mis-signed, or is not a saved plan
    │   └── WrongTargetError        a saved plan is applied to another target than the one it was made for
    ├── AdminError                  a Flyte Admin call failed (carries grpc code name, method and target)
    │   ├── TransientAdminError     UNAVAILABLE / DEADLINE_EXCEEDED / RESOURCE_EXHAUSTED (retried)
    │   ├── NotFoundError
    │   ├── AlreadyExistsError
    │   ├── InvalidArgumentError
    │   ├── FailedPreconditionError
    │   ├── PermissionDeniedError
    │   └── UnauthenticatedError
    ├── ApprovalError               apply needs confirmation but cannot prompt
    └── PartialApplyError (exit 3)  some writes were applied, others failed
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_PARTIAL = 3
EXIT_BACKFILL_FAILED = 4  # `apply --wait` / `backfill status`: a backfill ended failed or stopped


class ReconcilerError(Exception):
    """Root of every error the tool raises on purpose."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(ReconcilerError):
    """The run configuration (file, flags, environment) is wrong."""


@dataclass(frozen=True, order=True)
class ManifestProblem:
    """One problem in one manifest, located in the file the user wrote."""

    file: str
    line: int
    kind: str  # e.g. "LaunchPlan" or "" when the document has no usable kind
    address: str  # e.g. "launchplan/flytesnacks/production/daily" or "" before it is known
    field: str  # dotted path, e.g. "spec.schedule.cron"; "" for the whole document
    problem: str  # what is wrong
    expected: str = ""  # what is expected
    severity: str = "error"  # "error" | "warning"

    def render(self) -> str:
        where = f"{self.file}:{self.line}:"
        who = " ".join(p for p in (self.kind, self.address) if p)
        parts = [where]
        if who:
            parts.append(f" {who}:")
        if self.field:
            parts.append(f" {self.field}:")
        parts.append(f" {self.problem}")
        if self.expected:
            parts.append(f" ({self.expected})")
        text = "".join(parts)
        return text if self.severity == "error" else f"warning: {text}"


class ManifestError(ReconcilerError):
    """Manifests failed to render, parse or validate; carries every problem found, sorted."""

    def __init__(self, problems: list[ManifestProblem]) -> None:
        self.problems = sorted(problems)
        lines = [p.render() for p in self.problems]
        count = len([p for p in self.problems if p.severity == "error"])
        super().__init__("\n".join([*lines, f"{count} error(s) in manifests; nothing was contacted."]))


class PlanError(ReconcilerError):
    """The desired state cannot be turned into a plan."""


class StalePlanError(PlanError):
    """A saved plan was made against live state that has changed since."""

    def __init__(self, changed: list[str]) -> None:
        self.changed = changed
        super().__init__(
            "the saved plan is stale; these objects changed since it was made: " + ", ".join(changed),
            hint="run `flyte-reconciler plan --out FILE` again and review the new plan",
        )


class PlanIntegrityError(PlanError):
    """A saved plan cannot be trusted: not a saved plan, another format version, edited, or not signed."""


class WrongTargetError(PlanError):
    """A saved plan was made for one Flyte Admin and is being applied to another."""


class AdminError(ReconcilerError):
    """A Flyte Admin call failed."""

    retryable = False

    def __init__(self, message: str, *, code: str = "UNKNOWN", method: str = "", target: str = "",
                 hint: str | None = None) -> None:
        self.code = code
        self.method = method
        self.target = target
        prefix = f"{method} {target}".strip()
        super().__init__(f"{prefix}: {code}: {message}" if prefix else f"{code}: {message}", hint=hint)


class TransientAdminError(AdminError):
    retryable = True


class NotFoundError(AdminError):
    pass


class AlreadyExistsError(AdminError):
    pass


class InvalidArgumentError(AdminError):
    pass


class FailedPreconditionError(AdminError):
    pass


class PermissionDeniedError(AdminError):
    pass


class UnauthenticatedError(AdminError):
    pass


class ApprovalError(ReconcilerError):
    """apply needs an explicit approval that could not be asked for."""


class PartialApplyError(ReconcilerError):
    """Some actions of a plan were applied and others failed or were not attempted."""

    exit_code = EXIT_PARTIAL
