"""The lost-reply testing aid: the call runs and commits, the client sees UNAVAILABLE."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from flyteidl.admin import project_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.aids import Aids

pytestmark = pytest.mark.integration


def test_a_lost_reply_hides_a_write_that_happened(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, aids=Aids(lost_reply_rate=1.0)) as admin, \
            grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        with pytest.raises(grpc.RpcError) as lost:
            stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="p1", name="p1")))
        assert lost.value.code() == grpc.StatusCode.UNAVAILABLE and "lost reply" in lost.value.details()
        with pytest.raises(grpc.RpcError) as again:  # the retry finds the write done
            stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="p1", name="p1")))
        assert again.value.code() == grpc.StatusCode.ALREADY_EXISTS
        assert admin.injected_failures() == 1
