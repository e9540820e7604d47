"""The closed set of plan actions: small frozen values that survive a JSON round trip.

An action says *what* one write will do to one address and *why*; the applier has exactly one
handler per action type and the renderers walk the same values, so a saved plan applies exactly
what was shown. Nothing here performs I/O.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

# Pydantic gives every instance its own set of the field names it was given (about 730 bytes for an action,
# as much as the values): a first apply at L holds 27,000 actions and 45,000 field changes, so instances
# given the same names share one set. Safe because these models are frozen (pydantic adds to the set only
# on assignment) and a copy (``model_copy``) gets a set of its own.
_SHARED_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


class _Compact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_post_init(self, context: Any, /) -> None:
        names = self.__pydantic_fields_set__
        object.__setattr__(self, "__pydantic_fields_set__", _SHARED_FIELDS_SETS.setdefault(frozenset(names), names))


# Terraform-style verbs used by the renderers and the JSON output's `actions` list.
CREATE = "create"
UPDATE = "update"
DELETE = "delete"


class FieldChange(_Compact):
    """One changed field: ``op`` is add | remove | change; ``path`` is dotted (``spec.limits.cpu``)."""

    op: Literal["add", "remove", "change"]
    path: str
    old: Any = None
    new: Any = None


class _Action(_Compact):
    address: str
    reason: str
    before: Any = None
    after: Any = None
    changes: tuple[FieldChange, ...] = ()

    # Overridden per type: the verbs shown to users and policies, and whether the action removes
    # or deactivates something (counted against --max-deletions, listed first).
    verbs: ClassVar[tuple[str, ...]] = (UPDATE,)
    destructive: ClassVar[bool] = False

    @property
    def creates(self) -> bool:
        """True when the action brings a new object into being (an update of nothing is a create)."""
        return self.verbs == (CREATE,) or (self.verbs == (UPDATE,) and self.before is None)

    @property
    def symbol(self) -> str:
        if self.creates:
            return "+"
        if self.destructive and self.verbs == (UPDATE,):
            return "-"
        if self.verbs == (DELETE,):
            return "-"
        if self.verbs == (DELETE, CREATE):
            return "-/+"
        return "~"


class CreateProject(_Action):
    type: Literal["create_project"] = "create_project"
    verbs: ClassVar[tuple[str, ...]] = (CREATE,)


class UpdateProject(_Action):
    """UpdateProject always writes the whole project (state included): ``after`` is that project."""

    type: Literal["update_project"] = "update_project"


class ArchiveProject(_Action):
    type: Literal["archive_project"] = "archive_project"
    verbs: ClassVar[tuple[str, ...]] = (DELETE,)
    destructive: ClassVar[bool] = True


class UpdateMetadata(_Action):
    """Named-entity metadata (description, archived state) of a workflow or launch plan."""

    type: Literal["update_metadata"] = "update_metadata"
    resource_type: Literal["workflow", "launch_plan"]
    project: str
    domain: str
    name: str
    description: str
    state: Literal["active", "archived"]


class RegisterLaunchPlan(_Action):
    """Register one immutable launch plan version; ``spec`` is the exact LaunchPlanSpec to send: serialized
    protobuf in base64 (a protobuf-JSON object, as plans of earlier versions carried, is accepted too)."""

    type: Literal["register_launch_plan"] = "register_launch_plan"
    verbs: ClassVar[tuple[str, ...]] = (CREATE,)
    project: str
    domain: str
    name: str
    version: str
    spec: str | dict[str, Any]


class ActivateLaunchPlan(_Action):
    """Make ``version`` the active one; Admin deactivates the previously active version itself."""

    type: Literal["activate_launch_plan"] = "activate_launch_plan"
    project: str
    domain: str
    name: str
    version: str


class DeactivateLaunchPlan(_Action):
    type: Literal["deactivate_launch_plan"] = "deactivate_launch_plan"
    destructive: ClassVar[bool] = True
    project: str
    domain: str
    name: str
    version: str


class UpdateAttributes(_Action):
    """Write one matchable-attribute row (a full replacement of that level's value for the type)."""

    type: Literal["update_attributes"] = "update_attributes"
    project: str
    domain: str | None
    workflow: str | None
    attr_type: str
    value: Any


class DeleteAttributes(_Action):
    """Delete one row; ``swept`` lists narrower rows of the same type Admin deletes along with it."""

    type: Literal["delete_attributes"] = "delete_attributes"
    verbs: ClassVar[tuple[str, ...]] = (DELETE,)
    destructive: ClassVar[bool] = True
    project: str
    domain: str | None
    workflow: str | None
    attr_type: str
    swept: tuple[str, ...] = ()


class LaunchExecution(_Action):
    """Launch one backfill run under its deterministic name (never sent for a name already observed)."""

    type: Literal["launch_execution"] = "launch_execution"
    verbs: ClassVar[tuple[str, ...]] = (CREATE,)
    project: str
    domain: str
    name: str
    launch_plan: str
    launch_plan_version: str
    kickoff: str
    inputs: dict[str, Any]
    labels: dict[str, str]  # the launch plan's labels with the tracking labels on top
    annotations: dict[str, str] = {}  # the launch plan's (Admin would otherwise drop them for the run)


class RecoverExecution(_Action):
    """Recover a failed backfill run as a new execution reusing its successful nodes."""

    type: Literal["recover_execution"] = "recover_execution"
    verbs: ClassVar[tuple[str, ...]] = (CREATE,)
    project: str
    domain: str
    original: str
    name: str


class TerminateExecution(_Action):
    """Terminate an unfinished backfill run whose kickoff left the range (prune: backfills only)."""

    type: Literal["terminate_execution"] = "terminate_execution"
    verbs: ClassVar[tuple[str, ...]] = (DELETE,)
    destructive: ClassVar[bool] = True
    project: str
    domain: str
    name: str
    cause: str


class UploadPackageArchive(_Action):
    """Upload a package's fast-registration code archive through Admin's data proxy (before its tasks)."""

    type: Literal["upload_package_archive"] = "upload_package_archive"
    verbs: ClassVar[tuple[str, ...]] = (CREATE,)
    project: str
    domain: str
    filename: str
    md5: str  # base64, as the Content-MD5 header carries it
    path: str  # where the archive was read at plan time (checked against md5 before the upload)


class RegisterPackageEntity(_Action):
    """Register one task, workflow or launch plan of a package (versions are immutable: create only)."""

    type: Literal["register_package_entity"] = "register_package_entity"
    verbs: ClassVar[tuple[str, ...]] = (CREATE,)
    entity_kind: Literal["task", "workflow", "launchplan"]
    entity: str
    project: str
    domain: str
    version: str
    request: str  # the serialized create request, base64


class LaunchRun(_Action):
    """Create the execution of a Run's generation under its deterministic name. ``spec`` and ``inputs`` are
    the exact ExecutionSpec and input LiteralMap to send (serialized protobuf, base64), converted and
    type-checked at plan time; ``after`` is their readable form. ``run_label`` identifies the run on the
    execution: an ALREADY_EXISTS answer is success only when the existing execution carries it."""

    type: Literal["launch_run"] = "launch_run"
    verbs: ClassVar[tuple[str, ...]] = (CREATE,)
    project: str
    domain: str
    name: str
    generation: int
    entity: dict[str, str]
    spec: str
    inputs: str
    run_label: str


class TerminateRun(_Action):
    """Terminate an unfinished execution of a Run: a previous generation (``terminatePrevious``) or a Run
    removed from the manifests (``prune.runs``)."""

    type: Literal["terminate_run"] = "terminate_run"
    verbs: ClassVar[tuple[str, ...]] = (DELETE,)
    destructive: ClassVar[bool] = True
    project: str
    domain: str
    name: str
    cause: str


Action = Annotated[
    CreateProject
    | UpdateProject
    | ArchiveProject
    | UpdateMetadata
    | RegisterLaunchPlan
    | ActivateLaunchPlan
    | DeactivateLaunchPlan
    | UpdateAttributes
    | DeleteAttributes
    | LaunchExecution
    | RecoverExecution
    | TerminateExecution
    | UploadPackageArchive
    | RegisterPackageEntity
    | LaunchRun
    | TerminateRun,
    Field(discriminator="type"),
]

# Apply order: each phase depends on the ones before it (projects must exist and be active before
# anything is written into them; versions must exist before they are activated; archiving a
# project comes last because an archived project refuses attribute and launch plan writes).
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("projects", ("create_project", "update_project")),
    ("attribute deletions", ("delete_attributes",)),
    ("attributes", ("update_attributes",)),
    # Per package, in plan order: its code archive, then tasks, workflows and launch plans.
    ("packages", ("upload_package_archive", "register_package_entity")),
    ("launch plan versions", ("register_launch_plan",)),
    # A launch plan's named entity exists only once a version is registered.
    ("metadata", ("update_metadata",)),
    ("activation", ("activate_launch_plan", "deactivate_launch_plan")),
    ("backfill runs", ("terminate_execution", "launch_execution", "recover_execution")),
    # A run's launch comes before terminating its previous generation: if the launch fails, the old one stays.
    ("runs", ("launch_run", "terminate_run")),
    ("project archival", ("archive_project",)),
)


def phase_of(action_type: str) -> int:
    for index, (_name, types) in enumerate(PHASES):
        if action_type in types:
            return index
    raise ValueError(f"unknown action type {action_type!r}")
