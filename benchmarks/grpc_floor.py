"""What one unary gRPC call costs the calling process, with nothing of the tool around it.

The floor under "tool CPU per write": the same write the first apply sends most
(``UpdateProjectDomainAttributes``), made with the generated stub alone, 32 calls in flight on one
channel as gRPC futures (the way the tool's client keeps calls in flight), against the embedded admin in
its own process. The figure is this process's CPU time (every thread, gRPC's own included) per call.

    python -m benchmarks.grpc_floor
"""

from __future__ import annotations

import queue
import tempfile
import time
from pathlib import Path

import grpc
from flyteidl.admin import matchable_resource_pb2, project_pb2
from flyteidl.admin import project_domain_attributes_pb2 as pda
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from benchmarks.admin import Admin

CALLS = 3000
IN_FLIGHT = 32


def _request(index: int) -> pda.ProjectDomainAttributesUpdateRequest:
    return pda.ProjectDomainAttributesUpdateRequest(attributes=pda.ProjectDomainAttributes(
        project="floor", domain=("development", "staging", "production")[index % 3],
        matching_attributes=matchable_resource_pb2.MatchingAttributes(
            execution_queue_attributes=matchable_resource_pb2.ExecutionQueueAttributes(tags=[f"q{index % 7}"]))))


def _calls(stub: AdminServiceStub, count: int) -> None:
    finished: queue.SimpleQueue[grpc.Future] = queue.SimpleQueue()
    sent = in_flight = 0
    while sent < count or in_flight:
        while sent < count and in_flight < IN_FLIGHT:
            future = stub.UpdateProjectDomainAttributes.future(_request(sent))
            future.add_done_callback(finished.put)
            sent, in_flight = sent + 1, in_flight + 1
        finished.get().result()
        in_flight -= 1


def grpc_floor() -> str:
    """One line: the client CPU of a bare unary write (median of three rounds)."""
    with tempfile.TemporaryDirectory(prefix="flyte-reconciler-floor-") as work:
        admin = Admin(Path(work) / "floor.db")
        admin.start(0)
        try:
            with grpc.insecure_channel(admin.address) as channel:
                stub = AdminServiceStub(channel)
                stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="floor",
                                                                                                  name="floor")))
                _calls(stub, 200)  # warm the channel
                rounds = []
                for _ in range(3):
                    started = time.process_time()
                    _calls(stub, CALLS)
                    rounds.append((time.process_time() - started) / CALLS * 1000)
        finally:
            admin.stop()
    rounds.sort()
    return (f"gRPC floor: a bare unary write with the generated stub costs this process {rounds[1]:.3f} ms of CPU "
            f"(median of 3 × {CALLS} calls, {IN_FLIGHT} in flight; best {rounds[0]:.3f} ms)")


if __name__ == "__main__":
    print(grpc_floor())
