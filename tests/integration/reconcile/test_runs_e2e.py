"""Runs (kind: Run) against the embedded admin over real gRPC: launched exactly once, generations,
terminatePrevious, inputs by interface type, single-task runs, failures, selection and prune."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner, Result
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.executions.lifecycle import FailureRule, LifecycleSettings

SUCCEEDED, FAILED, ABORTED, ABORTING = 4, 6, 7, 9

PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks}
"""

MIGRATE = """\
---
apiVersion: flyte-reconciler/v1
kind: Run
metadata: {project: flytesnacks, domain: development, name: migrate}
spec:
  workflow: {name: reports.daily_report, version: v1}
  generation: GENERATION
  terminatePrevious: TERMINATE
  onChange: ON_CHANGE
  inputs:
    run_date: 2024-01-01T00:00:00Z
    limit: LIMIT
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield Clock()


def start(tmp_path: Path, clock: Clock | None, failure: FailureRule = FailureRule()) -> LocalAdmin:
    # Queued after 1 s, running after 2 s, terminal after 12 s of the (injected) clock.
    timing = LifecycleSettings(queued_after_s=1, running_after_s=2, duration_s=10, failure=failure)
    return LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, lifecycle=timing, clock=clock)


def repo(tmp_path: Path, text: str, config: str = "") -> Path:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development]}\n" + config)
    (root / "m.yaml").write_text(PROJECT + text)
    return root


def migrate(generation: int = 1, terminate: bool = False, on_change: str = "ignore", limit: str = "5") -> str:
    return (MIGRATE.replace("GENERATION", str(generation)).replace("TERMINATE", str(terminate).lower())
            .replace("ON_CHANGE", on_change).replace("LIMIT", limit))


def run(admin: LocalAdmin, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--endpoint", admin.address, "--insecure"])


def apply(root: Path, admin: LocalAdmin, *extra: str) -> Result:
    result = run(admin, "apply", str(root), "--auto-approve", *extra)
    assert result.exit_code == 0, result.output
    return result


def executions(admin: LocalAdmin) -> dict[str, execution_pb2.Execution]:
    with grpc.insecure_channel(admin.address) as channel:
        response = AdminServiceStub(channel).ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"), limit=1000))
    return {e.id.name: e for e in response.executions}


def test_a_run_launches_once_and_later_plans_show_its_phase(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        first = run(admin, "plan", str(root))
        assert "+ run/flytesnacks/development/migrate" in first.output
        assert "generation 1: launch workflow reports.daily_report@v1" in first.output
        apply(root, admin)
        apply(root, admin)
        launched = executions(admin)
        (name,) = launched
        assert re.match(r"^run-migrate-g1-[0-9a-f]{6}$", name)
        execution = launched[name]
        assert execution.spec.labels.values["flyte-reconciler-run"] == "migrate"
        assert execution.spec.launch_plan.name == "reports.daily_report" and execution.spec.launch_plan.version == "v1"
        clock.advance(3)
        again = run(admin, "plan", str(root), "--detailed-exitcode")
        assert again.exit_code == 0, again.output
        assert f"run/flytesnacks/development/migrate  generation 1  {name}  RUNNING" in again.output
        clock.advance(12)
        status = run(admin, "run", "status", str(root), "--format", "json")
        assert status.exit_code == 0, status.output
        assert json.loads(status.output)["run/flytesnacks/development/migrate"] == {
            "generation": 1, "execution": name, "phase": "SUCCEEDED", "status": "succeeded", "error": None,
            "launching": False, "entity": "workflow reports.daily_report@v1"}


def test_generation_two_launches_a_second_run_and_terminate_previous_stops_the_first(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        apply(root, admin)
        clock.advance(3)
        (root / "m.yaml").write_text(PROJECT + migrate(generation=2))
        plan = run(admin, "plan", str(root))
        assert "generation 2: launch" in plan.output
        apply(root, admin)
        runs = executions(admin)
        assert len(runs) == 2 and all(e.closure.phase not in (ABORTED, ABORTING) for e in runs.values())
        (root / "m.yaml").write_text(PROJECT + migrate(generation=3, terminate=True))
        result = apply(root, admin)
        assert "terminate_run" in result.output
        runs = executions(admin)
        assert len(runs) == 3
        aborted = sorted(n for n, e in runs.items() if e.closure.phase in (ABORTED, ABORTING))
        assert [re.sub(r"-[0-9a-f]{6}$", "", n) for n in aborted] == ["run-migrate-g1", "run-migrate-g2"]
        assert run(admin, "plan", str(root), "--detailed-exitcode").exit_code == 0


def test_an_edit_after_the_launch_is_ignored_or_relaunched_as_asked(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        apply(root, admin)
        (root / "m.yaml").write_text(PROJECT + migrate(limit="6"))
        ignored = run(admin, "plan", str(root), "--detailed-exitcode")
        assert ignored.exit_code == 0 and "the change is ignored (onChange: ignore)" in ignored.output
        (root / "m.yaml").write_text(PROJECT + migrate(limit="6", on_change="relaunch"))
        apply(root, admin)
        apply(root, admin)
        names = sorted(executions(admin))
        assert len(names) == 2 and re.match(r"^run-migrate-g1-[0-9a-f]{6}-c[0-9a-f]{6}$", names[1])
        (root / "m.yaml").write_text(PROJECT + migrate(limit="5", on_change="relaunch"))  # back to the first spec
        assert run(admin, "plan", str(root), "--detailed-exitcode").exit_code == 0


TYPED = """\
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: NAME-defaults}
spec:
  workflow: {name: WORKFLOW, version: v1}
  active: false
  defaultInputs: VALUES
