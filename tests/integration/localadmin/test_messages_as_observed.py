"""Error answers as a running flyteadmin v1.16.8 gave them (behaviour §11), over gRPC."""

from __future__ import annotations

import grpc
from core_helpers import D, P, error, ident, lp_id, seeded
from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub


def test_not_found_names_the_identifier_in_go_text_without_its_type(fresh_stub: AdminServiceStub) -> None:
    stub = seeded(fresh_stub)
    missing = error(stub.GetLaunchPlan, common_pb2.ObjectGetRequest(id=lp_id("nope", "v9")))
    assert (missing.code(), missing.details()) == (
        grpc.StatusCode.NOT_FOUND,
        f'missing entity of type LAUNCH_PLAN with identifier project:"{P}" domain:"{D}" name:"nope" version:"v9"')


def test_a_named_entity_description_over_300_characters_is_a_database_error(fresh_stub: AdminServiceStub) -> None:
    stub = seeded(fresh_stub)
    workflow = common_pb2.NamedEntityIdentifier(project=P, domain=D, name="wf.daily")

    def update(description: str) -> common_pb2.NamedEntityUpdateResponse:
        return stub.UpdateNamedEntity(common_pb2.NamedEntityUpdateRequest(
            resource_type=identifier_pb2.WORKFLOW, id=workflow,
            metadata=common_pb2.NamedEntityMetadata(description=description)))

    update("é" * 300)  # characters, not bytes: 600 bytes fit a varchar(300)
    refused = error(update, "x" * 301)
    assert (refused.code(), refused.details()) == (
        grpc.StatusCode.UNKNOWN, "failed database operation with value too long for type character varying(300)")
    got = stub.GetNamedEntity(common_pb2.NamedEntityGetRequest(resource_type=identifier_pb2.WORKFLOW, id=workflow))
    assert got.metadata.description == "é" * 300



def test_a_single_task_execution_creates_the_flytegen_workflow_and_launch_plan(fresh_stub: AdminServiceStub) -> None:
    from core_helpers import integer, string
    from flyteidl.admin import execution_pb2
    from flyteidl.core import literals_pb2

    stub = seeded(fresh_stub)
    task = ident(identifier_pb2.TASK, "t.one")
    when = literals_pb2.Literal()
    when.scalar.primitive.datetime.FromSeconds(1_700_000_000)
    inputs = literals_pb2.LiteralMap(literals={"run_date": when, "limit": integer(1), "region": string("eu")})
    for name in ("single-1", "single-2"):  # the second finds them registered already
        stub.CreateExecution(execution_pb2.ExecutionCreateRequest(
            project=P, domain=D, name=name, inputs=inputs, spec=execution_pb2.ExecutionSpec(launch_plan=task)))
    execution = stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(
        id=identifier_pb2.WorkflowExecutionIdentifier(project=P, domain=D, name="single-1")))
    assert (execution.closure.workflow_id.name, execution.closure.workflow_id.version) == (".flytegen.t.one", "v1")
    listing = common_pb2.ResourceListRequest(id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=10)
    assert ".flytegen.t.one" in {w.id.name for w in stub.ListWorkflows(listing).workflows}
    assert ".flytegen.t.one" in {p.id.name for p in stub.ListLaunchPlans(listing).launch_plans}
    hidden = stub.ListNamedEntities(common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, project=P, domain=D, limit=10))
    assert ".flytegen.t.one" not in {e.id.name for e in hidden.entities}  # system-generated: not listed
