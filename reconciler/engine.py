"""One run's flow: manifests → observe Admin → desired state → pure plan; and the saved-plan check.

This is the only place that joins the three layers: it loads and validates manifests (offline),
asks the admin edge to observe exactly what the manifests and the managed scope need, and hands
two read-only states to the pure planner. Nothing here renders or prints.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from reconciler.admin import package_observe
from reconciler.admin.executions import backfill_runs
from reconciler.admin.observe import LaunchPlanIntent, ObserveRequest, Scope, observe, start_first_wave
from reconciler.admin.runs import RunIntent, desired_runs, observe_runs
from reconciler.collector import long_lived_heap
from reconciler.errors import StalePlanError
from reconciler.manifests import LoadedManifests
from reconciler.manifests.desired import simple_resources
from reconciler.manifests.lines import FieldSources
from reconciler.model.address import Address
from reconciler.model.state import Resource, State, kind_of, launch_plan_address
from reconciler.plan.builder import build_plan
from reconciler.plan.fingerprint import fingerprints, stale_addresses
from reconciler.plan.model import Plan
from reconciler.plan.options import DEFAULT_MAX_DELETIONS, PlanOptions, Prune
from reconciler.plan.sources import file_digests
from reconciler.plan.target import PlannedTarget


@dataclass(frozen=True)
class Selection:
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    max_deletions: int = DEFAULT_MAX_DELETIONS


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True, by_alias=True)


def managed_scope(loaded: LoadedManifests) -> tuple[frozenset[str], frozenset[str]]:
    """Projects: those declared or named by any manifest, plus the configured scope; domains: the
    configured scope, else every configured domain."""
    config = loaded.config
    projects = {Address.parse(doc.address).project for doc in loaded.documents}
    projects |= set(config.scope.projects)
    domains = set(config.scope.domains) or set(config.domains)
    return frozenset(projects), frozenset(domains)


def plan_options(loaded: LoadedManifests, selection: Selection) -> PlanOptions:
    projects, domains = managed_scope(loaded)
    prune = loaded.config.prune
    return PlanOptions(
        projects=projects,
        domains=domains,
        prune=Prune(
            projects=prune.projects,
            launch_plans=prune.launchPlans,
            attributes=prune.attributes,
            workflows=prune.workflows,
            backfills=prune.backfills,
            runs=prune.runs,
        ),
        targets=selection.targets,
        excludes=selection.excludes,
        max_deletions=selection.max_deletions,
    )


def _field_sources(doc: Any, spec: dict[str, Any]) -> FieldSources:
    """``file:line`` of the launch plan fields a plan-time input check can fail on (located when asked)."""
    paths: list[tuple[str, ...]] = [(field, name) for field in ("fixedInputs", "defaultInputs")
                                    for name in spec.get(field) or {}]
    paths += [("schedule",), ("schedule", "kickoffTimeInput")]
    return FieldSources(doc, {".".join(path): ("spec", *path) for path in paths})


def launch_plan_intents(loaded: LoadedManifests, package_versions: dict[tuple[str, str, str], str] | None = None
                        ) -> list[LaunchPlanIntent]:
    """``package_versions``: (project, domain, package) → version, for launch plans running a package's workflow."""
    intents = []
    for doc in loaded.documents:
        if doc.kind != "LaunchPlan":
            continue
        meta, spec = doc.model.metadata, _dump(doc.model.spec)
        workflow = spec.get("workflow", {})
        ref = (workflow.get("project", meta.project), workflow.get("domain", meta.domain), workflow["name"],
               str(workflow.get("version", "latest")))
        if workflow.get("package"):  # the version the package registers, resolved at plan time
            ref = (meta.project, meta.domain, workflow["name"],
                   (package_versions or {})[(meta.project, meta.domain, workflow["package"])])
        intents.append(LaunchPlanIntent(
            address=launch_plan_address(meta.project, meta.domain, meta.name),
            project=meta.project,
            domain=meta.domain,
            name=meta.name,
            workflow=ref,
            spec=spec,
            pinned_version=spec.get("version"),
            active=bool(spec.get("active", True)),
            description=spec.get("description"),
            source=doc.source,
            sources=_field_sources(doc, spec),
        ))
    return intents


