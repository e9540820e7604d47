"""flytekit's FlyteRemote, unmodified, against the embedded admin (issue 3, "Real clients").

Registers a task, a workflow and a launch plan, fetches them, lists projects, activates and fetches the active
launch plan, executes it and waits until SUCCEEDED; and seeds a directory that flytekit's own serializer
wrote (the layout ``pyflyte serialize`` produces). Skipped only when flytekit is not installed.
"""

from __future__ import annotations

import typing
from collections import OrderedDict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

flytekit = pytest.importorskip("flytekit", reason="flytekit is not installed: pip install -e '.[test]'")

from flytekit import LaunchPlan, task, workflow  # noqa: E402
from flytekit.configuration import (  # noqa: E402
    DOMAIN_PLACEHOLDER,
    PROJECT_PLACEHOLDER,
    VERSION_PLACEHOLDER,
    Config,
    ImageConfig,
    SerializationSettings,
)
from flytekit.models.core.execution import WorkflowExecutionPhase  # noqa: E402
from flytekit.models.core.identifier import Identifier, ResourceType  # noqa: E402
from flytekit.remote import FlyteRemote  # noqa: E402
from flytekit.tools.serialize_helpers import persist_registrable_entities  # noqa: E402
from flytekit.tools.translator import get_serializable  # noqa: E402

from reconciler.localadmin import LocalAdmin  # noqa: E402
from reconciler.localadmin.executions.lifecycle import LifecycleSettings  # noqa: E402
from reconciler.localadmin.seed import seed_directory, seed_samples  # noqa: E402

pytestmark = [pytest.mark.compat, pytest.mark.integration]
PROJECT, DOMAIN = "flytesnacks", "development"
FAST = LifecycleSettings(queued_after_s=0.05, running_after_s=0.1, duration_s=0.3, abort_after_s=0.05)


@task
def add_one(x: int) -> int:
    return x + 1


@workflow
def compat_wf(x: int = 3) -> int:
    return add_one(x=x)


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0, lifecycle=FAST) as running:
        seed_samples(running)  # creates the flytesnacks project
        yield running


@pytest.fixture
def remote(admin: LocalAdmin) -> FlyteRemote:
    return FlyteRemote(
        Config.for_endpoint(admin.address, insecure=True), default_project=PROJECT, default_domain=DOMAIN
    )


def settings(version: str) -> SerializationSettings:
    return SerializationSettings(
        image_config=ImageConfig.auto_default_image(), project=PROJECT, domain=DOMAIN, version=version
    )


def test_register_fetch_activate_execute_and_wait(remote: FlyteRemote) -> None:
    registered_task = remote.register_task(add_one, serialization_settings=settings("t1"), version="t1")
    assert registered_task.id.version == "t1"
    registered_wf = remote.register_workflow(compat_wf, serialization_settings=settings("w1"), version="w1")
    assert registered_wf.id.name == compat_wf.name

    plan = LaunchPlan.get_or_create(compat_wf, name="compat_lp", default_inputs={"x": 41})
    registered_lp = remote.register_launch_plan(plan, version="w1", project=PROJECT, domain=DOMAIN)
    assert registered_lp.id.name == "compat_lp"

    fetched_task = remote.fetch_task(name=add_one.name, version="t1")
    assert list(fetched_task.interface.inputs) == ["x"]
    fetched_wf = remote.fetch_workflow(name=compat_wf.name, version="w1")
    assert list(fetched_wf.interface.outputs) == ["o0"]
    fetched_lp = remote.fetch_launch_plan(name="compat_lp", version="w1")
    assert fetched_lp.workflow_id.name == compat_wf.name

    projects = remote.client.list_projects()
    assert PROJECT in {p.id for p in projects.projects}

    remote.activate_launchplan(Identifier(ResourceType.LAUNCH_PLAN, PROJECT, DOMAIN, "compat_lp", "w1"))
    active = remote.fetch_active_launchplan(name="compat_lp")
    assert active is not None and active.id.version == "w1"

    execution = remote.execute(fetched_lp, inputs={"x": 5}, wait=False)
    done = remote.wait(execution, timeout=timedelta(seconds=30), poll_interval=timedelta(seconds=0.1))
    assert done.closure.phase == WorkflowExecutionPhase.SUCCEEDED
    assert done.inputs["x"] == 5  # full_inputs come back inline

    # The default launch plan (registered with the workflow) runs too, with its Python default.
    default_lp = remote.fetch_launch_plan(name=compat_wf.name, version="w1")
    run = remote.wait(
        remote.execute(default_lp, inputs={}, wait=False),
        timeout=timedelta(seconds=30),
        poll_interval=timedelta(seconds=0.1),
        sync_nodes=False,
    )
    assert run.closure.phase == WorkflowExecutionPhase.SUCCEEDED
    assert run.inputs["x"] == 3


def test_seed_directory_reads_what_flytekit_serializes(
    admin: LocalAdmin, remote: FlyteRemote, tmp_path: Path
) -> None:
    placeholders = SerializationSettings(
        image_config=ImageConfig.auto_default_image(),
        project=PROJECT_PLACEHOLDER,
        domain=DOMAIN_PLACEHOLDER,
        version=VERSION_PLACEHOLDER,
    )
    entities: OrderedDict[typing.Any, typing.Any] = OrderedDict()
    get_serializable(entities, placeholders, compat_wf)
    get_serializable(entities, placeholders, LaunchPlan.get_or_create(compat_wf))
    registrable = [
        e for e in entities.values() if type(e).__name__ in ("TaskSpec", "WorkflowSpec", "LaunchPlan")
    ]
    out = tmp_path / "serialized"
    out.mkdir()
    persist_registrable_entities(registrable, str(out))
    assert sorted(p.name[-5:] for p in out.iterdir()) == ["_1.pb", "_2.pb", "_3.pb"]

    report = seed_directory(admin, out, project=PROJECT, domain="staging", version="s1")
    assert report.created == 3
    fetched = remote.fetch_launch_plan(project=PROJECT, domain="staging", name=compat_wf.name, version="s1")
    assert fetched.workflow_id.version == "s1"
