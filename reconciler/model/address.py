"""Addresses as values: the one place that turns an object's identity into text and back.

Every object the tool manages has a stable address (``launchplan/flytesnacks/production/daily``).
Plans, selections, fingerprints and messages carry the text; code that needs a part of it parses it
here, once, instead of splitting strings. ``Address.parse(str(a)) == a`` for every valid address.

Text forms, per kind::

    project/<project>
    launchplan/<project>/<domain>/<name>
    workflow/<project>/<domain>/<name>
    attributes/<project>/<domain|->/<workflow|->/<type>     (``-``: not at that level)
    attributes/<project>/<domain|->/<workflow|->            (an Attributes document: every type at one level)
    backfill/<project>/<domain>/<launch plan>/<name>
    package/<project>/<domain>/<name>
    run/<project>/<domain>/<name>

Parts are non-empty and never contain ``/`` (a part with a slash could not be parsed back) and ``-`` is
reserved for "no level" in attributes addresses.

The name rules of the manifest language live here too (``PROJECT_ID``, ``DOMAIN``, ``ENTITY_NAME``,
``VERSION``, applied with ``fullmatch``), so that manifests and addresses agree on what a name is; the
manifest validators (``reconciler.manifests.checks``) apply them. ``Address`` itself enforces only the
structural rules above: it is also built from live Admin state, and a live object named outside the
manifest rules (registered by another tool) must still be observable and reported, not crash a plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

KINDS = ("project", "workflow", "attributes", "launchplan", "backfill", "package", "run")

ATTRIBUTE_TYPES = (
    "task_resource",
    "cluster_resource",
    "execution_queue",
    "execution_cluster_label",
    "plugin_override",
    "workflow_execution_config",
    "cluster_assignment",
)

NO_LEVEL = "-"

# ASCII ranges spelled out and ``fullmatch`` only: with ``match``/``$`` a trailing newline passes, and
# ``\w``/``\d`` accept letters and digits Admin's Go validators refuse.
PROJECT_ID = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")  # DNS-1123 label
DOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# Launch plan, workflow and task names: Python-style dotted names. No ',', '(' or ')' either: they would
# change the meaning of an Admin filter string such as ``eq(launch_plan.name,NAME)``.
ENTITY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}")
# Versions come from users and CI (git SHAs, v1.2.3, 0.1.0+build, base64 digests): a wider set, still
# without '/', filter metacharacters, whitespace or control characters.
VERSION = re.compile(r"[A-Za-z0-9_.:+=@~-]{1,255}")

# How many parts follow the kind in the text form (attributes: 3 for a document, 4 for one type).
_ARITY = {"project": (1,), "launchplan": (3,), "workflow": (3,), "attributes": (3, 4), "backfill": (4,),
          "package": (3,), "run": (3,)}


_REQUIRED = {
    "project": ("project",),
    "launchplan": ("project", "domain", "name"),
    "workflow": ("project", "domain", "name"),
    "attributes": ("project",),
    "backfill": ("project", "domain", "launch_plan", "name"),
    "package": ("project", "domain", "name"),
    "run": ("project", "domain", "name"),
}


class AddressError(ValueError):
    """Text that is not an address, or parts that cannot form one."""


@dataclass(frozen=True, slots=True)
class Address:
    """One object's identity. Build it with the per-kind constructors or ``parse``.

    ``name`` is the launch plan, workflow or backfill name; ``workflow`` the workflow level of an
    attributes address; ``launch_plan`` the launch plan a backfill runs; ``attr_type`` the matchable
    resource type (snake_case) of an attributes row.
    """

    kind: str
    project: str
    domain: str | None = None
    name: str | None = None
    workflow: str | None = None
    launch_plan: str | None = None
    attr_type: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise AddressError(f"unknown address kind {self.kind!r} (one of {', '.join(KINDS)})")
        for part in _REQUIRED[self.kind]:
            if not getattr(self, part):
                raise AddressError(f"a {self.kind} address needs a {part.replace('_', ' ')}")
        for part in ("project", "domain", "name", "workflow", "launch_plan"):
            value = getattr(self, part)
            if value is not None and (not value or "/" in value):
                raise AddressError(f"{part.replace('_', ' ')} {value!r} cannot be part of an address "
                                   "(non-empty, without '/')")
        for part in ("domain", "workflow"):  # "-" spells "no level" in attributes addresses
            if getattr(self, part) == NO_LEVEL:
                raise AddressError(f"{part} {NO_LEVEL!r} cannot be part of an address (it means 'no level')")
        if self.kind == "attributes":
            if self.workflow and not self.domain:
                raise AddressError("workflow-level attributes need a domain")
            if self.attr_type is not None and self.attr_type not in ATTRIBUTE_TYPES:
                raise AddressError(f"unknown attribute type {self.attr_type!r} (one of {', '.join(ATTRIBUTE_TYPES)})")

    # -- constructors ----------------------------------------------------------------------------
    @classmethod
    def of_project(cls, project: str) -> Address:
        return cls("project", project)

    @classmethod
    def of_launch_plan(cls, project: str, domain: str, name: str) -> Address:
        return cls("launchplan", project, domain, name)

    @classmethod
    def of_workflow(cls, project: str, domain: str, name: str) -> Address:
        return cls("workflow", project, domain, name)

    @classmethod
    def of_attributes(cls, project: str, domain: str | None, workflow: str | None,
                      attr_type: str | None) -> Address:
        return cls("attributes", project, domain or None, workflow=workflow or None, attr_type=attr_type)

    @classmethod
    def of_backfill(cls, project: str, domain: str, launch_plan: str, name: str) -> Address:
        return cls("backfill", project, domain, name, launch_plan=launch_plan)

    @classmethod
    def of_package(cls, project: str, domain: str, name: str) -> Address:
        return cls("package", project, domain, name)

    @classmethod
    def of_run(cls, project: str, domain: str, name: str) -> Address:
        return cls("run", project, domain, name)

    @staticmethod
    def parse(text: str) -> Address:
        """The address a text names; ``AddressError`` when it names none."""
        return _parse(text)

    # -- views -----------------------------------------------------------------------------------
    @property
    def level(self) -> str:
        """For attributes: ``project``, ``project-domain`` or ``workflow``."""
        if self.workflow:
            return "workflow"
        return "project-domain" if self.domain else "project"

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts after the kind, as written in the text form."""
        if self.kind == "project":
            return (self.project,)
        if self.kind == "attributes":
            head = (self.project, self.domain or NO_LEVEL, self.workflow or NO_LEVEL)
            return (*head, self.attr_type) if self.attr_type else head
        if self.kind == "backfill":
            return (self.project, str(self.domain), str(self.launch_plan), str(self.name))
        return (self.project, str(self.domain), str(self.name))

    def __str__(self) -> str:
        return "/".join((self.kind, *self.parts))


