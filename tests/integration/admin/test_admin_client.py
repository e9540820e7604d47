"""``AdminClient`` against a tiny real gRPC server on loopback that answers with any status code:
no grpc exception escapes ``call``, each code maps to its class, and only transient codes are retried."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from flyteidl.admin import project_pb2

from reconciler import errors
from reconciler.admin.client import AdminClient
from reconciler.admin.errors_map import TABLE

pytestmark = pytest.mark.integration

CODES = [c for c in grpc.StatusCode if c is not grpc.StatusCode.OK]


class CodeServer:
    """GetProject(id=<CODE NAME>) fails with that code; id="SLOW" sleeps; anything else succeeds."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def get_project(self, request: project_pb2.ProjectGetRequest, context: grpc.ServicerContext) -> project_pb2.Project:
        with self._lock:
            self.attempts[request.id] += 1
        if request.id == "SLOW":
            time.sleep(0.5)
        elif request.id in grpc.StatusCode.__members__:
            context.abort(grpc.StatusCode[request.id], f"injected {request.id}")
        return project_pb2.Project(id=request.id, name=request.id)


@pytest.fixture
def server() -> Iterator[tuple[CodeServer, str]]:
    codes = CodeServer()
    handler = grpc.method_handlers_generic_handler("flyteidl.service.AdminService", {
        "GetProject": grpc.unary_unary_rpc_method_handler(
            codes.get_project, request_deserializer=project_pb2.ProjectGetRequest.FromString,
            response_serializer=project_pb2.Project.SerializeToString)})
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[handler])
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    yield codes, f"127.0.0.1:{port}"
    grpc_server.stop(0).wait()


def _client(address: str, **options: float) -> AdminClient:
    return AdminClient(endpoint=address, insecure=True, max_attempts=3, backoff_base_s=0.001, backoff_max_s=0.002,
                       seed=1, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.name)
def test_every_code_is_translated_and_retried_only_when_transient(server: tuple[CodeServer, str],
                                                                   code: grpc.StatusCode) -> None:
    codes, address = server
    with _client(address) as client:
        try:
            client.call("GetProject", project_pb2.ProjectGetRequest(id=code.name), target="project/flytesnacks")
        except errors.AdminError as exc:
            raised: errors.AdminError = exc
        else:
            pytest.fail("no error raised")
    expected_class, retried, _hint = TABLE.get(code, (errors.AdminError, False, ""))
    assert type(raised) is expected_class
    assert not isinstance(raised, grpc.RpcError) and isinstance(raised.__cause__, grpc.RpcError)
    assert raised.code == code.name and raised.method == "GetProject" and raised.target == "project/flytesnacks"
    assert f"GetProject project/flytesnacks: {code.name}: injected {code.name}" in str(raised)
    assert raised.hint  # every error says what to do next
    assert codes.attempts[code.name] == (3 if retried else 1)
    assert client.calls["GetProject"] == codes.attempts[code.name]


def test_never_retried_codes_from_the_style_guide(server: tuple[CodeServer, str]) -> None:
    never = ("NOT_FOUND", "ALREADY_EXISTS", "INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED",
             "UNAUTHENTICATED")
    assert all(not TABLE[grpc.StatusCode[n]][1] for n in never)
    assert all(TABLE[grpc.StatusCode[n]][1] for n in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"))


def test_retry_false_makes_one_attempt(server: tuple[CodeServer, str]) -> None:
    codes, address = server
    with _client(address) as client, pytest.raises(errors.TransientAdminError):
        client.call("GetProject", project_pb2.ProjectGetRequest(id="UNAVAILABLE"), retry=False)
    assert codes.attempts["UNAVAILABLE"] == 1


def test_per_call_deadline(server: tuple[CodeServer, str]) -> None:
    codes, address = server
    with _client(address, timeout_s=0.05) as client:
        with pytest.raises(errors.TransientAdminError) as info:
            client.call("GetProject", project_pb2.ProjectGetRequest(id="SLOW"))
        assert info.value.code == "DEADLINE_EXCEEDED"
        # Client-side attempts: a request whose deadline passes before dispatch never reaches the handler.
        assert client.calls["GetProject"] == 3 and codes.attempts["SLOW"] >= 1
        ok = client.call("GetProject", project_pb2.ProjectGetRequest(id="fine"))
        assert ok.name == "fine"


def test_unreachable_endpoint_is_translated() -> None:
    with AdminClient(endpoint="127.0.0.1:1", insecure=True, max_attempts=2, backoff_base_s=0.001,
                     timeout_s=2) as client, pytest.raises(errors.TransientAdminError) as info:
        client.call("GetProject", project_pb2.ProjectGetRequest(id="x"), target="project/x")
    assert info.value.code == "UNAVAILABLE" and "project/x" in str(info.value)


def test_a_closed_client_refuses_calls(server: tuple[CodeServer, str]) -> None:
    _, address = server
    client = _client(address)
    with client:
        pass
    with pytest.raises(errors.AdminError, match="closed"):
        client.call("GetProject", project_pb2.ProjectGetRequest(id="x"))


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        AdminClient("127.0.0.1:1")  # type: ignore[misc]
    with pytest.raises(errors.ConfigError):
        AdminClient(endpoint="")
