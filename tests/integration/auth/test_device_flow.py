"""The device-code flow against the embedded admin's token endpoint (which approves after one poll)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flyteidl.admin import project_pb2

from reconciler.admin.auth import DeviceFlow, auth_from
from reconciler.admin.client import AdminClient
from reconciler.errors import ConfigError
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig
from reconciler.settings import resolve


def test_device_flow_prints_the_code_polls_and_authenticates(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, auth=AuthConfig("ci", "s")) as admin:
        settings = resolve(flags={"endpoint": admin.address, "insecure": True}, environ={})
        shown: list[str] = []
        flow = DeviceFlow(settings, interactive=True, notify=shown.append)
        with AdminClient(endpoint=admin.address, insecure=True, metadata_plugin=flow) as client:
            client.call("ListProjects", project_pb2.ProjectListRequest())
        assert len(shown) == 1 and "enter the code ABCD-EFGH" in shown[0] and "/device" in shown[0]


def test_device_flow_refuses_non_interactive_runs(tmp_path: Path) -> None:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, auth=AuthConfig("ci", "s")) as admin:
        settings = resolve(flags={"endpoint": admin.address, "insecure": True},
                           environ={"FLYTE_CREDENTIALS_AUTH_MODE": "DeviceFlow"})
        flow = auth_from(settings)
        assert isinstance(flow, DeviceFlow)
        flow.interactive = False
        with AdminClient(endpoint=admin.address, insecure=True, metadata_plugin=flow) as client, \
                pytest.raises(ConfigError, match="interactive terminal"):
            client.call("ListProjects", project_pb2.ProjectListRequest())
