"""CreateWorkflow's compile step as flyteadmin's workflow manager runs it around flytepropeller's compiler.

The spec's requirements first (a missing sub-workflow is a compile error), then every required task and launch
plan loaded from the store (a missing one stops there with the lookup's message), then the compiler. Every
failure is INVALID_ARGUMENT ``failed to compile workflow for [<id>] with err: <detail>``.

flyteadmin also keeps the interface *as sent* (its ``typed_interface`` column): ListWorkflows and
CreateLaunchPlan read that one, not the compiled template's (which has empty input/output maps filled in).
"""

from __future__ import annotations

import sqlite3

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, interface_pb2

from reconciler.localadmin.compiler import (
    CompileErrors,
    LaunchPlanInterface,
    compile_workflow,
    go_text,
    workflow_requirements,
)
from reconciler.localadmin.service.status import AdminStatusError, invalid

SCHEMA = """
CREATE TABLE IF NOT EXISTS workflow_interfaces (
    project TEXT, domain TEXT, name TEXT, version TEXT, interface BLOB NOT NULL,
    PRIMARY KEY (project, domain, name, version));
"""
_KEY = "project=? AND domain=? AND name=? AND version=?"


def _key(ident: identifier_pb2.Identifier) -> tuple[str, str, str, str]:
    return ident.project, ident.domain, ident.name, ident.version


def _missing(kind: str, ident: identifier_pb2.Identifier) -> str:
    bare = identifier_pb2.Identifier(project=ident.project, domain=ident.domain, name=ident.name,
                                     version=ident.version)  # the lookup prints it without resource_type
    return f"missing entity of type {kind} with identifier {go_text(bare)}"


def _failed(request: workflow_pb2.WorkflowCreateRequest, detail: object) -> AdminStatusError:
    return invalid(f"failed to compile workflow for [{go_text(request.id)}] with err: {detail}")


def compile_request(conn: sqlite3.Connection, request: workflow_pb2.WorkflowCreateRequest
                    ) -> compiler_pb2.CompiledWorkflowClosure:
    """The closure flyteadmin stores for ``request`` (whose ``spec.template.id`` is already the request id)."""
    spec = request.spec
    try:
        task_ids, plan_ids = workflow_requirements(spec.template, spec.sub_workflows)
    except CompileErrors as errs:
        raise _failed(request, errs) from None
    tasks = []
    for ident in task_ids:
        row = conn.execute(f"SELECT blob FROM tasks WHERE {_KEY}", _key(ident)).fetchone()
        if row is None:
            raise _failed(request, _missing("TASK", ident))
        tasks.append(task_pb2.Task.FromString(row["blob"]).closure.compiled_task)
    plans = []
    for ident in plan_ids:
        row = conn.execute(f"SELECT blob FROM launch_plans WHERE {_KEY}", _key(ident)).fetchone()
        if row is None:
            raise _failed(request, _missing("LAUNCH_PLAN", ident))
        closure = launch_plan_pb2.LaunchPlan.FromString(row["blob"]).closure
        plans.append(LaunchPlanInterface(
            ident, closure.expected_inputs if closure.HasField("expected_inputs") else None,
            closure.expected_outputs if closure.HasField("expected_outputs") else None))
    try:
        return compile_workflow(spec.template, spec.sub_workflows, tasks, plans)
    except CompileErrors as errs:
        raise _failed(request, errs) from None


def store_sent_interface(conn: sqlite3.Connection, request: workflow_pb2.WorkflowCreateRequest) -> None:
    conn.execute("INSERT OR REPLACE INTO workflow_interfaces VALUES (?,?,?,?,?)",
                 (*_key(request.id), request.spec.template.interface.SerializeToString()))


def sent_interface(conn: sqlite3.Connection, workflow: workflow_pb2.Workflow) -> interface_pb2.TypedInterface:
    """The workflow's interface as it was sent (the compiled one for workflows stored before it was kept)."""
    row = conn.execute(f"SELECT interface FROM workflow_interfaces WHERE {_KEY}", _key(workflow.id)).fetchone()
    if row is None:
        return workflow.closure.compiled_workflow.primary.template.interface  # type: ignore[no-any-return]
    return interface_pb2.TypedInterface.FromString(row["interface"])
