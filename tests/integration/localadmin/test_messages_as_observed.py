"""Error answers as a running flyteadmin v1.16.8 gave them (behaviour §11), over gRPC."""

from __future__ import annotations

import grpc
from core_helpers import D, P, error, lp_id, seeded
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

