"""Synthetic organisations for the benchmark and the scaling test.

``write_org(root, projects=N)`` writes manifests for N projects × 3 domains: per project-domain ~10
launch plans over the five sample workflows (some scheduled), attribute rows of every writable type at
project-domain level plus workflow-level rows, workflow metadata and, optionally, 90-day backfills.
``register_org(address, N)`` registers the projects, the sample workflows and 3 historic versions of
every launch plan into an admin directly (not through the reconciler).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin.seed import SAMPLES_DIR, seed_directory

DOMAINS = ("development", "staging", "production")
# name → (workflow, scheduled, inputs)
LAUNCH_PLANS = [
    ("daily_report", "reports.daily_report", True, "fixedInputs: {region: eu}\n  defaultInputs: {limit: 10}"),
    ("report_adhoc", "reports.daily_report", False, "defaultInputs: {limit: 5, dry_run: true}"),
    ("hourly_ingest", "etl.ingest", False, "fixedInputs: {source: s3://raw}"),
    ("ingest_backlog", "etl.ingest", False, "defaultInputs: {batch_size: 100, source: s3://backlog}"),
    ("train", "ml.train_model", False, "defaultInputs: {dataset: s3://d, epochs: 3}"),
    ("train_nightly", "ml.train_model", True, "defaultInputs: {dataset: s3://d}\n  schedule: {cron: '@daily'}"),
    ("evaluate", "ml.evaluate", False, "defaultInputs: {model_uri: s3://m}"),
    ("evaluate_all", "ml.evaluate", False, "defaultInputs: {model_uri: s3://m, metrics: [f1, auc]}"),
    ("cleanup", "ops.cleanup", True, "defaultInputs: {older_than_days: 7}"),
    ("cleanup_deep", "ops.cleanup", False, "defaultInputs: {older_than_days: 90}"),
]


def project_ids(count: int) -> list[str]:
    return [f"bench-{i:03d}" for i in range(count)]


# The mixed shape: per project-domain, one launch plan declared inactive, one on a pinned version and
# one on the workflow's `latest` version (the rest as before).
MIXED = {"report_adhoc": "  active: false\n", "evaluate_all": "  version: pinned-1\n"}
MIXED_LATEST = "cleanup_deep"
# The templated shape: two `{{ }}` expressions per document, with these variables (`--var KEY=VALUE`).
TEMPLATE_VARIABLES = {"api": "flyte-reconciler/v1", "release": "v1", "team": "bench"}


def _templated(document: str) -> str:
    """Two expressions per document that render to the plain document's text."""
    document = document.replace("apiVersion: flyte-reconciler/v1", "apiVersion: {{ vars.api }}", 1)
    for plain, expression in (("version: v1}", "version: {{ vars.release }}}"),
                              ("team: bench", "team: {{ vars.team }}")):
        if plain in document:
            return document.replace(plain, expression, 1)
    return re.sub(r"kind: (\w+)", r"kind: {{ '\1' }}", document, count=1)