def observe_request(loaded: LoadedManifests, options: PlanOptions,
                    packages: list[package_observe.PlannedPackage] | None = None) -> ObserveRequest:
    parsed = [Address.parse(doc.address) for doc in loaded.documents if doc.kind == "Workflow"]
    workflows: set[tuple[str, ...]] = {(a.project, str(a.domain), str(a.name)) for a in parsed}
    return ObserveRequest(
        projects=sorted(options.projects),
        domains=sorted(options.domains),
        launch_plans=launch_plan_intents(loaded, package_observe.versions(packages or [])),
        workflows_metadata=workflows,
        attributes=True,
        pending_workflows=package_observe.pending_workflows(packages or []),
    )


def backfill_resources(loaded: LoadedManifests) -> list[Resource]:
    """Desired backfills, each with the schedule, labels and annotations of the launch plan its manifest
    names (every run carries those labels: Admin would otherwise drop them for the run)."""
    launch_plans = {d.address: d for d in loaded.documents if d.kind == "LaunchPlan"}
    resources = []
    for doc in loaded.documents:
        if doc.kind != "Backfill":
            continue
        meta, spec = doc.model.metadata, doc.model.spec.model_dump(mode="json", by_alias=True)
        lp = launch_plans[launch_plan_address(meta.project, meta.domain, spec["launchPlan"])]
        schedule = lp.model.spec.schedule.model_dump(mode="json", exclude_none=True) if lp.model.spec.schedule else {}
        run_metadata = {"launchPlanLabels": dict(lp.model.spec.labels or {}),
                        "launchPlanAnnotations": dict(lp.model.spec.annotations or {})}
        resources.append(Resource(doc.address, {**spec, "schedule": schedule, **run_metadata}, source=doc.source))
    return resources


def run_intents(loaded: LoadedManifests) -> list[RunIntent]:
    intents = []
    for doc in loaded.documents:
        if doc.kind != "Run":
            continue
        spec = doc.model.spec.model_dump(mode="json", by_alias=True)
        sources = {f"spec.{path}": f"{doc.file}:{doc.line_of(('spec', *path.split('.')))}"
                   for path in ("launchPlan", "workflow", "task", "inputs", "task.version", "workflow.version",
                                "launchPlan.version")}
        sources |= {f"spec.inputs.{key}": f"{doc.file}:{doc.line_of(('spec', 'inputs', key))}"
                    for key in spec.get("inputs") or {}}
        intents.append(RunIntent(address=doc.address, spec=spec, source=doc.source, sources=sources))
    return intents


def run_pairs(loaded: LoadedManifests, options: PlanOptions) -> set[tuple[str, str]]:
    """Project-domains whose Run executions are read: those with Runs, and with ``prune.runs`` the whole
    managed scope (to find executions of Runs removed from the manifests)."""
    parsed = [Address.parse(doc.address) for doc in loaded.documents if doc.kind == "Run"]
    pairs = {(a.project, str(a.domain)) for a in parsed}
    if options.prune.runs:
        pairs |= {(p, d) for p in options.projects for d in options.domains}
    return pairs


def observe_backfills(client: Any, addresses: list[str]) -> list[Resource]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda a: backfill_runs(client, a), addresses))


def make_plan(loaded: LoadedManifests, client: Any, selection: Selection, *,
              environment: str | None = None, endpoint: str | None = None,
              target: PlannedTarget | None = None) -> Plan:
    """Plan against ``client``; ``target`` (what a saved plan is pinned to) is recorded as given."""
    with long_lived_heap():  # the loaded manifests live for the whole run
        plan, digests = _make_plan(loaded, client, selection, environment=environment, endpoint=endpoint)
    return plan.model_copy(update={"manifest_files": digests, "target": target})


