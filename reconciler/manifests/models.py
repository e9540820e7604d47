"""The manifest language: one frozen pydantic model per kind (``apiVersion: flyte-reconciler/v1``).

Field names are camelCase exactly as users write them (see docs/manifests.md); unknown fields are
rejected. Checks that need the whole document set (duplicates, references) live in ``crossref``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.manifests import checks
from reconciler.manifests.quantity import parse_quantity

API_VERSION = "flyte-reconciler/v1"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Labels = Annotated[dict[str, str], AfterValidator(checks.labels)]
Description = Annotated[str, AfterValidator(lambda v: checks.max_bytes(v, 300, "the description"))]


# -- Project -------------------------------------------------------------------------------------
class ProjectMetadata(Strict):
    name: Annotated[str, AfterValidator(checks.project_id)]


class ProjectSpec(Strict):
    displayName: Annotated[str, AfterValidator(lambda v: checks.max_bytes(v, 64, "the display name"))]
    description: Description = ""
    labels: Labels = {}
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
    domain: str
    name: Annotated[str, Field(min_length=1, max_length=255)]


class WorkflowRef(Strict):
    name: Annotated[str, Field(min_length=1)]
    version: str = "latest"
    project: str | None = None
    domain: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class Rate(Strict):
    value: Annotated[int, Field(gt=0, description="positive number of units")]
    unit: Literal["minute", "hour", "day"]


class Schedule(Strict):
    cron: Annotated[str, AfterValidator(checks.cron)] | None = None
    rate: Rate | None = None
    offset: str | None = None
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
    version: str | None = None
    active: bool = True
    description: Description | None = None
    schedule: Schedule | None = None
    fixedInputs: dict[str, Any] = {}
    defaultInputs: dict[str, Any] = {}
    notifications: list[Notification] = []
    labels: Labels = {}
    annotations: dict[str, str] = {}
    serviceAccount: str | None = None
    iamRole: str | None = None
    rawOutputDataPrefix: str | None = None
    maxParallelism: Annotated[int, Field(ge=0)] | None = None
    interruptible: bool | None = None
    overwriteCache: bool = False
    envs: dict[str, str] = {}
    qualityOfService: QualityOfService | None = None

    @model_validator(mode="after")
    def _inputs_disjoint(self) -> LaunchPlanSpec:
        both = sorted(set(self.fixedInputs) & set(self.defaultInputs))
        if both:
            raise ValueError(f"{', '.join(both)} in both fixedInputs and defaultInputs (Admin accepts it but every "
                             "execution of this launch plan would fail; keep each input in one of them)")
        if self.schedule and self.schedule.kickoffTimeInput and self.schedule.kickoffTimeInput in self.fixedInputs:
            raise ValueError(f"kickoff input {self.schedule.kickoffTimeInput!r} is a fixed input (the scheduler "
                             "sets it on every run; it must be a free input)")
        return self


class LaunchPlan(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["LaunchPlan"]
    metadata: EntityMetadata
    spec: LaunchPlanSpec


# -- Attributes ----------------------------------------------------------------------------------
def _quantity(value: Any) -> str:
    text = str(value)
    try:
        parse_quantity(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (e.g. 500m, 2, 1.5, 512Mi, 4Gi)") from exc
    return text


Quantity = Annotated[str | int | float, AfterValidator(_quantity)]


class Resources(Strict):
    cpu: Quantity | None = None
    gpu: Quantity | None = None
    memory: Quantity | None = None
    storage: Quantity | None = None
    ephemeralStorage: Quantity | None = None


class TaskResources(Strict):
    defaults: Resources | None = None
    limits: Resources | None = None

    @model_validator(mode="after")
    def _limits_cover_defaults(self) -> TaskResources:
        if self.defaults and self.limits:
            for key in ("cpu", "gpu", "memory", "storage", "ephemeralStorage"):
                default, limit = getattr(self.defaults, key), getattr(self.limits, key)
                if default is not None and limit is not None and parse_quantity(str(limit)) < parse_quantity(
                        str(default)):
                    raise ValueError(f"limits.{key} {limit} is lower than defaults.{key} {default} (a limit at "
                                     "least as large as its default)")
        return self


class PluginOverride(Strict):
    taskType: Annotated[str, Field(min_length=1)]
    pluginIds: Annotated[list[str], Field(min_length=1)]
    missingPluginBehavior: Literal["fail", "useDefault"] = "fail"


class WorkflowExecutionConfig(Strict):
    maxParallelism: Annotated[int, Field(ge=0)] | None = None
    serviceAccount: str | None = None
    iamRole: str | None = None
    rawOutputDataPrefix: str | None = None
    labels: Labels = {}
    annotations: dict[str, str] = {}
    interruptible: bool | None = None
    overwriteCache: bool | None = None
    envs: dict[str, str] = {}


class ClusterAssignment(Strict):
    clusterPoolName: Annotated[str, Field(min_length=1)]


class AttributesMetadata(Strict):
    project: Annotated[str, AfterValidator(checks.project_id)]
    domain: str | None = None
    workflow: str | None = None


class AttributesSpec(Strict):
    taskResources: TaskResources | None = None
    clusterResources: dict[str, str] | None = None
    executionQueue: list[str] | None = None
    executionClusterLabel: Annotated[str, Field(min_length=1)] | None = None
    pluginOverrides: list[PluginOverride] | None = None
    workflowExecutionConfig: WorkflowExecutionConfig | None = None
    clusterAssignment: ClusterAssignment | None = None
    qualityOfService: Any = None

    @field_validator("qualityOfService")
    @classmethod
    def _no_qos(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError("quality of service cannot be written through Flyte Admin's attributes API (Admin "
                             "answers 'Unrecognized matching attributes type'); set `qualityOfService` on the "
                             "LaunchPlan instead")
        return value


class Attributes(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Attributes"]
    metadata: AttributesMetadata
    spec: AttributesSpec


# -- Workflow ------------------------------------------------------------------------------------
class WorkflowSpec(Strict):
    description: Description | None = None
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
    return value


class BackfillMetadata(Strict):
    project: Annotated[str, AfterValidator(checks.project_id)]
    domain: str
    name: Annotated[str, AfterValidator(checks.backfill_name)]


class BackfillSpec(Strict):
    launchPlan: Annotated[str, Field(min_length=1)]
    from_: Annotated[dt.datetime, AfterValidator(_aware)] = Field(alias="from")
    to: Annotated[dt.datetime, AfterValidator(_aware)]
    timezone: str = "UTC"
    parallelism: Annotated[int, Field(ge=1, le=1000)] = 4
    order: Literal["parallel", "serial"] = "parallel"
    onFailure: Literal["stop", "continue", "retry"] = "stop"
    maxRetries: Annotated[int, Field(ge=0, le=100)] = 3
    inputs: dict[str, Any] = {}
    maxExecutions: Annotated[int, Field(ge=1)] = 1000

    @model_validator(mode="after")
    def _range(self) -> BackfillSpec:
        if self.from_ >= self.to:
            raise ValueError(f"from ({self.from_.isoformat()}) is not before to ({self.to.isoformat()}) (from is "
                             "inclusive, to exclusive)")
        return self


class Backfill(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Backfill"]
    metadata: BackfillMetadata
    spec: BackfillSpec


KINDS: dict[str, type[Strict]] = {"Project": Project, "LaunchPlan": LaunchPlan, "Attributes": Attributes,
                                  "Workflow": Workflow, "Backfill": Backfill}
ATTRIBUTE_KEYS = {"taskResources": "task_resource", "clusterResources": "cluster_resource",
                  "executionQueue": "execution_queue", "executionClusterLabel": "execution_cluster_label",
                  "pluginOverrides": "plugin_override", "workflowExecutionConfig": "workflow_execution_config",
                  "clusterAssignment": "cluster_assignment"}