def write_org(root: Path, projects: int, *, changed_fraction: float = 0.0, backfills: int = 0,
              mixed: bool = False, templated: bool = False) -> Path:
    """Write the manifests; ``changed_fraction`` edits that share of launch plans (a new version each);
    ``backfills`` 90-day backfills of the scheduled ``daily_report``, one per project-domain in turn;
    ``mixed`` adds inactive, pinned and `latest` launch plans (see ``MIXED``); ``templated`` writes two
    ``{{ }}`` expressions per document (render with ``TEMPLATE_VARIABLES``) for the same documents."""
    root.mkdir(parents=True, exist_ok=True)
    ids = project_ids(projects)
    (root / "flyte-reconciler.yaml").write_text(f"scope: {{projects: [{', '.join(ids)}]}}\n")
    total = projects * len(DOMAINS) * len(LAUNCH_PLANS)
    to_change = int(total * changed_fraction)
    index = 0
    for pid in ids:
        docs = [f"apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {{name: {pid}}}\n"
                f"spec: {{displayName: Project {pid}, labels: {{team: bench}}}}\n"]
        for domain in DOMAINS:
            for name, workflow, scheduled, inputs in LAUNCH_PLANS:
                edited = index < to_change
                index += 1
                schedule = ""
                if scheduled and "schedule" not in inputs:
                    kickoff = {"reports.daily_report": "run_date", "ops.cleanup": "kickoff"}[workflow]
                    schedule = f"\n  schedule: {{cron: '0 6 * * *', kickoffTimeInput: {kickoff}}}"
                version = "latest" if mixed and name == MIXED_LATEST else "v1"
                docs.append(
                    f"apiVersion: flyte-reconciler/v1\nkind: LaunchPlan\n"
                    f"metadata: {{project: {pid}, domain: {domain}, name: {name}}}\n"
                    f"spec:\n  workflow: {{name: {workflow}, version: {version}}}\n  {inputs}{schedule}\n"
                    f"  labels: {{rev: r{2 if edited else 1}}}\n{MIXED.get(name, '') if mixed else ''}")
            docs.append(
                f"apiVersion: flyte-reconciler/v1\nkind: Attributes\nmetadata: {{project: {pid}, domain: {domain}}}\n"
                "spec:\n  taskResources: {defaults: {cpu: 500m, memory: 1Gi}, limits: {cpu: '2', memory: 4Gi}}\n"
                "  clusterResources: {projectQuotaCpu: '16'}\n  executionQueue: [default]\n"
                "  executionClusterLabel: main\n  pluginOverrides: [{taskType: spark, pluginIds: [spark-v2]}]\n"
                "  workflowExecutionConfig: {maxParallelism: 10}\n  clusterAssignment: {clusterPoolName: pool}\n")
            docs.append(
                f"apiVersion: flyte-reconciler/v1\nkind: Attributes\n"
                f"metadata: {{project: {pid}, domain: {domain}, workflow: ml.train_model}}\n"
                "spec:\n  taskResources: {defaults: {cpu: '2', gpu: '1', memory: 8Gi}, "
                "limits: {cpu: '4', gpu: '1', memory: 16Gi}}\n  executionQueue: [gpu]\n")
            docs.append(f"apiVersion: flyte-reconciler/v1\nkind: Workflow\n"
                        f"metadata: {{project: {pid}, domain: {domain}, name: reports.daily_report}}\n"
                        "spec: {description: Daily report}\n")
        (root / f"{pid}.yaml").write_text("---\n".join(map(_templated, docs) if templated else docs))
    pairs = [(pid, domain) for pid in ids for domain in DOMAINS]
    campaigns = [
        f"apiVersion: flyte-reconciler/v1\nkind: Backfill\n"
        f"metadata: {{project: {pid}, domain: {domain}, name: q{i:02d}}}\n"
        "spec: {launchPlan: daily_report, from: '2024-01-01T00:00:00Z', to: '2024-03-31T00:00:00Z', "
        "parallelism: 4}\n" for i, (pid, domain) in enumerate(pairs[:backfills])]
    if campaigns:
        (root / "backfills.yaml").write_text("---\n".join(map(_templated, campaigns) if templated else campaigns))
    return root


def register_org(address: str, projects: int, *, historic_versions: int = 3) -> None:
    """Projects and the sample workflows (v1) in every project-domain, straight into Admin, and
    ``historic_versions`` earlier (inactive) versions of every launch plan the manifests name."""
    with grpc.insecure_channel(address) as channel:
        stub = AdminServiceStub(channel)
        for pid in project_ids(projects):
            try:
                stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=pid, name=pid)))
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise
            for domain in DOMAINS:
                seed_directory(stub, SAMPLES_DIR, project=pid, domain=domain, version="v1")
        if historic_versions:
            _register_history(stub, project_ids(projects), historic_versions)


def _register_history(stub: AdminServiceStub, ids: list[str], count: int) -> None:
    """Each launch plan gets ``count`` old versions (``h1``…): the workflow's default spec, never active."""
    def one(args: tuple[str, str, str, str, str]) -> None:
        pid, domain, name, workflow, version = args
        default = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN, project=pid, domain=domain, name=workflow, version="v1")))
        try:
            stub.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.LAUNCH_PLAN, project=pid, domain=domain, name=name, version=version),
                spec=default.spec))
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise

    work = [(pid, domain, name, workflow, f"h{n}") for pid in ids for domain in DOMAINS
            for name, workflow, *_ in LAUNCH_PLANS for n in range(1, count + 1)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, work))