---
apiVersion: flyte-reconciler/v1
kind: Run
metadata: {project: flytesnacks, domain: development, name: NAME}
spec:
  workflow: {name: WORKFLOW, version: v1}
  inputs: VALUES
"""
# Every literal type the samples have, with values unlike the workflows' own defaults.
VALUES = {
    "report": ("reports.daily_report", "{run_date: '2024-02-29T12:30:00+01:00', region: eu, limit: 7, dry_run: true}"),
    "ingest": ("etl.ingest", "{since: 2024-01-01, source: s3://in, batch_size: 9, threshold: 2, tables: [a, b]}"),
    "train": ("ml.train_model", "{dataset: d, learning_rate: 0.5, epochs: 3, params: {k: v}, timeout: 1h30m}"),
}


def test_inputs_of_every_literal_type_convert_exactly_as_launch_plan_inputs(tmp_path, clock) -> None:
    text = "".join(TYPED.replace("NAME", name).replace("WORKFLOW", wf).replace("VALUES", values)
                   for name, (wf, values) in VALUES.items())
    root = repo(tmp_path, text)
    with start(tmp_path, clock) as admin, grpc.insecure_channel(admin.address) as channel:
        apply(root, admin)
        stub = AdminServiceStub(channel)
        runs = executions(admin)
        assert len(runs) == 3
        for name, (workflow, _values) in VALUES.items():
            launched = next(e for e in runs.values() if e.spec.labels.values["flyte-reconciler-run"] == name)
            data = stub.GetExecutionData(execution_pb2.WorkflowExecutionGetDataRequest(id=launched.id))
            plans = stub.ListLaunchPlans(common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development",
                                                    name=f"{name}-defaults"), limit=10))
            defaults = plans.launch_plans[0].spec.default_inputs.parameters
            workflow_defaults = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.LAUNCH_PLAN, project="flytesnacks", domain="development",
                name=workflow, version="v1"))).spec.default_inputs.parameters
            for key, parameter in defaults.items():
                assert data.full_inputs.literals[key] == parameter.default, (name, key)
                if workflow_defaults[key].HasField("default"):
                    assert workflow_defaults[key].default != parameter.default, (name, key)  # not Admin's default


@pytest.mark.parametrize(("inputs", "problem"), [
    ("{run_date: 2024-01-01T00:00:00Z, limit: many}",
     r"spec\.inputs\.limit: input 'limit': 'many' does not fit type int"),
    ("{run_date: 2024-01-01T00:00:00Z, colour: red}", r"spec\.inputs\.colour: launch plan reports\.daily_report@v1 "
                                                      r"has no input 'colour'"),
    ("{limit: 3}", r"spec\.inputs: required input 'run_date' \(datetime\) of launch plan reports\.daily_report@v1"),
])
def test_a_wrong_input_is_refused_at_plan_time_naming_file_line_and_nothing_is_written(tmp_path, inputs,
                                                                                        problem) -> None:
    text = migrate().split("  inputs:")[0] + f"  inputs: {inputs}\n"
    root = repo(tmp_path, text)
    with start(tmp_path, None) as admin:
        before = admin.write_calls()
        result = run(admin, "apply", str(root), "--auto-approve")
        assert result.exit_code == 1, result.output
        assert re.search(rf"m\.yaml:\d+: Run run/flytesnacks/development/migrate: {problem}", result.output), \
            result.output
        assert admin.write_calls() == before and not executions(admin)


def test_a_single_task_run_executes_the_task(tmp_path, clock) -> None:
    # A task has no defaults: every input is required, as in flyteadmin's single-task launch plan.
    text = (migrate().replace("workflow: {name: reports.daily_report, version: v1}",
                              "task: {name: reports.daily_report_task}")
            + "    region: eu\n    dry_run: false\n")
    root = repo(tmp_path, text)
    with start(tmp_path, clock) as admin:
        apply(root, admin)
        (only,) = executions(admin).values()
        assert only.spec.launch_plan.version in ("v1", "v2")  # `latest`: the newest registered version
        assert only.spec.launch_plan.name.endswith("reports.daily_report_task")
        clock.advance(15)
        status = run(admin, "run", "status", str(root), "--format", "json")
        assert json.loads(status.output)["run/flytesnacks/development/migrate"]["phase"] == "SUCCEEDED"
        assert run(admin, "plan", str(root), "--detailed-exitcode").exit_code == 0


def test_a_single_task_run_gets_the_flytegen_launch_plan_as_in_flyteadmin(tmp_path, clock) -> None:
    text = (migrate().replace("workflow: {name: reports.daily_report, version: v1}",
                              "task: {name: reports.daily_report_task, version: v1}")
            + "    region: eu\n    dry_run: false\n")
    root = repo(tmp_path, text)
    with start(tmp_path, clock) as admin, grpc.insecure_channel(admin.address) as channel:
        apply(root, admin)
        plan = AdminServiceStub(channel).GetLaunchPlan(common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN, project="flytesnacks", domain="development",
            name=".flytegen.reports.daily_report_task", version="v1")))
        assert plan.spec.workflow_id.name == ".flytegen.reports.daily_report_task"


def test_a_failed_run_gives_exit_code_4_and_admin_error(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock, failure=FailureRule(pattern=r"^run-migrate-g1-")) as admin:
        apply(root, admin)
        running = run(admin, "run", "status", str(root))
        assert running.exit_code == 0 and "not launched" not in running.output
        clock.advance(15)
        status = run(admin, "run", "status", str(root))
        assert status.exit_code == 4, status.output
        assert "failed (FAILED)" in status.output
        assert "error: USER SimulatedFailure: simulated failure (the embedded admin's failure rule" in status.output
        as_json = json.loads(run(admin, "run", "status", str(root), "--format", "json").output)
        assert as_json["run/flytesnacks/development/migrate"]["error"] == {
            "kind": "USER", "code": "SimulatedFailure",
            "message": "simulated failure (the embedded admin's failure rule matched this execution)"}
        plan = run(admin, "plan", str(root))
        assert "FAILED  USER SimulatedFailure: simulated failure" in plan.output
        markdown = run(admin, "plan", str(root), "--format", "markdown")
        assert "| **FAILED** | USER SimulatedFailure: simulated failure" in markdown.output


def test_apply_wait_waits_for_a_run_and_exits_4_when_it_failed(tmp_path) -> None:
    root = repo(tmp_path, migrate())
    fast = LifecycleSettings(queued_after_s=0, running_after_s=0.02, duration_s=0.1,
                             failure=FailureRule(pattern=r"^run-migrate-g2-"))
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True, lifecycle=fast) as admin:
        ok = run(admin, "apply", str(root), "--auto-approve", "--wait", "--poll-interval", "0.05")
        assert ok.exit_code == 0, ok.output
        assert next(iter(executions(admin).values())).closure.phase == SUCCEEDED
        (root / "m.yaml").write_text(PROJECT + migrate(generation=2))
        failed = run(admin, "apply", str(root), "--auto-approve", "--wait", "--poll-interval", "0.05")
        assert failed.exit_code == 4, failed.output
        assert "FAILED (failed)" in failed.output


def test_an_execution_of_the_same_name_that_is_not_this_run_is_refused(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        plan = run(admin, "plan", str(root))
        name = re.search(r"execution: (run-migrate-g1-[0-9a-f]{6})", plan.output)[1]
        with grpc.insecure_channel(admin.address) as channel:  # someone else took the name first
            AdminServiceStub(channel).CreateExecution(execution_pb2.ExecutionCreateRequest(
                project="flytesnacks", domain="development", name=name, spec=execution_pb2.ExecutionSpec(
                    launch_plan=identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN,
                                                          project="flytesnacks", domain="development",
                                                          name="ops.cleanup", version="v1")),
                inputs=executions_inputs()))
        result = run(admin, "apply", str(root), "--auto-approve")
        assert result.exit_code in (1, 3)
        assert f"execution/flytesnacks/development/{name} already exists and is not an execution of run" \
               in result.output


def executions_inputs():  # the one required input of ops.cleanup
    from flyteidl.core import literals_pb2

    literal = literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive()))
    literal.scalar.primitive.datetime.FromSeconds(0)
    return literals_pb2.LiteralMap(literals={"kickoff": literal})


def test_already_exists_is_success_when_the_execution_is_this_runs(tmp_path, clock) -> None:
    from reconciler.admin.client import AdminClient
    from reconciler.admin.writes import AdminWriter
    from reconciler.apply import APPLIED, apply_plan
    from reconciler.plan.model import Plan

    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        saved = tmp_path / "plan.json"
        assert run(admin, "plan", str(root), "--out", str(saved)).exit_code == 0
        plan = Plan.from_json(saved.read_text())
        launches = Plan.model_validate({**plan.model_dump(), "actions": [
            a.model_dump() for a in plan.actions if a.type == "launch_run"]})
        with AdminClient(endpoint=admin.address, insecure=True) as client:
            # The same launch twice, as after a crash between CreateExecution and its reply.
            for _ in range(2):
                report = apply_plan(launches, AdminWriter(client))
                assert [r.status for r in report.results] == [APPLIED], report.results
            assert client.calls.get("GetExecution") == 1  # the second launch checked whose execution it is
        assert len(executions(admin)) == 1


def test_removing_a_run_leaves_its_execution_alone_unless_prune_runs(tmp_path, clock) -> None:
    other = migrate().replace("name: migrate", "name: other")
    root = repo(tmp_path, migrate() + other)
    with start(tmp_path, clock) as admin:
        apply(root, admin)
        # Executions are read in project-domains that have Runs (the whole scope with prune.runs).
        (root / "m.yaml").write_text(PROJECT + other)
        kept = run(admin, "plan", str(root))
        assert "? run/flytesnacks/development/migrate" in kept.output and "kept (prune off)" in kept.output
        apply(root, admin)
        assert all(e.closure.phase not in (ABORTED, ABORTING) for e in executions(admin).values())
        repo(tmp_path, "", config="prune: {runs: true}\n")  # no Run left at all
        result = apply(root, admin)
        assert "terminate_run" in result.output
        phases = {e.spec.labels.values["flyte-reconciler-run"]: e.closure.phase for e in executions(admin).values()}
        assert phases["migrate"] in (ABORTED, ABORTING) and phases["other"] in (ABORTED, ABORTING)
        clock.advance(15)  # a finished run of a removed manifest is history: nothing to report
        assert "run/flytesnacks" not in run(admin, "plan", str(root)).output


def test_target_and_exclude_select_runs_by_address(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        apply(root, admin, "--exclude", "run/*")
        assert not executions(admin)
        apply(root, admin, "--target", "run/flytesnacks/development/migrate")
        assert len(executions(admin)) == 1
        doc = json.loads(run(admin, "plan", str(root), "--format", "json").output)
        assert {"address": "run/flytesnacks/development/migrate", "type": "run", "action_type": "no_op"}.items() \
            <= next(c for c in doc["resource_changes"] if c["type"] == "run").items()


def test_plan_json_lists_run_actions_with_their_own_types(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        apply(root, admin)
        (root / "m.yaml").write_text(PROJECT + migrate(generation=2, terminate=True))
        doc = json.loads(run(admin, "plan", str(root), "--format", "json").output)
        changes = [c for c in doc["resource_changes"] if c["type"] == "run"]
        assert [(c["action_type"], c["change"]["actions"]) for c in changes] == [
            ("launch_run", ["create"]), ("terminate_run", ["delete"])]
        launch = changes[0]["details"]
        assert launch["generation"] == 2 and launch["entity"]["version"] == "v1"
        assert changes[0]["change"]["after"]["inputs"] == {"limit": 5, "run_date": "2024-01-01T00:00:00Z"}


def test_flytekit_fetch_execution_reads_the_run_back(tmp_path, clock) -> None:
    remote_module = pytest.importorskip("flytekit.remote")
    from flytekit.configuration import Config

    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        apply(root, admin)
        (name,) = executions(admin)
        remote = remote_module.FlyteRemote(Config.for_endpoint(admin.address, insecure=True),
                                           default_project="flytesnacks", default_domain="development")
        fetched = remote.fetch_execution(name=name)
        assert fetched.id.name == name
        assert fetched.spec.launch_plan.name == "reports.daily_report"
        assert fetched.spec.labels.values["flyte-reconciler-run"] == "migrate"


def test_every_execution_override_reaches_the_execution(tmp_path, clock) -> None:
    overrides = ("  labels: {team: data}\n  annotations: {example.com/owner: ops}\n  serviceAccount: runner\n"
                 "  iamRole: arn:aws:iam::1:role/r\n  rawOutputDataPrefix: s3://raw/out\n  maxParallelism: 3\n"
                 "  interruptible: true\n  overwriteCache: true\n  envs: {A: '1', B: two}\n"
                 "  clusterAssignment: {clusterPoolName: gpu}\n")
    root = repo(tmp_path, migrate() + overrides)
    with start(tmp_path, clock) as admin, grpc.insecure_channel(admin.address) as channel:
        apply(root, admin)
        (name,) = executions(admin)
        spec = AdminServiceStub(channel).GetExecution(execution_pb2.WorkflowExecutionGetRequest(
            id=identifier_pb2.WorkflowExecutionIdentifier(project="flytesnacks", domain="development",
                                                          name=name))).spec
        assert spec.labels.values["team"] == "data" and spec.labels.values["flyte-reconciler-generation"] == "1"
        assert dict(spec.annotations.values) == {"example.com/owner": "ops"}
        assert spec.security_context.run_as.k8s_service_account == "runner"
        assert spec.security_context.run_as.iam_role == "arn:aws:iam::1:role/r"
        assert spec.raw_output_data_config.output_location_prefix == "s3://raw/out"
        assert spec.max_parallelism == 3 and spec.interruptible.value is True and spec.overwrite_cache is True
        assert {(kv.key, kv.value) for kv in spec.envs.values} == {("A", "1"), ("B", "two")}
        assert spec.cluster_assignment.cluster_pool_name == "gpu"
        assert spec.metadata.mode == execution_pb2.ExecutionMetadata.MANUAL


def test_a_saved_plan_launches_the_run_once_and_is_refused_after(tmp_path, clock) -> None:
    root = repo(tmp_path, migrate())
    with start(tmp_path, clock) as admin:
        saved = tmp_path / "plan.json"
        assert run(admin, "plan", str(root), "--out", str(saved)).exit_code == 0
        shown = CliRunner().invoke(cli, ["show", str(saved), "--format", "json"])
        assert '"action_type": "launch_run"' in shown.output
        assert run(admin, "apply", "--plan", str(saved), "--auto-approve").exit_code == 0
        again = run(admin, "apply", "--plan", str(saved), "--auto-approve")
        assert again.exit_code == 1 and "stale" in again.output
        assert "run/flytesnacks/development/migrate" in again.output
        assert len(executions(admin)) == 1


def test_runs_are_observed_with_one_list_per_project_domain(tmp_path, clock) -> None:
    runs = "".join(migrate().replace("name: migrate", f"name: job-{i}").replace("domain: development", f"domain: {d}")
                   for i, d in enumerate(["development", "development", "development", "staging", "staging"]))
    root = repo(tmp_path, runs)
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks], domains: [development, staging]}\n")
    with start(tmp_path, clock) as admin:
        apply(root, admin)
        admin.reset_counters()
        assert run(admin, "plan", str(root), "--detailed-exitcode").exit_code == 0
        calls = admin.counters()
        assert calls["ListExecutions"] == 2  # development and staging, five runs
        assert "GetExecution" not in calls  # only a failed execution is read alone (for its full error)


def test_a_run_of_a_launch_plan_registered_by_the_same_apply(tmp_path, clock) -> None:
    launch_plan = """\
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v2}
  fixedInputs: {region: eu}
