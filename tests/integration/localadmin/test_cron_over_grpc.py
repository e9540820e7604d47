"""The embedded admin answers every schedule of the robfig/cron table as Flyte Admin does (over gRPC)."""

from __future__ import annotations

import grpc
from core_helpers import create_lp, error, fixed, integer, lp_request, seeded, string
from flyteidl.admin import launch_plan_pb2, schedule_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from tests.unit.manifests.test_cron_parse_standard import TABLE


def _metadata(cron: str) -> launch_plan_pb2.LaunchPlanMetadata:
    schedule = schedule_pb2.Schedule(kickoff_time_input_arg="run_date")
    schedule.cron_schedule.schedule = cron
    return launch_plan_pb2.LaunchPlanMetadata(schedule=schedule)


def test_every_row_of_the_table(fresh_stub: AdminServiceStub) -> None:
    stub = seeded(fresh_stub)
    bound = fixed(limit=integer(5), region=string("eu"))
    for number, (spec, expected) in enumerate(TABLE):
        version = f"c{number}"
        if expected is None or spec == "":  # an empty cron_schedule.schedule is never parsed (behaviour §3.1 g)
            create_lp(stub, version=version, fixed_inputs=bound, entity_metadata=_metadata(spec))
            continue
        rejected = error(stub.CreateLaunchPlan, lp_request(version=version, fixed_inputs=bound,
                                                           entity_metadata=_metadata(spec)))
        if expected.startswith("runtime error"):  # Go panics; the recovery interceptor answers INTERNAL, no text
            assert (rejected.code(), rejected.details()) == (grpc.StatusCode.INTERNAL, ""), spec
        else:
            assert (rejected.code(), rejected.details()) == (
                grpc.StatusCode.INVALID_ARGUMENT, f"Invalid cron expression: {expected}"), spec