def observe_scope(loaded: LoadedManifests, options: PlanOptions) -> Scope:
    """The first wave's scope, from the documents (what ``observe_request``'s intents would give)."""
    launch_plans = [(Address.parse(d.address), d.model.spec.description) for d in loaded.documents
                    if d.kind == "LaunchPlan"]
    workflows = [Address.parse(d.address) for d in loaded.documents if d.kind == "Workflow"]
    return Scope.of(options.projects, sorted(options.domains), [(a.project, str(a.domain)) for a, _ in launch_plans],
                    [(a.project, str(a.domain), str(a.name)) for a in workflows],
                    [(a.project, str(a.domain)) for a, described in launch_plans if described])


def _make_plan(loaded: LoadedManifests, client: Any, selection: Selection, *,
               environment: str | None, endpoint: str | None) -> tuple[Plan, dict[str, str]]:
    options = plan_options(loaded, selection)
    packages = package_observe.prepare(loaded.documents, client)
    backfills = backfill_resources(loaded)
    pairs = run_pairs(loaded, options)
    # The reads that need only the scope go out first; backfill runs are read alongside; the launch plan
    # intents, the desired side and the per-file digests are built while the reads wait on Admin.
    with ThreadPoolExecutor(max_workers=8) as pool:
        wave = start_first_wave(client, pool, observe_scope(loaded, options))
        f_runs = pool.submit(observe_backfills, client, [b.address for b in backfills])
        f_run_executions = pool.submit(observe_runs, client, pairs) if pairs else None
        request = observe_request(loaded, options, packages)
        f_observation = pool.submit(observe, client, request, wave)
        simple = simple_resources(loaded)
        # Per-file digests let `apply --plan FILE PATHS` name the files that moved since the review.
        digests = file_digests(loaded.documents)
        registered = package_observe.observe(client, packages)
        observation, runs = f_observation.result(), f_runs.result()
        run_executions = f_run_executions.result() if f_run_executions else []
    intents = run_intents(loaded)
    runs_wanted = desired_runs(client, intents, observation.desired_launch_plans) if intents else []
    desired = State.of([*simple, *observation.desired_launch_plans, *backfills, *runs_wanted,
                        *(package_observe.desired(p) for p in packages)])
    actual = State({**observation.actual.resources,
                    **{r.address: r for r in [*runs, *run_executions, *registered]}})
    return build_plan(
        desired, actual, options,
        manifests_digest=loaded.digest,
        resolved=observation.resolved,
        environment=environment,
        endpoint=endpoint,
        warnings=tuple(w.render() for w in loaded.warnings),
    ), digests


def check_fresh(plan: Plan, client: Any) -> None:
    """Re-read the objects a saved plan touches; refuse it (naming them) if any changed since."""
    addresses = sorted(plan.fingerprints)
    if not addresses:
        return
    parsed = [Address.parse(a) for a in addresses]
    request = ObserveRequest(
        projects=sorted({a.project for a in parsed}),
        domains=sorted({a.domain for a in parsed if a.domain}),
        launch_plans=[],
        workflows_metadata={(a.project, str(a.domain), str(a.name)) for a in parsed if a.kind == "workflow"},
        attributes=any(a.kind == "attributes" for a in parsed),
    )
    actual = observe(client, request).actual
    runs = observe_backfills(client, [a for a in addresses if kind_of(a) == "backfill"])
    runs += package_observe.observe_planned(client, plan.actions)
    run_pairs_ = {(a.project, str(a.domain)) for a in parsed if a.kind == "run"}
    runs += observe_runs(client, run_pairs_) if run_pairs_ else []
    actual = State({**actual.resources, **{r.address: r for r in runs}})
    changed = stale_addresses(plan.fingerprints, fingerprints(actual, addresses))
    if changed:
        raise StalePlanError(changed)
