"""Properties over generated desired states (hypothesis), against the embedded admin:

- apply, then plan: no changes;
- planning is deterministic: the same input gives byte-identical JSON (saved plan and `plan --json` form);
- a saved plan round-trips: JSON → Plan → JSON is identical.

Each example gets its own project (the sample workflows seeded into it), so examples do not interact.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from flyteidl.admin import project_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.admin.client import AdminClient
from reconciler.admin.writes import AdminWriter
from reconciler.apply import apply_plan
from reconciler.engine import Selection, make_plan
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.seed import SAMPLES_DIR, seed_directory
from reconciler.manifests import load_config, load_manifests
from reconciler.plan.model import Plan
from reconciler.plan.render.json_doc import render_json
from tests.reliability.figures import record, scale

pytestmark = pytest.mark.integration

DOMAINS = ("development", "staging", "production")
EXAMPLES = scale(25, 200)
_project_numbers = itertools.count()

names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
quantities = st.sampled_from(["100m", "250m", "500m", "1", "2", "1.5", "4"])
memories = st.sampled_from(["128Mi", "512Mi", "1Gi", "1536Mi", "2Gi"])
labels = st.dictionaries(st.from_regex(r"[a-z]([a-z0-9-]{0,7}[a-z0-9])?", fullmatch=True),
                         st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), max_size=3)


@st.composite
def organisations(draw: st.DrawFn) -> dict[str, Any]:
    lps = draw(st.lists(st.tuples(names, st.sampled_from(DOMAINS),
                                  st.sampled_from(["daily", "adhoc"]), st.integers(1, 500), st.booleans()),
                        max_size=5, unique_by=lambda t: (t[0], t[1])))
    attrs = draw(st.lists(st.tuples(st.sampled_from(DOMAINS), quantities, memories,
                                    st.lists(st.sampled_from(["default", "gpu", "spot"]), min_size=1, max_size=2,
                                             unique=True)), max_size=3, unique_by=lambda t: t[0]))
    described = draw(st.lists(st.tuples(st.sampled_from(DOMAINS), st.text(
        st.characters(codec="ascii", categories=["L", "N", "Zs"]), min_size=1, max_size=40).map(str.strip)
        .filter(bool)), max_size=2, unique_by=lambda t: t[0]))
    return {"labels": draw(labels), "description": draw(st.sampled_from(["", "team data"])),
            "launch_plans": lps, "attributes": attrs, "described": described}


def _manifests(org: dict[str, Any], project: str) -> str:
    head = "apiVersion: flyte-reconciler/v1\n"
    docs = [head + f"kind: Project\nmetadata: {{name: {project}}}\nspec: {{displayName: P {project}, "
            f"description: '{org['description']}', labels: {org['labels'] or {}}}}\n"]
    for name, domain, flavour, limit, active in org["launch_plans"]:
        schedule = "\n  schedule: {cron: '0 6 * * *', kickoffTimeInput: run_date}" if flavour == "daily" else ""
        docs.append(head + f"kind: LaunchPlan\nmetadata: {{project: {project}, domain: {domain}, name: '{name}'}}\n"
                    f"spec:\n  workflow: {{name: reports.daily_report, version: v1}}\n"
                    f"  defaultInputs: {{limit: {limit}}}\n  active: {str(active).lower()}{schedule}\n")
    for domain, cpu, memory, queues in org["attributes"]:
        docs.append(head + f"kind: Attributes\nmetadata: {{project: {project}, domain: {domain}}}\n"
                    f"spec:\n  taskResources: {{defaults: {{cpu: '{cpu}', memory: {memory}}}, "
                    f"limits: {{cpu: '8', memory: 8Gi}}}}\n  executionQueue: {queues}\n")
    for domain, text in org["described"]:
        docs.append(head + f"kind: Workflow\nmetadata: {{project: {project}, domain: {domain}, "
                    f"name: reports.daily_report}}\nspec: {{description: '{text}'}}\n")
    return "---\n".join(docs)


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path_factory.mktemp("props") / "a.db", port=0) as running:
        yield running


def _plan(root: Path, client: AdminClient) -> Plan:
    loaded = load_manifests([str(root)], config=load_config(None, [str(root)]))
    return make_plan(loaded, client, Selection(max_deletions=1000))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(org=organisations())
def test_apply_then_plan_is_empty_and_plans_are_deterministic(org: dict[str, Any], admin: LocalAdmin,
                                                               tmp_path: Path) -> None:
    project = f"prop-{next(_project_numbers)}"
    with grpc.insecure_channel(admin.address) as channel:
        stub = AdminServiceStub(channel)
        stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project, name=project)))
        for domain in DOMAINS:
            seed_directory(stub, SAMPLES_DIR, project=project, domain=domain, version="v1")
    root = tmp_path / project
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text(f"scope: {{projects: [{project}]}}\n")
    (root / "m.yaml").write_text(_manifests(org, project))

    with AdminClient(endpoint=admin.address, insecure=True) as client:
        first, again = _plan(root, client), _plan(root, client)
        assert render_json(first) == render_json(again)  # deterministic, byte for byte
        assert first.to_json() == again.to_json()
        assert Plan.from_json(first.to_json()).to_json() == first.to_json()  # a saved plan round-trips
        report = apply_plan(first, AdminWriter(client), parallelism=4)
        assert report.complete
        after = _plan(root, client)
    record("properties", examples=1, actions=len(first.actions), leftover_changes=len(after.actions))
    assert not after.has_changes, [a.address for a in after.actions]
