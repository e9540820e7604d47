"""Runs at the I/O edge: observe their executions, resolve what they launch, and write.

Observe: one filtered, paged ListExecutions per project-domain (all Run executions of that project-domain
at once, never one Get per run), kept when the name has a run's shape and the execution carries the run
label; then a GetExecution only for a failed execution whose error message the list may have cut.

Resolve (``desired_runs``): per Run, the entity it executes (a launch plan version; a workflow's default
launch plan; a task) and its interface, then every input converted to a literal by interface type, as
launch plan inputs are, so a wrong type stops the plan before any write, naming file:line and field.
The exact ExecutionSpec and LiteralMap go into the plan (base64), so a saved plan launches what it showed.

Write (``RunWriter``): CreateExecution under the deterministic name; ALREADY_EXISTS is success once the
existing execution is checked to carry this run's label (another execution by that name is an error).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from flyteidl.admin import cluster_assignment_pb2, common_pb2, execution_pb2, launch_plan_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, security_pb2
from google.protobuf import wrappers_pb2
from google.protobuf.message import DecodeError

from reconciler.admin.literals import LiteralError, literal_to_value, to_literal, type_name
from reconciler.admin.pages import PAGE_SIZE
from reconciler.errors import AlreadyExistsError, NotFoundError, PlanError
from reconciler.model.address import Address, launch_plan_address, run_address
from reconciler.model.state import Resource, State
from reconciler.plan.run_names import (
    LABEL_GENERATION,
    LABEL_RUN,
    LABEL_SPEC,
    PREFIX,
    RESERVED_LABEL_PREFIX,
    is_run_execution,
    labels,
    spec_digest,
)

RESOLVE_CONCURRENCY = 8
_PHASE = core_execution_pb2.WorkflowExecution.Phase
_ERROR_KIND = core_execution_pb2.ExecutionError.ErrorKind
_FAILED = {"FAILED", "TIMED_OUT"}
# ListExecutions cuts error messages to 100 bytes (flyteadmin's list transformer; a cut inside a UTF-8
# character drops it): a shorter message may have been cut, a message well below that is whole.
_LISTED_MESSAGE_BYTES = 96


@dataclass(frozen=True)
class RunIntent:
    """A Run manifest, as the engine hands it over: ``spec`` is the manifest spec (camelCase, JSON);
    ``sources`` maps field paths (``spec.inputs.limit``) to ``file:line``."""

    address: str
    spec: dict[str, Any]
    source: str
    sources: dict[str, str] = field(default_factory=dict)

    def where(self, path: str) -> str:
        return f"{self.sources.get(path, self.source)}: Run {self.address}: {path}"


# -- observe ---------------------------------------------------------------------------------------
def _list_request(project: str, domain: str) -> Any:
    return lambda token: common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain), limit=PAGE_SIZE, token=token,
        filters=f"contains(execution_name,{PREFIX})",
        sort_by=common_pb2.Sort(key="execution_name", direction=common_pb2.Sort.ASCENDING))


def _error(client: Any, execution: Any) -> dict[str, Any] | None:
    if _PHASE.Name(execution.closure.phase) not in _FAILED:
        return None
    error = execution.closure.error
    if len(error.message.encode()) < _LISTED_MESSAGE_BYTES:  # the list did not cut it: no extra call
        return {"kind": _ERROR_KIND.Name(error.kind), "code": error.code, "message": error.message}
    full = client.call("GetExecution", execution_pb2.WorkflowExecutionGetRequest(id=execution.id),
                       target=f"execution/{execution.id.project}/{execution.id.domain}/{execution.id.name}")
    error = full.closure.error
    return {"kind": _ERROR_KIND.Name(error.kind), "code": error.code, "message": error.message}


def observe_runs(client: Any, pairs: Iterable[tuple[str, str]], *, concurrency: int = 32) -> list[Resource]:
    """Every Run execution in these project-domains, grouped by the run's address."""
    pairs = sorted(set(pairs))
    listed = client.list_all("ListExecutions", [(f"{p}/{d}", _list_request(p, d)) for p, d in pairs],
                             "executions", concurrency=concurrency)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for executions in listed:
        for execution in executions:
            values = execution.spec.labels.values
            if not is_run_execution(execution.id.name) or LABEL_RUN not in values:
                continue
            try:
                address = run_address(execution.id.project, execution.id.domain, values[LABEL_RUN])
                generation = int(values.get(LABEL_GENERATION, "0"))
            except ValueError:
                continue  # a label someone else wrote: not one of ours
            grouped.setdefault(address, []).append({
                "name": execution.id.name, "generation": generation, "phase": _PHASE.Name(execution.closure.phase),
                "specDigest": values.get(LABEL_SPEC, ""), "error": _error(client, execution)})
    return [Resource(address, {"executions": sorted(runs, key=lambda r: (r["generation"], r["name"]))})
            for address, runs in sorted(grouped.items())]


