"""Read live state with the fewest round trips the API allows, concurrently and bounded.

Calls for one plan: ListProjects (paged; a filter so archived projects are listed too),
ListMatchableAttributes once per writable type (raw rows of every level, for all projects),
ListActiveLaunchPlans once per managed project-domain (every active version, so two-actives are
seen without extra calls), ListNamedEntities per project-domain that has metadata to compare.
Inactive and pinned launch plans (whose desired version is usually not the active one), the
workflows of pinned versions and ``workflow.version: latest`` (one ListWorkflows, newest
``created_at``, recorded in ``Observation.resolved``) are read in that same first wave. Then, only
for launch plans whose desired version is still unseen: GetLaunchPlan for that version, and only for
those that must be registered, GetWorkflow and the workflow's default launch plan to build the exact
spec (several in one project-domain: one filtered list call instead). Never one call per
resource where a list call serves. ``observe_addresses`` re-reads just what a saved plan touched.
This module only reads: it never writes to Admin.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flyteidl.admin import common_pb2, launch_plan_pb2, matchable_resource_pb2, project_pb2
from flyteidl.core import identifier_pb2

from reconciler.admin.convert import (
    RESOURCE_TYPES,
    attribute_value_from_proto,
    launch_plan_spec_body,
    named_entity_body,
    project_body,
)
from reconciler.admin.launchplans import WorkflowInfo, build_launch_plan_spec
from reconciler.admin.pages import PAGE_SIZE, paginate
from reconciler.errors import PlanError
from reconciler.model.address import Address
from reconciler.model.launchplan_version import derive_version
from reconciler.model.state import (
    Resource,
    State,
    attributes_address,
    launch_plan_address,
    project_address,
    workflow_address,
)

DEFAULT_CONCURRENCY = 32
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class LaunchPlanIntent:
    address: str
    project: str
    domain: str
    name: str
    workflow: tuple[str, str, str, str]  # project, domain, name, version or "latest"
    spec: dict[str, Any]  # the manifest spec (camelCase)
    pinned_version: str | None = None
    active: bool = True
    description: str | None = None
    source: str = ""
    # "file:line" of individual fields ("defaultInputs.limit", "schedule.kickoffTimeInput"), so that a
    # plan-time input error names the line of the input, not the document's first line.
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObserveRequest:
    projects: list[str]
    domains: list[str]
    launch_plans: list[LaunchPlanIntent] = field(default_factory=list)
    workflows_metadata: set[tuple[str, ...]] = field(default_factory=set)
    attributes: bool = True
    concurrency: int = DEFAULT_CONCURRENCY
    all_specs: bool = False  # convert the spec of every active version, even where no plan needs it
    # Workflows a package in the same plan registers: known from the package, not looked up.
    pending_workflows: dict[tuple[str, str, str, str], WorkflowInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class Observation:
    actual: State
    desired_launch_plans: list[Resource]
    resolved: dict[str, str]
    calls: dict[str, int]


def _pmap(fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    items = list(items)
    if len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        return list(pool.map(fn, items))


def _projects(client: Any, wanted: set[str]) -> list[Resource]:
    # Any filter replaces the default "hide archived" one, so archived projects are listed too.
    listed = paginate(client, "ListProjects", lambda token: project_pb2.ProjectListRequest(
        limit=PAGE_SIZE, token=token, filters="ne(state,-1)",
        sort_by=common_pb2.Sort(key="identifier", direction=common_pb2.Sort.ASCENDING)), "projects")
    return [Resource(project_address(p.id), project_body(p)) for p in listed if p.id in wanted]


def _attributes(client: Any, projects: set[str], workers: int,
                attr_types: Iterable[str] = tuple(RESOURCE_TYPES)) -> list[Resource]:
    """One ListMatchableAttributes per type: raw rows of every level for all projects (§4.6), kept
    for the managed projects only. Never Get*Attributes, which answers with inherited values."""
    def one(attr_type: str) -> list[Resource]:
        response = client.call("ListMatchableAttributes", matchable_resource_pb2.ListMatchableAttributesRequest(
            resource_type=RESOURCE_TYPES[attr_type]), target=attr_type)
        rows = []
        for config in response.configurations:
            if config.project not in projects or config.launch_plan:
                continue
            converted = attribute_value_from_proto(config.attributes)
            if converted is None:
                continue
            address = attributes_address(config.project, config.domain or None, config.workflow or None, attr_type)
            rows.append(Resource(address, {"value": converted[1]}))
        return rows

    return [r for rows in _pmap(one, list(attr_types), workers) for r in rows]


def _active_request(project: str, domain: str) -> Callable[[str], Any]:
    return lambda token: launch_plan_pb2.ActiveLaunchPlanListRequest(
        project=project, domain=domain, limit=PAGE_SIZE, token=token,
        sort_by=common_pb2.Sort(key="name", direction=common_pb2.Sort.ASCENDING))


def _actives(client: Any, pairs: list[tuple[str, str]], workers: int) -> list[list[launch_plan_pb2.LaunchPlan]]:
    """Every active version, per project-domain (one ListActiveLaunchPlans each, in flight together)."""
    return client.list_all("ListActiveLaunchPlans", [(f"{p}/{d}", _active_request(p, d)) for p, d in pairs],
                           "launch_plans", concurrency=workers)


def _named_request(resource_type: int, project: str, domain: str) -> Callable[[str], Any]:
    # No filters: Admin pages before filtering (§5.3); a large page and client-side filtering is exact.
    return lambda token: common_pb2.NamedEntityListRequest(
        resource_type=resource_type, project=project, domain=domain, limit=PAGE_SIZE, token=token,
        sort_by=common_pb2.Sort(key="name", direction=common_pb2.Sort.ASCENDING))


def _named_all(client: Any, args: list[tuple[int, str, str]], workers: int
               ) -> list[tuple[tuple[int, str, str], list[common_pb2.NamedEntity]]]:
    """Named entities (metadata) per (resource type, project, domain), in flight together."""
    listed = client.list_all("ListNamedEntities", [(f"{p}/{d}", _named_request(t, p, d)) for t, p, d in args],
                             "entities", concurrency=workers)
    return list(zip(args, listed, strict=True))


def _named(client: Any, args: tuple[int, str, str]) -> list[common_pb2.NamedEntity]:
    resource_type, project, domain = args
    return list(paginate(client, "ListNamedEntities", _named_request(resource_type, project, domain), "entities",
                         target=f"{project}/{domain}"))


def _lp_id(project: str, domain: str, name: str, version: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=project, domain=domain,
                                     name=name, version=version)


def _resolve_latest(client: Any, ref: tuple[str, str, str, str]) -> str:
    project, domain, name, _ = ref
    response = client.call("ListWorkflows", common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain, name=name), limit=1,
        sort_by=common_pb2.Sort(key="created_at", direction=common_pb2.Sort.DESCENDING)),
        target=f"{project}/{domain}/{name}")
    if not response.workflows:
        raise PlanError(f"workflow {project}/{domain}/{name} has no registered version to resolve `latest` to")
    return response.workflows[0].id.version


def _workflow_info(client: Any, ref: tuple[str, str, str, str], with_default: bool = True) -> WorkflowInfo:
    project, domain, name, version = ref
    wf_id = identifier_pb2.Identifier(resource_type=identifier_pb2.WORKFLOW, project=project, domain=domain,
                                      name=name, version=version)
    target = f"{project}/{domain}/{name}@{version}"
    from reconciler.errors import NotFoundError

    try:
        workflow = client.call("GetWorkflow", common_pb2.ObjectGetRequest(id=wf_id), target=target)
    except NotFoundError as exc:
        raise PlanError(f"workflow {target} is not registered in Flyte Admin",
                        hint="register it first (pyflyte register) or fix spec.workflow") from exc
    default = client.try_call("GetLaunchPlan", common_pb2.ObjectGetRequest(id=_lp_id(project, domain, name, version)),
                              target=target) if with_default else None
    return WorkflowInfo.detached(wf_id, workflow.closure.compiled_workflow.primary.template.interface,
                                 default.spec if default is not None else None)


Key = tuple[str, str, str, str]  # project, domain, name, version
# Versions that can go into a `value_in(...)` filter as they are (§7.1: no `,` `;` `+` `)` or spaces).
_FILTER_SAFE = re.compile(r"^[A-Za-z0-9_.:@=-]+$")
_CHUNK = 100  # versions per filtered list call: keeps the filter string short


def _batches(keys: Iterable[Key]) -> tuple[list[list[Key]], list[Key]]:
    """Keys grouped per project-domain for one filtered list call each (in chunks), and the keys that are
    better read one by one (alone in their project-domain, or with a version a filter cannot carry)."""
    by_pair: dict[tuple[str, str], list[Key]] = {}
    singles: list[Key] = []
    for key in sorted(set(keys)):
        if _FILTER_SAFE.match(key[2]) and _FILTER_SAFE.match(key[3]):
            by_pair.setdefault((key[0], key[1]), []).append(key)
        else:
            singles.append(key)
    groups: list[list[Key]] = []
    for group in by_pair.values():
        if len(group) == 1:
            singles += group
        else:
            groups += [group[i:i + _CHUNK] for i in range(0, len(group), _CHUNK)]
    return groups, singles


def _in_filter(group: list[Key]) -> str:
    names = ";".join(sorted({k[2] for k in group}))
    versions = ";".join(sorted({k[3] for k in group}))
    return f"value_in(name,{names})+value_in(version,{versions})"


def _listed(client: Any, method: str, items: str, group: list[Key]) -> dict[Key, Any]:
    """One filtered, paged list call for a group of one project-domain; exact matches only."""
    project, domain = group[0][0], group[0][1]
    wanted = set(group)
    found = paginate(client, method, lambda token: common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain), limit=PAGE_SIZE, token=token,
        filters=_in_filter(group), sort_by=common_pb2.Sort(key="id", direction=common_pb2.Sort.ASCENDING)),
        items, target=f"{project}/{domain}")
    out = {}
    for entity in found:
        key = (entity.id.project, entity.id.domain, entity.id.name, entity.id.version)
        if key in wanted:
            out[key] = entity
    return out


def _registered_launch_plans(client: Any, keys: list[Key], workers: int) -> dict[Key, launch_plan_pb2.LaunchPlan]:
    """Which of these launch plan versions are registered: one filtered ListLaunchPlans per project-domain
    with several to look up (a first apply looks up every launch plan), a GetLaunchPlan otherwise."""
    groups, singles = _batches(keys)
    found: dict[Key, launch_plan_pb2.LaunchPlan] = {}
    for part in _pmap(lambda g: _listed(client, "ListLaunchPlans", "launch_plans", g), groups, workers):
        found.update(part)
    got = _pmap(lambda k: client.try_call("GetLaunchPlan", common_pb2.ObjectGetRequest(id=_lp_id(*k)),
                                          target=launch_plan_address(*k[:3])), singles, workers)
    found.update({k: plan for k, plan in zip(singles, got, strict=True) if plan is not None})
    return found


def _workflow_infos(client: Any, refs: list[Key], workers: int, *, defaults: bool = True) -> dict[Key, WorkflowInfo]:
    """Interfaces and default launch plans of the workflows new versions are built on. Several in one
    project-domain: one filtered ListWorkflows (its closure carries the interface, §2.5) and one
    ListLaunchPlans (the defaults share the workflow's name and version); else GetWorkflow/GetLaunchPlan.
    ``defaults=False``: the caller reads the default launch plans with other launch plans (none here)."""
    groups, singles = _batches(refs)
    infos = dict(zip(singles, _pmap(lambda ref: _workflow_info(client, ref, defaults), singles, workers), strict=True))

    def group_infos(group: list[Key]) -> dict[Key, WorkflowInfo]:
        workflows = _listed(client, "ListWorkflows", "workflows", group)
        defaults_found = _listed(client, "ListLaunchPlans", "launch_plans", group) if defaults else {}
        missing = [k for k in group if k not in workflows]
        if missing:
            target = "/".join(missing[0][:3]) + "@" + missing[0][3]
            raise PlanError(f"workflow {target} is not registered in Flyte Admin",
                            hint="register it first (pyflyte register) or fix spec.workflow")
        return {k: WorkflowInfo.detached(workflows[k].id,
                                         workflows[k].closure.compiled_workflow.primary.template.interface,
                                         defaults_found[k].spec if k in defaults_found else None)
                for k in group}

    for part in _pmap(group_infos, groups, workers):
        infos.update(part)
    return infos


@dataclass(frozen=True)
class Scope:
    """What the first wave reads, known before the launch plans' intents are built."""

    projects: frozenset[str]
    pairs: tuple[tuple[str, str], ...]  # project-domains whose active launch plans are listed
    meta_pairs: tuple[tuple[int, str, str], ...]  # (resource type, project, domain) whose metadata is listed
    attributes: bool = True

    @classmethod
    def of(cls, projects: Iterable[str], domains: Iterable[str], launch_plan_pairs: Iterable[tuple[str, str]],
           workflows_metadata: Iterable[tuple[str, ...]], described_launch_plan_pairs: Iterable[tuple[str, str]],
           attributes: bool = True) -> Scope:
        wanted = frozenset(projects)
        domains = list(domains)
        pairs = sorted({(p, d) for p in wanted for d in domains} | set(launch_plan_pairs))
        meta = sorted({(identifier_pb2.WORKFLOW, p, d) for p, d, *_ in workflows_metadata}
                      | {(identifier_pb2.LAUNCH_PLAN, p, d) for p, d in described_launch_plan_pairs})
        return cls(wanted, tuple(pairs), tuple(meta), attributes)

    @classmethod
    def of_request(cls, request: ObserveRequest) -> Scope:
        return cls.of(request.projects, request.domains, [(i.project, i.domain) for i in request.launch_plans],
                      request.workflows_metadata,
                      [(i.project, i.domain) for i in request.launch_plans if i.description], request.attributes)


@dataclass(frozen=True)
class FirstWave:
    """The reads of a ``Scope`` in flight (``start_first_wave``): they need no launch plan intent, so a
    caller starts them before building the intents and hands them to ``observe``."""

    scope: Scope
    calls_before: dict[str, int]  # the client's counters when the wave began
    projects: Future[list[Resource]]
    attributes: Future[list[Resource]] | None
    named: Future[list[tuple[tuple[int, str, str], list[common_pb2.NamedEntity]]]]
    actives: Future[list[list[launch_plan_pb2.LaunchPlan]]]


def start_first_wave(client: Any, pool: Executor, scope: Scope, workers: int = DEFAULT_CONCURRENCY) -> FirstWave:
    """Submit the scope's reads to ``pool`` (four tasks) and return at once."""
    return FirstWave(
        scope=scope,
        calls_before=dict(client.calls),
        projects=pool.submit(_projects, client, set(scope.projects)),
        attributes=pool.submit(_attributes, client, set(scope.projects), workers) if scope.attributes else None,
        named=pool.submit(_named_all, client, list(scope.meta_pairs), workers),
        actives=pool.submit(_actives, client, list(scope.pairs), workers),
    )


def observe(client: Any, request: ObserveRequest, wave: FirstWave | None = None) -> Observation:
    """Read everything one plan needs (see the module docstring for the calls made). ``wave``: the first
    wave, already started for exactly this request's scope."""
    workers = request.concurrency
    scope = Scope.of_request(request)
    if wave is not None and wave.scope != scope:
        raise ValueError("the first wave was started for another scope than this request's")

    with ThreadPoolExecutor(max_workers=6) as pool:
        if wave is None:
            wave = start_first_wave(client, pool, scope, workers)
        calls_before = wave.calls_before
        f_projects, f_attrs, f_named, f_actives = wave.projects, wave.attributes, wave.named, wave.actives
        latest_refs = sorted({i.workflow for i in request.launch_plans if i.workflow[3] == "latest"})
        f_latest = pool.submit(_pmap, lambda r: _resolve_latest(client, r), latest_refs, workers)
        # While the reads wait on Admin: the content versions (pure CPU) of launch plans not on `latest`.
        early = {i.address: i.pinned_version or derive_version(i.spec, i.workflow) for i in request.launch_plans
                 if i.pinned_version or i.workflow[3] != "latest"}
        # Inactive and pinned launch plans: their desired version is (usually) not among the active ones,
        # so it is looked up in this first wave, alongside the rest, instead of in a second round.
        looked_up = sorted({(i.project, i.domain, i.name, early[i.address]) for i in request.launch_plans
                            if i.address in early and (not i.active or i.pinned_version)})
        # A pinned version is compared with the spec it would be built to: its workflow is read now too,
        # and the workflow's default launch plan (same name and version) joins the launch plans looked
        # up above: one filtered ListLaunchPlans per project-domain serves both.
        pinned_refs = sorted({i.workflow for i in request.launch_plans if i.pinned_version
                              and i.workflow[3] != "latest" and i.workflow not in request.pending_workflows})
        f_looked_up = pool.submit(_registered_launch_plans, client, sorted({*looked_up, *pinned_refs}), workers)
        f_pinned_infos = pool.submit(_workflow_infos, client, pinned_refs, workers, defaults=False)
        actives = f_actives.result()
        resources: list[Resource] = list(f_projects.result())
        if f_attrs is not None:
            resources += f_attrs.result()
        named = dict(f_named.result())

    active_by_name: dict[str, list[launch_plan_pb2.LaunchPlan]] = {}
    active_versions: dict[str, set[str]] = {}
    for plans in actives:
        for plan in plans:
            plan_id = plan.id
            address = launch_plan_address(plan_id.project, plan_id.domain, plan_id.name)
            active_by_name.setdefault(address, []).append(plan)
            active_versions.setdefault(address, set()).add(plan_id.version)
    lp_descriptions: dict[str, str] = {}
    for (resource_type, project, domain), entities in named.items():
        for entity in entities:
            if resource_type == identifier_pb2.WORKFLOW:
                if (project, domain, entity.id.name) in request.workflows_metadata:
                    resources.append(Resource(workflow_address(project, domain, entity.id.name),
                                              named_entity_body(entity)))
            else:
                lp_descriptions[launch_plan_address(project, domain, entity.id.name)] = entity.metadata.description

    # Resolve desired versions (latest workflow versions first, then content hashes).
    resolved: dict[str, str] = {}
    for ref, version in zip(latest_refs, f_latest.result(), strict=True):
        resolved[workflow_address(*ref[:3])] = version

    def workflow_ref(intent: LaunchPlanIntent) -> tuple[str, str, str, str]:
        p, d, n, v = intent.workflow
        return (p, d, n, resolved[workflow_address(p, d, n)] if v == "latest" else v)

    versions = {i.address: early[i.address] if i.address in early else derive_version(i.spec, workflow_ref(i))
                for i in request.launch_plans}
    # Spec bodies of active versions matter only where the plan compares or shows them: a new version
    # to register (the diff against the active one), a pinned version, an unmanaged launch plan (export).
    # A managed launch plan whose desired version is already active (the common, no-op case) needs none:
    # converting ~10k specs at scale was most of a no-op plan's CPU time.
    pinned = {i.address for i in request.launch_plans if i.pinned_version}
    versions_seen: dict[str, dict[str, Any]] = {}
    for address, plans in active_by_name.items():
        in_sync = (not request.all_specs and address in versions and address not in pinned
                   and versions[address] in active_versions[address])
        versions_seen[address] = {p.id.version: None if in_sync else launch_plan_spec_body(p.spec) for p in plans}
    registered = f_looked_up.result()
    asked_versions = set(looked_up)
    infos = {ref: WorkflowInfo.detached(info.id, info.interface, registered[ref].spec if ref in registered else None)
             for ref, info in f_pinned_infos.result().items()}
    for (project, domain, name, version), plan in registered.items():
        if (project, domain, name, version) not in asked_versions:
            continue  # a pinned workflow's default launch plan, read with them
        seen = versions_seen.setdefault(launch_plan_address(project, domain, name), {})
        if version not in seen:  # an active version keeps the body it has (none when in sync)
            seen[version] = launch_plan_spec_body(plan.spec)
    asked = asked_versions
    unseen = [(i.project, i.domain, i.name, versions[i.address]) for i in request.launch_plans
              if versions[i.address] not in versions_seen.get(i.address, {})
              and (i.project, i.domain, i.name, versions[i.address]) not in asked]
    for (project, domain, name, version), plan in _registered_launch_plans(client, unseen, workers).items():
        versions_seen.setdefault(launch_plan_address(project, domain, name), {})[version] = \
            launch_plan_spec_body(plan.spec)

    # Build specs only where needed: versions to register, and pinned versions to compare.
    to_build = [i for i in request.launch_plans
                if versions[i.address] not in versions_seen.get(i.address, {}) or i.pinned_version]
    refs = {workflow_ref(i) for i in to_build}
    infos.update(_workflow_infos(client, sorted(refs - set(request.pending_workflows) - set(infos)), workers))
    infos.update({r: request.pending_workflows[r] for r in refs & set(request.pending_workflows)})
    build_addresses = {i.address for i in to_build}  # a set: a list here made a first plan quadratic

    desired: list[Resource] = []
    for intent in request.launch_plans:
        ref = workflow_ref(intent)
        body: dict[str, Any] = {
            "version": versions[intent.address], "active": intent.active, "description": intent.description,
            "workflow": {"project": ref[0], "domain": ref[1], "name": ref[2], "version": ref[3]},
            "spec": None, "pinned": intent.pinned_version is not None}
        payload = None
        if ref in infos and intent.address in build_addresses:
            spec, spec_body = build_launch_plan_spec(intent.address, intent.spec, infos[ref], intent.source,
                                                     sources=intent.sources)
            body["spec"] = spec_body
            # The exact message, serialized: ~10x smaller than its protobuf-JSON dict and no conversion
            # either way (at 9,000 new versions the dicts were a quarter of the peak memory).
            payload = {"spec": base64.b64encode(spec.SerializeToString(deterministic=True)).decode("ascii")}
        desired.append(Resource(intent.address, body, payload=payload, source=intent.source))

    managed = {i.address for i in request.launch_plans}
    described = {a for a, d in lp_descriptions.items() if d}
    for address in sorted(set(active_by_name) | (managed & (set(versions_seen) | described))):
        resources.append(Resource(address, {
            "activeVersions": sorted(active_versions.get(address, ())),
            "description": lp_descriptions.get(address) or None,
            "versions": versions_seen.get(address, {})}))
    calls = {m: n - calls_before.get(m, 0) for m, n in client.calls.items() if n - calls_before.get(m, 0)}
    return Observation(actual=State.of(resources), desired_launch_plans=desired, resolved=resolved,
                       calls=dict(sorted(calls.items())))


def observe_addresses(client: Any, addresses: Iterable[str], *, concurrency: int = DEFAULT_CONCURRENCY) -> State:
    """Re-read only what the given addresses need (for a saved plan's staleness check).

    Bodies have the same shape as ``observe``'s: projects (archived ones too), launch plans (active
    versions with their specs and the live description; present when a version is active or a
    description is set), workflow metadata and attribute rows. Absent objects are simply missing.
    Calls: one ListProjects, one ListActiveLaunchPlans and one ListNamedEntities per project-domain
    of the launch plans and workflows asked for, one ListMatchableAttributes per attribute type asked
    for. Backfill addresses are not read here (see ``executions.backfill_runs``).
    """
    wanted = sorted(set(addresses))
    parsed = [Address.parse(a) for a in wanted]
    projects = {a.project for a in parsed if a.kind == "project"}
    lp_pairs = sorted({(a.project, str(a.domain)) for a in parsed if a.kind == "launchplan"})
    wf_names = {(a.project, str(a.domain), str(a.name)) for a in parsed if a.kind == "workflow"}
    attr_types = sorted({str(a.attr_type) for a in parsed if a.kind == "attributes"})
    attr_projects = {a.project for a in parsed if a.kind == "attributes"}
    named_args = sorted({(identifier_pb2.LAUNCH_PLAN, p, d) for p, d in lp_pairs}
                        | {(identifier_pb2.WORKFLOW, p, d) for p, d, _ in wf_names})

    def projects_listed() -> list[Resource]:
        if not projects:
            return []
        listed = paginate(client, "ListProjects", lambda token: project_pb2.ProjectListRequest(
            limit=PAGE_SIZE, token=token, filters=f"value_in(identifier,{';'.join(sorted(projects))})",
            sort_by=common_pb2.Sort(key="identifier", direction=common_pb2.Sort.ASCENDING)), "projects")
        return [Resource(project_address(p.id), project_body(p)) for p in listed if p.id in projects]

    with ThreadPoolExecutor(max_workers=3) as pool:
        f_projects = pool.submit(projects_listed)
        f_attrs = pool.submit(_attributes, client, attr_projects, concurrency, attr_types)
        f_named = pool.submit(_named_all, client, named_args, concurrency)
        actives = dict(zip(lp_pairs, _actives(client, lp_pairs, concurrency), strict=True))
        resources = [*f_projects.result(), *f_attrs.result()]
        named = dict(f_named.result())

    for (resource_type, project, domain), entities in named.items():
        if resource_type != identifier_pb2.WORKFLOW:
            continue
        resources += [Resource(workflow_address(project, domain, e.id.name), named_entity_body(e))
                      for e in entities if (project, domain, e.id.name) in wf_names]
    for project, domain in lp_pairs:
        descriptions = {e.id.name: e.metadata.description
                        for e in named.get((identifier_pb2.LAUNCH_PLAN, project, domain), [])}
        by_name: dict[str, list[launch_plan_pb2.LaunchPlan]] = {}
        for plan in actives[(project, domain)]:
            by_name.setdefault(plan.id.name, []).append(plan)
        for name in set(by_name) | {n for n, d in descriptions.items() if d}:
            plans = by_name.get(name, [])
            resources.append(Resource(launch_plan_address(project, domain, name), {
                "activeVersions": sorted(p.id.version for p in plans),
                "description": descriptions.get(name) or None,
                "versions": {p.id.version: launch_plan_spec_body(p.spec) for p in plans}}))
    wanted_set = set(wanted)
    return State.of([r for r in resources if r.address in wanted_set])