"""
    text = launch_plan + migrate().replace("workflow: {name: reports.daily_report, version: v1}",
                                           "launchPlan: {name: nightly}")
    root = repo(tmp_path, text)
    with start(tmp_path, clock) as admin:
        planned = run(admin, "plan", str(root))  # the launch plan is not registered yet: inputs from its new spec
        assert planned.exit_code == 0 and "generation 1: launch launch plan nightly@" in planned.output
        (root / "m.yaml").write_text(PROJECT + text.replace("limit: 5", "limit: 5\n    region: us"))
        fixed = run(admin, "plan", str(root))
        assert fixed.exit_code == 1 and "has no input 'region' (it is a fixed input of the launch plan)" \
            in fixed.output
        (root / "m.yaml").write_text(PROJECT + text)
        apply(root, admin)
        (launched,) = executions(admin).values()
        assert launched.spec.launch_plan.name == "nightly"
        assert run(admin, "plan", str(root), "--detailed-exitcode").exit_code == 0


def test_run_status_without_runs_says_so(tmp_path, clock) -> None:
    root = repo(tmp_path, "")
    with start(tmp_path, clock) as admin:
        text = run(admin, "run", "status", str(root))
        assert text.exit_code == 0 and "No runs in the manifests." in text.output
        assert json.loads(run(admin, "run", "status", str(root), "--format", "json").output) == {}