# -- resolve ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Entity:
    ident: identifier_pb2.Identifier  # LAUNCH_PLAN or TASK: what ExecutionSpec.launch_plan names
    expected: Any  # ParameterMap.parameters
    fixed: frozenset[str] = frozenset()


def _newest(client: Any, method: str, items: str, project: str, domain: str, name: str) -> str | None:
    response = client.call(method, common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=project, domain=domain, name=name), limit=1,
        sort_by=common_pb2.Sort(key="created_at", direction=common_pb2.Sort.DESCENDING)),
        target=f"{project}/{domain}/{name}")
    found = getattr(response, items)
    return found[0].id.version if found else None


def _launch_plan(client: Any, ident: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan | None:
    return client.try_call("GetLaunchPlan", common_pb2.ObjectGetRequest(id=ident),
                           target=f"{launch_plan_address(ident.project, ident.domain, ident.name)}@{ident.version}")


def _of_launch_plan(plan: launch_plan_pb2.LaunchPlan) -> _Entity:
    return _Entity(plan.id, plan.closure.expected_inputs.parameters, frozenset(plan.spec.fixed_inputs.literals))


def _resolve(client: Any, intent: RunIntent, declared: dict[str, Resource]) -> _Entity:
    parsed = Address.parse(intent.address)
    project, domain = parsed.project, str(parsed.domain)
    spec = intent.spec
    via = next(k for k in ("launchPlan", "workflow", "task") if spec.get(k))
    ref = spec[via]
    name, version = ref["name"], ref.get("version")
    ident = identifier_pb2.Identifier(project=project, domain=domain, name=name)
    if via == "task":
        version = version or _newest(client, "ListTasks", "tasks", project, domain, name)
        if version is None:
            raise PlanError(f"{intent.where('spec.task')}: task {name!r} is not registered in {project}/{domain}",
                            hint="register it first (pyflyte register) or fix spec.task.name")
        ident.resource_type, ident.version = identifier_pb2.TASK, version
        try:
            task = client.call("GetTask", common_pb2.ObjectGetRequest(id=ident), target=f"task {name}@{version}")
        except NotFoundError as exc:
            raise PlanError(f"{intent.where('spec.task.version')}: task {name}@{version} is not registered") from exc
        variables = task.closure.compiled_task.template.interface.inputs.variables
        # A single-task execution has every task input as a required parameter (flyteadmin's .flytegen plan).
        return _Entity(ident, {k: interface_pb2.Parameter(var=v, required=True) for k, v in variables.items()})
    ident.resource_type = identifier_pb2.LAUNCH_PLAN
    if via == "workflow":
        version = version or _newest(client, "ListWorkflows", "workflows", project, domain, name)
        if version is None:
            raise PlanError(f"{intent.where('spec.workflow')}: workflow {name!r} is not registered in "
                            f"{project}/{domain}", hint="register it first (pyflyte register) or fix spec.workflow")
        ident.version = version
        plan = _launch_plan(client, ident)
        if plan is None:
            raise PlanError(f"{intent.where('spec.workflow')}: workflow {name}@{version} has no default launch plan "
                            "(a launch plan with the workflow's name and version)",
                            hint="register the workflow with pyflyte, which creates it, or run a launchPlan")
        return _of_launch_plan(plan)
    if version is None:
        lp = declared.get(launch_plan_address(project, domain, name))
        if lp is not None:  # declared in the manifests: the version they make active
            ident.version = lp.body["version"]
            if lp.payload and lp.payload.get("spec"):  # registered by this very plan: its inputs are in the spec
                lp_spec = launch_plan_pb2.LaunchPlanSpec.FromString(base64.b64decode(lp.payload["spec"]))
                return _Entity(ident, lp_spec.default_inputs.parameters, frozenset(lp_spec.fixed_inputs.literals))
        else:
            try:
                active = client.call("GetActiveLaunchPlan", launch_plan_pb2.ActiveLaunchPlanRequest(
                    id=common_pb2.NamedEntityIdentifier(project=project, domain=domain, name=name)),
                    target=launch_plan_address(project, domain, name))
            except NotFoundError as exc:
                raise PlanError(f"{intent.where('spec.launchPlan')}: launch plan {name!r} has no active version",
                                hint="pin spec.launchPlan.version, or declare and activate the launch plan") from exc
            return _of_launch_plan(active)
    else:
        ident.version = version
    plan = _launch_plan(client, ident)
    if plan is None:
        raise PlanError(f"{intent.where('spec.launchPlan')}: launch plan {name}@{ident.version} is not registered",
                        hint="fix spec.launchPlan, or declare the launch plan in the manifests")
    return _of_launch_plan(plan)


def _inputs(intent: RunIntent, entity: _Entity, what: str) -> tuple[literals_pb2.LiteralMap, list[str]]:
    literal_map, errors = literals_pb2.LiteralMap(), []
    given = intent.spec.get("inputs") or {}
    for key, value in sorted(given.items()):
        where = intent.where(f"spec.inputs.{key}")
        if key not in entity.expected:
            known = ", ".join(sorted(entity.expected)) or "none"
            fixed = " (it is a fixed input of the launch plan)" if key in entity.fixed else ""
            errors.append(f"{where}: {what} has no input {key!r}{fixed} (its inputs: {known})")
            continue
        try:
            literal_map.literals[key].CopyFrom(to_literal(value, entity.expected[key].var.type, key))
        except LiteralError as exc:
            errors.append(f"{where}: {exc}")
    for key, param in sorted(entity.expected.items()):
        if param.required and not param.HasField("default") and key not in given:
            errors.append(f"{intent.where('spec.inputs')}: required input {key!r} "
                          f"({type_name(param.var.type)}) of {what} has no value")
    return literal_map, errors


def _execution_spec(intent: RunIntent, entity: _Entity, run_labels: dict[str, str]) -> execution_pb2.ExecutionSpec:
    spec = intent.spec
    out = execution_pb2.ExecutionSpec(
        launch_plan=entity.ident, metadata=execution_pb2.ExecutionMetadata(mode=execution_pb2.ExecutionMetadata.MANUAL),
        labels=common_pb2.Labels(values={**(spec.get("labels") or {}), **run_labels}),
        overwrite_cache=bool(spec.get("overwriteCache")))
    if spec.get("annotations"):
        out.annotations.values.update(spec["annotations"])
    if spec.get("serviceAccount") or spec.get("iamRole"):
        out.security_context.CopyFrom(security_pb2.SecurityContext(run_as=security_pb2.Identity(
            k8s_service_account=spec.get("serviceAccount") or "", iam_role=spec.get("iamRole") or "")))
    if spec.get("rawOutputDataPrefix"):
        out.raw_output_data_config.output_location_prefix = spec["rawOutputDataPrefix"]
    if spec.get("maxParallelism") is not None:
        out.max_parallelism = spec["maxParallelism"]
    if spec.get("interruptible") is not None:
        out.interruptible.CopyFrom(wrappers_pb2.BoolValue(value=spec["interruptible"]))
    if spec.get("envs"):
        for key, value in sorted(spec["envs"].items()):
            out.envs.values.add(key=key, value=str(value))
    if spec.get("clusterAssignment"):
        out.cluster_assignment.CopyFrom(cluster_assignment_pb2.ClusterAssignment(
            cluster_pool_name=spec["clusterAssignment"]["clusterPoolName"]))
    return out


def execution_view(spec: execution_pb2.ExecutionSpec, inputs: literals_pb2.LiteralMap) -> dict[str, Any]:
    """The readable form of what a launch sends: entity, inputs (as literals read back) and overrides.
    The plan shows it, and a saved plan is checked against it (``reconciler.admin.plan_payloads``)."""
    ident = spec.launch_plan
    overrides: dict[str, Any] = {}
    user_labels = {k: v for k, v in sorted(spec.labels.values.items()) if not k.startswith(RESERVED_LABEL_PREFIX)}
    run_as = spec.security_context.run_as
    for key, value in (("labels", user_labels), ("annotations", dict(sorted(spec.annotations.values.items()))),
                       ("serviceAccount", run_as.k8s_service_account), ("iamRole", run_as.iam_role),
                       ("rawOutputDataPrefix", spec.raw_output_data_config.output_location_prefix),
                       ("maxParallelism", spec.max_parallelism),
                       ("interruptible", spec.interruptible.value if spec.HasField("interruptible") else None),
                       ("overwriteCache", spec.overwrite_cache),
                       ("envs", {kv.key: kv.value for kv in sorted(spec.envs.values, key=lambda kv: kv.key)}),
                       ("clusterAssignment", {"clusterPoolName": spec.cluster_assignment.cluster_pool_name}
                        if spec.cluster_assignment.cluster_pool_name else None)):
        if value not in (None, "", 0, {}) or (key == "interruptible" and value is False):
            overrides[key] = value
    return {"entity": {"type": "task" if ident.resource_type == identifier_pb2.TASK else "launch_plan",
                       "project": ident.project, "domain": ident.domain, "name": ident.name,
                       "version": ident.version},
            "inputs": {k: literal_to_value(v) for k, v in sorted(inputs.literals.items())},
            "overrides": overrides}


def _desired(client: Any, intent: RunIntent, declared: dict[str, Resource]) -> tuple[Resource | None, list[str]]:
    try:
        entity = _resolve(client, intent, declared)
    except PlanError as exc:
        return None, [exc.message + (f" ({exc.hint})" if exc.hint else "")]
    spec = intent.spec
    via = next(k for k in ("launchPlan", "workflow", "task") if spec.get(k))
    ident = entity.ident
    what = f"{'task' if via == 'task' else 'launch plan'} {ident.name}@{ident.version}"
    literal_map, errors = _inputs(intent, entity, what)
    if errors:
        return None, errors
    digest = spec_digest(spec)
    run_labels = labels(intent.address, spec["generation"], digest)
    execution_spec = _execution_spec(intent, entity, run_labels)
    body = {"generation": spec["generation"], "onChange": spec["onChange"],
            "terminatePrevious": spec["terminatePrevious"], "specDigest": digest, "via": via,
            **execution_view(execution_spec, literal_map)}
    payload = {"spec": base64.b64encode(execution_spec.SerializeToString(deterministic=True)).decode("ascii"),
               "inputs": base64.b64encode(literal_map.SerializeToString(deterministic=True)).decode("ascii")}
    return Resource(intent.address, body, payload=payload, source=intent.source), []


def desired_runs(client: Any, intents: list[RunIntent], desired_launch_plans: Iterable[Resource]) -> list[Resource]:
    """Resolve every Run; raises one PlanError listing every problem of every run (nothing is written)."""
    declared = dict(State.of(list(desired_launch_plans)).resources)
    # One or two reads per run (the entity and its interface), in flight together.
    with ThreadPoolExecutor(max_workers=max(1, min(RESOLVE_CONCURRENCY, len(intents)))) as pool:
        outcomes = list(pool.map(lambda intent: _desired(client, intent, declared), intents))
    resources, errors = [], []
    for resource, problems in outcomes:
        errors += problems
        if resource is not None:
            resources.append(resource)
    if errors:
        raise PlanError("the Run manifests cannot be planned:\n  " + "\n  ".join(errors),
                        hint="fix these Run manifests; nothing was written")
    return resources


# -- write -----------------------------------------------------------------------------------------
class RunWriter:
    """Mixed into ``AdminWriter`` (it shares the client)."""

    client: Any

    def launch_run(self, project: str, domain: str, name: str, spec: str, inputs: str, run_label: str) -> None:
        request = execution_pb2.ExecutionCreateRequest(
            project=project, domain=domain, name=name,
            spec=execution_pb2.ExecutionSpec.FromString(base64.b64decode(spec, validate=True)),
            inputs=literals_pb2.LiteralMap.FromString(base64.b64decode(inputs, validate=True)))
        target = f"execution/{project}/{domain}/{name}"
        try:
            self.client.call("CreateExecution", request, target=target)
        except AlreadyExistsError:
            # Launched by an earlier, interrupted attempt or a concurrent apply — if it is ours.
            existing = self.client.call("GetExecution", execution_pb2.WorkflowExecutionGetRequest(
                id=identifier_pb2.WorkflowExecutionIdentifier(project=project, domain=domain, name=name)),
                target=target)
            if existing.spec.labels.values.get(LABEL_RUN) != run_label:
                raise PlanError(f"{target} already exists and is not an execution of run "
                                f"{run_address(project, domain, run_label)} (its label {LABEL_RUN} differs)",
                                hint="rename the Run (metadata.name) or bump spec.generation") from None


def run_payload_problems(plan: Any) -> list[str]:
    """Every ``launch_run`` of a saved plan whose serialized ExecutionSpec and inputs are not what it shows
    (entity, inputs, overrides) or do not carry its run label and generation (empty: all agree)."""
    from pydantic_core import to_jsonable_python

    problems = []
    for action in plan.actions:
        if action.type != "launch_run":
            continue
        try:
            spec = execution_pb2.ExecutionSpec.FromString(base64.b64decode(action.spec, validate=True))
            inputs = literals_pb2.LiteralMap.FromString(base64.b64decode(action.inputs, validate=True))
        except (ValueError, DecodeError) as exc:
            problems.append(f"{action.address}: the execution to launch cannot be decoded ({exc})")
            continue
        shown = to_jsonable_python({"execution": action.name, "generation": action.generation,
                                    **execution_view(spec, inputs)})
        if shown != action.after or shown["entity"] != action.entity:
            problems.append(f"{action.address}: the execution that would be launched ({action.name}) is not the one "
                            "the plan shows")
        values = spec.labels.values
        if (values.get(LABEL_RUN), values.get(LABEL_GENERATION)) != (action.run_label, str(action.generation)):
            problems.append(f"{action.address}: the execution's labels name another run or generation")
    return problems
