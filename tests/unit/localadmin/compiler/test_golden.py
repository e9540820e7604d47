"""The compiler alone against the golden cases: what flyteadmin's CreateWorkflow does around it is replayed
here (requirements, task and launch-plan lookups among the case's dependencies, the error wrapper), so the
closure or error can be compared with what a real flyteadmin v1.16.8 returned (normalisation: golden.py)."""

from __future__ import annotations

import pytest
from flyteidl.admin import workflow_pb2
from flyteidl.core import identifier_pb2

from reconciler.localadmin.compiler import (
    CompileErrors,
    compile_workflow,
    go_text,
    workflow_requirements,
)
from tests.unit.localadmin.compiler import golden


class Missing(Exception):
    pass


def _missing(kind: str, ident: identifier_pb2.Identifier) -> Missing:
    bare = identifier_pb2.Identifier(project=ident.project, domain=ident.domain, name=ident.name,
                                     version=ident.version)
    return Missing(f"missing entity of type {kind} with identifier {go_text(bare)}")


def replay(case: str) -> workflow_pb2.WorkflowClosure:
    """CreateWorkflow of the case's request after its dependencies; raises Missing or CompileErrors."""
    request = golden.request(case)
    template = request.spec.template
    template.id.CopyFrom(request.id)
    tasks, plans = golden.registered(case)
    task_ids, plan_ids = workflow_requirements(template, request.spec.sub_workflows)
    for ident in task_ids:
        if ident.name not in tasks:
            raise _missing("TASK", ident)
    for ident in plan_ids:
        if ident.name not in plans:
            raise _missing("LAUNCH_PLAN", ident)
    closure = compile_workflow(template, request.spec.sub_workflows, [tasks[i.name] for i in task_ids],
                               [plans[i.name] for i in plan_ids])
    return workflow_pb2.WorkflowClosure(compiled_workflow=closure)


@pytest.mark.parametrize("case", golden.valid_cases())
def test_valid_case_compiles_to_the_golden_closure(case: str) -> None:
    assert golden.closure_json(replay(case)) == golden.golden_closure(case)


@pytest.mark.parametrize("case", golden.invalid_cases())
def test_invalid_case_is_refused_as_flyteadmin_does(case: str) -> None:
    request = golden.request(case)
    with pytest.raises((CompileErrors, Missing)) as caught:
        replay(case)
    message = f"failed to compile workflow for [{go_text(request.id)}] with err: {caught.value}"
    expected = golden.golden_error(case)
    assert expected["code"] == "INVALID_ARGUMENT"
    assert golden.normalise_message(message) == golden.normalise_message(expected["message"])
