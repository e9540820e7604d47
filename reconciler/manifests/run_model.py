"""The ``Run`` kind: one execution of a launch plan, workflow or task, launched once per ``generation``.

Only what one document can check lives here (names that fit execution names and label values, exactly one
entity, override shapes, the labels the tool reserves). Inputs are type-checked at plan time against the
entity's interface, which only Admin knows (``reconciler.admin.runs``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from reconciler.manifests import checks
from reconciler.manifests.models import (
    INT32_MAX,
    Annotations,
    ClusterAssignment,
    Domain,
    EntityName,
    Labels,
    Strict,
    Version,
)

MAX_RUN_NAME = 63  # the name is also a label value on every execution of the run
MAX_GENERATION = 999_999  # keeps execution names within Admin's 63 characters
RESERVED_LABEL_PREFIX = "flyte-reconciler-"  # labels the tool writes on its executions
MAX_USER_LABELS = 13  # Admin allows 16 labels; the tool adds 3
_RUN_NAME = re.compile(r"[a-z]([a-z0-9-]*[a-z0-9])?")  # fullmatch: "run\n" must not pass


def run_name(value: str) -> str:
    if len(value) > MAX_RUN_NAME or not _RUN_NAME.fullmatch(value):
        raise ValueError(f"{value!r} cannot name a run (lowercase letters, digits and '-', starting with a letter, "
                         f"ending with a letter or digit, at most {MAX_RUN_NAME} characters)")
    return value


def _user_labels(values: dict[str, str]) -> dict[str, str]:
    reserved = sorted(k for k in values if k.startswith(RESERVED_LABEL_PREFIX))
    if reserved:
        raise ValueError(f"label {reserved[0]!r} uses the prefix {RESERVED_LABEL_PREFIX!r}, which flyte-reconciler "
                         "writes itself (another label key)")
    if len(values) > MAX_USER_LABELS:
        raise ValueError(f"{len(values)} labels given (at most {MAX_USER_LABELS}: Admin allows 16 and the tool "
                         "adds 3 of its own)")
    return values


class RunMetadata(Strict):
    project: Annotated[str, AfterValidator(checks.project_id)]
    domain: Domain
    name: Annotated[str, AfterValidator(run_name)]


class EntityRef(Strict):
    """An entity in the run's project and domain; no version: see ``docs/manifests.md`` (Run)."""

    name: EntityName  # it goes into Admin requests and filter strings: the shared name rules
    version: Version | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class RunSpec(Strict):
    launchPlan: EntityRef | None = None
    workflow: EntityRef | None = None
    task: EntityRef | None = None
    inputs: dict[str, Any] = {}
    generation: Annotated[int, Field(ge=1, le=MAX_GENERATION)] = 1
    onChange: Literal["ignore", "relaunch"] = "ignore"
    terminatePrevious: bool = False
    # Execution overrides Admin accepts on CreateExecution.
    labels: Annotated[Labels, AfterValidator(_user_labels)] = {}
    annotations: Annotations = {}
    serviceAccount: str | None = None
    iamRole: str | None = None
    rawOutputDataPrefix: str | None = None
    maxParallelism: Annotated[int, Field(ge=0, le=INT32_MAX)] | None = None
    interruptible: bool | None = None
    overwriteCache: bool = False
    envs: dict[str, str] = {}
    clusterAssignment: ClusterAssignment | None = None

    @model_validator(mode="after")
    def _one_entity(self) -> RunSpec:
        given = [k for k in ("launchPlan", "workflow", "task") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `launchPlan`, `workflow` or `task` (what the run executes)"
                             + (f"; got {', '.join(given)}" if given else ""))
        return self


class Run(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Run"]
    metadata: RunMetadata
    spec: RunSpec
