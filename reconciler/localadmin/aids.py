"""Testing aids of the embedded admin, off by default: per-method call counters (always on, cheap),
injected latency per RPC, injected UNAVAILABLE with a seeded, deterministic sequence, lost replies, and
``no_cluster``: executions stored FAILED at creation, as by an Admin that cannot reach its cluster."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc

# Calls that change state; a run that must not write can assert these stayed at zero.
WRITE_METHODS = frozenset({
    "RegisterProject", "UpdateProject", "CreateTask", "CreateWorkflow", "CreateLaunchPlan", "UpdateLaunchPlan",
    "UpdateNamedEntity", "UpdateProjectAttributes", "UpdateProjectDomainAttributes", "UpdateWorkflowAttributes",
    "DeleteProjectAttributes", "DeleteProjectDomainAttributes", "DeleteWorkflowAttributes", "CreateExecution",
    "TerminateExecution", "RelaunchExecution", "RecoverExecution", "UpdateExecution",
})


@dataclass(frozen=True)
class Aids:
    latency_ms: float = 0.0
    unavailable_rate: float = 0.0
    seed: int = 0
    latency_jitter_ms: float = 0.0  # a seeded uniform extra delay in [0, jitter) per call
    # The call runs (and commits), then its reply is replaced by UNAVAILABLE: the client cannot know the
    # write happened, the hardest case for idempotent retries.
    lost_reply_rate: float = 0.0
    # CreateExecution / RelaunchExecution / RecoverExecution validate and answer OK, but the execution is
    # stored FAILED at once with closure.error {kind SYSTEM, code "Internal", "failed to create workflow
    # in propeller …"}: what a real Admin without a reachable cluster does (behaviour §11).
    no_cluster: bool = False


class AidsInterceptor(grpc.ServerInterceptor):
    def __init__(self, aids: Aids) -> None:
        self.aids = aids
        self.counters: Counter[str] = Counter()
        self.injected_failures = 0  # calls failed with UNAVAILABLE by the aid, since start
        self._lock = threading.Lock()
        self._random = random.Random(aids.seed)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    def reset(self) -> None:
        with self._lock:
            self.counters.clear()

    def before(self, method: str) -> tuple[float, bool, bool]:
        """Count a call and decide its aids: (seconds of injected latency, fail it with UNAVAILABLE before
        it runs?, lose its reply after it ran?)."""
        with self._lock:
            self.counters[method] += 1
            fail = self.aids.unavailable_rate > 0 and self._random.random() < self.aids.unavailable_rate
            lose = not fail and self.aids.lost_reply_rate > 0 and self._random.random() < self.aids.lost_reply_rate
            self.injected_failures += fail  # a lost reply counts once it is applied (see ``lost``)
            jitter = self._random.uniform(0, self.aids.latency_jitter_ms) if self.aids.latency_jitter_ms else 0.0
        return (self.aids.latency_ms + jitter) / 1000.0, fail, lose

    def lost(self) -> None:
        """A reply was dropped after its call ran."""
        with self._lock:
            self.injected_failures += 1

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        method = handler_call_details.method.rsplit("/", 1)[-1]
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary

        def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
            with self._lock:
                self.counters[method] += 1
                fail = self.aids.unavailable_rate > 0 and self._random.random() < self.aids.unavailable_rate
            if self.aids.latency_ms:
                time.sleep(self.aids.latency_ms / 1000.0)
            if fail:
                context.abort(grpc.StatusCode.UNAVAILABLE, "injected unavailability (testing aid)")
            return inner(request, context)

        return grpc.unary_unary_rpc_method_handler(wrapped, request_deserializer=handler.request_deserializer,
                                                   response_serializer=handler.response_serializer)
