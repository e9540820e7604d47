"""What an execution launches: a launch plan version, or a single task (flyteadmin-behaviour.md §6.2 step 3).

``resolve`` loads the referenced entity through the launch-plan/task store and returns the pieces
CreateExecution needs: the expected inputs (``closure.expected_inputs`` of the launch plan; for a task, every
interface input as a required parameter, as flyteadmin's single-task launch plan has), the fixed inputs, the
launch-plan spec (for execution-config fallbacks) and the workflow id. A launch plan's ACTIVE/INACTIVE
state does not matter. This module never writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from flyteidl.admin import launch_plan_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2

from reconciler.localadmin.executions import flytegen
from reconciler.localadmin.service import entities, launchplans


@dataclass(frozen=True)
class LaunchTarget:
    launch_entity: str  # "launch_plan" | "task" (the launch_entity column)
    expected_inputs: interface_pb2.ParameterMap
    fixed_inputs: literals_pb2.LiteralMap
    workflow_id: identifier_pb2.Identifier
    spec: launch_plan_pb2.LaunchPlanSpec = field(default_factory=launch_plan_pb2.LaunchPlanSpec)
    launch_plan_row: int | None = None
    workflow_row: int | None = None
    task_row: int | None = None


def resolve(conn: sqlite3.Connection, reference: identifier_pb2.Identifier) -> LaunchTarget:
    if reference.resource_type == identifier_pb2.TASK:
        return _task(conn, reference)
    plan = launchplans.load_launch_plan(conn, reference)  # NOT_FOUND: missing entity of type LAUNCH_PLAN …
    return LaunchTarget(launch_entity="launch_plan", expected_inputs=plan.closure.expected_inputs,
                        fixed_inputs=plan.spec.fixed_inputs, workflow_id=plan.spec.workflow_id,
                        spec=plan.spec)


def _task(conn: sqlite3.Connection, reference: identifier_pb2.Identifier) -> LaunchTarget:
    task = entities.load_task(conn, reference)  # NOT_FOUND: missing entity of type TASK …
    variables = task.closure.compiled_task.template.interface.inputs.variables
    expected = interface_pb2.ParameterMap(parameters={
        name: interface_pb2.Parameter(var=var, required=True) for name, var in variables.items()})
    # The workflow flyteadmin generated for the task (``flytegen.ensure`` registered it beforehand).
    return LaunchTarget(launch_entity="task", expected_inputs=expected,
                        fixed_inputs=literals_pb2.LiteralMap(), workflow_id=flytegen.workflow_id(task.id))
