"""The manifest language: one frozen pydantic model per kind (``apiVersion: flyte-reconciler/v1``).

Field names are camelCase exactly as users write them (see docs/manifests.md); unknown fields are
rejected. Checks that compare fields with each other (limit vs default, fixed vs default inputs)
and checks across documents live in ``crossref``, where they can point at the exact line.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from reconciler.manifests import checks, cron_limits, moments
from reconciler.manifests.quantity import parse_quantity

API_VERSION = "flyte-reconciler/v1"



INT32_MAX = 2**31 - 1  # Admin's integer fields are int32
UINT32_MAX = 2**32 - 1  # FixedRate.value is a uint32
MAX_BACKFILL_EXECUTIONS = 100_000  # a backfill larger than this is a mistake, or several backfills

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Labels = Annotated[dict[str, str], AfterValidator(checks.labels)]
# An empty mapping/list default without pydantic's deep copy of a mutable default on every document
# (37,825 deep copies at L); the schema still shows the default.
EMPTY_MAP: Any = Field(default_factory=dict, json_schema_extra={"default": {}})
EMPTY_LIST: Any = Field(default_factory=list, json_schema_extra={"default": []})
Annotations = Annotated[dict[str, str], AfterValidator(checks.annotation_map)]
# Project descriptions are limited in bytes by Admin's validator; named-entity descriptions (launch
# plans, workflows) by a varchar(300) column, i.e. in characters.
Description = Annotated[str, AfterValidator(lambda v: checks.max_bytes(v, 300, "the description"))]
EntityDescription = Annotated[str, AfterValidator(lambda v: checks.max_chars(v, 300, "the description"))]
Domain = Annotated[str, Field(min_length=1), AfterValidator(checks.domain_name)]
EntityName = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(checks.entity_name)]
Version = Annotated[str, AfterValidator(checks.version)]


# -- Project -------------------------------------------------------------------------------------
class ProjectMetadata(Strict):
    name: Annotated[str, AfterValidator(checks.project_id)]


class ProjectSpec(Strict):
    displayName: Annotated[str, AfterValidator(lambda v: checks.max_bytes(v, 64, "the display name"))]
    description: Description = ""
    labels: Labels = EMPTY_MAP
    state: Literal["active", "archived"] = "active"

    @field_validator("displayName")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("displayName is empty (a non-empty name, at most 64 bytes)")
        return value


class Project(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Project"]
    metadata: ProjectMetadata
    spec: ProjectSpec


# -- LaunchPlan ----------------------------------------------------------------------------------
class EntityMetadata(Strict):
    project: Annotated[str, AfterValidator(checks.project_id)]
    domain: Domain
    name: EntityName


class WorkflowRef(Strict):
    name: EntityName
    version: Version = "latest"
    project: Annotated[str, AfterValidator(checks.project_id)] | None = None
    domain: Domain | None = None
    package: EntityName | None = None  # a Package of the same project-domain: its version is used

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _package_sets_the_version(self) -> WorkflowRef:
        if self.package is not None and self.model_fields_set & {"version", "project", "domain"}:
            raise ValueError("a workflow from a package takes the package's version, project and domain "
                             "(give only package and name)")
        return self


class Rate(Strict):
    value: Annotated[int, Field(gt=0, le=UINT32_MAX, description="positive number of units")]
    unit: Literal["minute", "hour", "day"]

    @model_validator(mode="after")
    def _representable(self) -> Rate:
        moments.rate_interval(self.value, self.unit)
        return self


class Schedule(Strict):
    # The ASCII check runs first (the parser's own message for '१' would not say what is wrong); the
    # never-fires check in the same function skips expressions the parser is about to refuse.
    cron: Annotated[str, AfterValidator(cron_limits.check), AfterValidator(checks.cron)] | None = None
    rate: Rate | None = None
    offset: Annotated[str, AfterValidator(moments.offset)] | None = None
    kickoffTimeInput: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        if (self.cron is None) == (self.rate is None):
            raise ValueError("give exactly one of `cron` or `rate` (a schedule is either a cron expression or a "
                             "fixed rate)")
        return self


class Notification(Strict):
    phases: Annotated[list[Literal["succeeded", "failed", "timed_out", "aborted"]], Field(min_length=1)]
    email: list[str] | None = None
    slack: list[str] | None = None
    pagerDuty: list[str] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Notification:
        targets = [t for t in (self.email, self.slack, self.pagerDuty) if t is not None]
        if len(targets) != 1 or not targets[0] or any(not r for r in targets[0]):
            raise ValueError("give exactly one of email, slack or pagerDuty with at least one non-empty recipient")
        return self


class QualityOfService(Strict):
    tier: Literal["high", "medium", "low", "undefined"]


class LaunchPlanSpec(Strict):
    workflow: WorkflowRef
    version: Version | None = None
    active: bool = True
    description: EntityDescription | None = None
    schedule: Schedule | None = None
    fixedInputs: dict[str, Any] = EMPTY_MAP
    defaultInputs: dict[str, Any] = EMPTY_MAP
    notifications: list[Notification] = EMPTY_LIST
    labels: Labels = EMPTY_MAP
    annotations: Annotations = EMPTY_MAP
    serviceAccount: str | None = None
    iamRole: str | None = None
    rawOutputDataPrefix: str | None = None
    maxParallelism: Annotated[int, Field(ge=0, le=INT32_MAX)] | None = None
    interruptible: bool | None = None
    overwriteCache: bool = False
    envs: dict[str, str] = EMPTY_MAP
    qualityOfService: QualityOfService | None = None


class LaunchPlan(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["LaunchPlan"]
    metadata: EntityMetadata
    spec: LaunchPlanSpec


# -- Attributes ----------------------------------------------------------------------------------
def _quantity(value: Any) -> str:
    # Checked before pydantic's own coercion, so `true` is refused instead of becoming 1.
    if parse_quantity(value) < 0:
        raise ValueError(f"{value!r} is negative (a resource amount of zero or more)")
    return str(value)  # Admin stores quantities as text; `cpu: 2` and `cpu: "2"` are the same spelling


Quantity = Annotated[str, BeforeValidator(_quantity)]


class Resources(Strict):
    cpu: Quantity | None = None
    gpu: Quantity | None = None
    memory: Quantity | None = None
    storage: Quantity | None = None
    ephemeralStorage: Quantity | None = None


class TaskResources(Strict):
    defaults: Resources | None = None
    limits: Resources | None = None


class PluginOverride(Strict):
    taskType: Annotated[str, Field(min_length=1)]
    pluginIds: Annotated[list[str], Field(min_length=1)]
    missingPluginBehavior: Literal["fail", "useDefault"] = "fail"


class WorkflowExecutionConfig(Strict):
    maxParallelism: Annotated[int, Field(ge=0, le=INT32_MAX)] | None = None
    serviceAccount: str | None = None
    iamRole: str | None = None
    rawOutputDataPrefix: str | None = None
    labels: Labels = EMPTY_MAP
    annotations: Annotations = EMPTY_MAP
    interruptible: bool | None = None
    overwriteCache: bool | None = None
    envs: dict[str, str] = EMPTY_MAP


class ClusterAssignment(Strict):
    clusterPoolName: Annotated[str, Field(min_length=1)]


class AttributesMetadata(Strict):
    project: Annotated[str, AfterValidator(checks.project_id)]
    domain: Domain | None = None
    workflow: Annotated[str, AfterValidator(lambda v: checks.entity_name(v, "workflow"))] | None = None


class AttributesSpec(Strict):
    taskResources: TaskResources | None = None
    clusterResources: dict[str, str] | None = None
    executionQueue: list[str] | None = None
    executionClusterLabel: Annotated[str, Field(min_length=1)] | None = None
    pluginOverrides: list[PluginOverride] | None = None
    workflowExecutionConfig: WorkflowExecutionConfig | None = None
    clusterAssignment: ClusterAssignment | None = None
    # Not a writable type: present only to explain the refusal (hidden from suggestions and the schema).
    qualityOfService: Any = Field(default=None, json_schema_extra={"hidden": True})

    @field_validator("qualityOfService")
    @classmethod
    def _no_qos(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError("quality of service is not an attribute Flyte Admin can write: its attributes API "
                             "answers 'Unrecognized matching attributes type' (set qualityOfService on each "
                             "LaunchPlan instead; it is a launch plan field)")
        return value


class Attributes(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Attributes"]
    metadata: AttributesMetadata
    spec: AttributesSpec


# -- Workflow ------------------------------------------------------------------------------------
class WorkflowSpec(Strict):
    description: EntityDescription | None = None
    state: Literal["active", "archived"] = "active"


class Workflow(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Workflow"]
    metadata: EntityMetadata
    spec: WorkflowSpec


# -- Backfill ------------------------------------------------------------------------------------
def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no timezone (an ISO 8601 time with Z or an offset, e.g. "
                         "2024-01-01T00:00:00Z)")
    return moments.in_utc_range(value)


# pydantic reads a bare number as Unix seconds; `from: 1700000000` is far more likely a mistake.
Moment = Annotated[dt.datetime, BeforeValidator(moments.not_a_number), AfterValidator(_aware)]


class BackfillMetadata(Strict):
    project: Annotated[str, AfterValidator(checks.project_id)]
    domain: Domain
    name: Annotated[str, AfterValidator(checks.backfill_name)]


class BackfillSpec(Strict):
    launchPlan: Annotated[str, AfterValidator(lambda v: checks.entity_name(v, "launch plan"))]
    from_: Moment = Field(alias="from")
    to: Moment
    timezone: Annotated[str, AfterValidator(checks.timezone)] = "UTC"
    parallelism: Annotated[int, Field(ge=1, le=1000)] = 4
    order: Literal["parallel", "serial"] = "parallel"
    onFailure: Literal["stop", "continue", "retry"] = "stop"
    maxRetries: Annotated[int, Field(ge=0, le=100)] = 3
    inputs: dict[str, Any] = EMPTY_MAP
    maxExecutions: Annotated[int, Field(ge=1, le=MAX_BACKFILL_EXECUTIONS)] = 1000


class Backfill(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Backfill"]
    metadata: BackfillMetadata
    spec: BackfillSpec


KINDS: dict[str, type[Strict]] = {"Project": Project, "LaunchPlan": LaunchPlan, "Attributes": Attributes,
                                  "Workflow": Workflow, "Backfill": Backfill}


def _register_late_kinds() -> None:
    # Kinds in modules of their own import this one for the shared pieces, so they join the table here.
    from reconciler.manifests.package_model import Package

    KINDS["Package"] = Package


_register_late_kinds()


def _register_run() -> None:
    from reconciler.manifests.run_model import Run  # its own module: it builds on the pieces above

    KINDS["Run"] = Run


_register_run()
ATTRIBUTE_KEYS = {"taskResources": "task_resource", "clusterResources": "cluster_resource",
                  "executionQueue": "execution_queue", "executionClusterLabel": "execution_cluster_label",
                  "pluginOverrides": "plugin_override", "workflowExecutionConfig": "workflow_execution_config",
                  "clusterAssignment": "cluster_assignment"}