@lru_cache(maxsize=65536)
def _parse(text: str) -> Address:
    kind, _, rest = text.partition("/")
    if kind not in _ARITY:
        raise AddressError(f"{text!r} is not an address (it starts with one of {', '.join(KINDS)})")
    parts = rest.split("/")
    if len(parts) not in _ARITY[kind]:
        raise AddressError(f"{text!r} is not a {kind} address ({kind}/{_FORMS[kind]})")
    if kind == "project":
        return Address.of_project(parts[0])
    if kind == "launchplan":
        return Address.of_launch_plan(*parts)
    if kind == "workflow":
        return Address.of_workflow(*parts)
    if kind == "backfill":
        return Address.of_backfill(*parts)
    if kind == "package":
        return Address.of_package(*parts)
    if kind == "run":
        return Address.of_run(*parts)
    project, domain, workflow, *attr_type = parts
    return Address.of_attributes(project, _level(domain), _level(workflow), attr_type[0] if attr_type else None)


def _level(part: str) -> str | None:
    return None if part == NO_LEVEL else part


_FORMS = {
    "project": "<project>",
    "launchplan": "<project>/<domain>/<name>",
    "workflow": "<project>/<domain>/<name>",
    "attributes": "<project>/<domain|->/<workflow|->/<type>",
    "backfill": "<project>/<domain>/<launch plan>/<name>",
    "package": "<project>/<domain>/<name>",
    "run": "<project>/<domain>/<name>",
}


@lru_cache(maxsize=65536)  # one text per object, asked for many times
def project_address(project: str) -> str:
    return str(Address.of_project(project))


@lru_cache(maxsize=65536)  # one text per object, asked for many times
def launch_plan_address(project: str, domain: str, name: str) -> str:
    return str(Address.of_launch_plan(project, domain, name))


@lru_cache(maxsize=65536)  # one text per object, asked for many times
def workflow_address(project: str, domain: str, name: str) -> str:
    return str(Address.of_workflow(project, domain, name))


@lru_cache(maxsize=65536)  # one text per object, asked for many times
def attributes_address(project: str, domain: str | None, workflow: str | None, attr_type: str | None) -> str:
    return str(Address.of_attributes(project, domain, workflow, attr_type))


@lru_cache(maxsize=65536)  # one text per object, asked for many times
def backfill_address(project: str, domain: str, launch_plan: str, name: str) -> str:
    return str(Address.of_backfill(project, domain, launch_plan, name))


@lru_cache(maxsize=65536)  # one text per object, asked for many times
def run_address(project: str, domain: str, name: str) -> str:
    return str(Address.of_run(project, domain, name))


def leaf(address: str) -> str:
    """The last part of an address text (a backfill's or launch plan's own name). Total over any
    text: names derived from it (backfill run names) must exist even for a malformed address."""
    return address.rpartition("/")[2]


@lru_cache(maxsize=65536)  # one text per object, asked for many times
def package_address(project: str, domain: str, name: str) -> str:
    return str(Address.of_package(project, domain, name))


def kind_of(address: str) -> str:
    """The kind of an address text, without a full parse (hot in planning: one call per object)."""
    return address.partition("/")[0]
