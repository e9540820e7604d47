"""End to end over real gRPC: matchable attributes at every level through plan/apply."""

from __future__ import annotations

from flyteidl.admin import matchable_resource_pb2, project_domain_attributes_pb2

PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks}
"""

ALL_TYPES = """\
  taskResources: {defaults: {cpu: 500m, memory: 1Gi}, limits: {cpu: "2", memory: 4Gi}}
  clusterResources: {projectQuotaCpu: "64", projectQuotaMemory: 256Gi}
  executionQueue: [gpu, critical]
  executionClusterLabel: gpu-cluster
  workflowExecutionConfig: {maxParallelism: 25, serviceAccount: etl, rawOutputDataPrefix: "s3://bucket/raw",
                            labels: {team: ml}, annotations: {note: x}, interruptible: true, overwriteCache: false,
                            envs: {MODE: batch}}
  clusterAssignment: {clusterPoolName: gpu-pool}
"""

PLUGINS = """\
  pluginOverrides: [{taskType: spark, pluginIds: [spark-v2], missingPluginBehavior: fail},
                    {taskType: ray, pluginIds: [kuberay], missingPluginBehavior: useDefault}]
"""


def _attributes(metadata: str, body: str) -> str:
    return f"apiVersion: flyte-reconciler/v1\nkind: Attributes\nmetadata: {metadata}\nspec:\n{body}---\n"


def _rows(stub, resource_type: int) -> dict[tuple[str, str, str], object]:
    response = stub.ListMatchableAttributes(
        matchable_resource_pb2.ListMatchableAttributesRequest(resource_type=resource_type))
    return {(c.project, c.domain, c.workflow): c.attributes for c in response.configurations}


def test_all_writable_types_at_all_levels_apply_then_plan_empty(repo, stub, admin) -> None:
    repo.write("project.yaml", PROJECT)
    repo.write("attrs.yaml",
               _attributes("{project: flytesnacks}", ALL_TYPES)
               + _attributes("{project: flytesnacks, domain: development}", ALL_TYPES + PLUGINS)
               + _attributes("{project: flytesnacks, domain: development, workflow: etl.ingest}", ALL_TYPES + PLUGINS))
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    for resource_type in (0, 1, 2, 3, 6, 7):
        assert set(_rows(stub, resource_type)) == {("flytesnacks", "", ""), ("flytesnacks", "development", ""),
                                                   ("flytesnacks", "development", "etl.ingest")}
    assert set(_rows(stub, 5)) == {("flytesnacks", "development", ""), ("flytesnacks", "development", "etl.ingest")}
    admin.reset_counters()
    again = repo.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    counters = admin.counters()
    assert counters.get("ListMatchableAttributes", 0) <= 7
    assert admin.write_calls() == 0


def test_one_nested_change_shows_only_that_field_and_respelling_is_not_drift(repo) -> None:
    repo.write("project.yaml", PROJECT)
    meta = "{project: flytesnacks, domain: development}"
    repo.write("attrs.yaml", _attributes(meta, "  taskResources: {defaults: {cpu: 500m, memory: 1Gi}, "
                                               "limits: {cpu: '2', memory: 4Gi}}\n"))
    assert repo.run("apply", "--auto-approve").exit_code == 0
    repo.write("attrs.yaml", _attributes(meta, "  taskResources: {defaults: {cpu: '0.5', memory: 1024Mi}, "
                                               "limits: {cpu: 2000m, memory: 4Gi}}\n"))
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0
    repo.write("attrs.yaml", _attributes(meta, "  taskResources: {defaults: {cpu: 500m, memory: 1Gi}, "
                                               "limits: {cpu: '2', memory: 8Gi}}\n"))
    changed = repo.run("plan", "--format", "json", "--detailed-exitcode")
    assert changed.exit_code == 2
    assert '"value.limits.memory"' in changed.output
    assert "value.limits.cpu" not in changed.output and "value.defaults" not in changed.output


def test_removing_a_project_row_keeps_the_workflow_row(repo, stub) -> None:
    repo.write("flyte-reconciler.yaml",
               "scope: {projects: [flytesnacks], domains: [development]}\nprune: {attributes: true}\n")
    repo.write("project.yaml", PROJECT)
    project_row = _attributes("{project: flytesnacks}", "  executionQueue: [default]\n")
    wf_row = _attributes("{project: flytesnacks, domain: development, workflow: etl.ingest}",
                         "  executionQueue: [gpu]\n")
    repo.write("attrs.yaml", project_row + wf_row)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    repo.write("attrs.yaml", wf_row)
    plan = repo.run("plan")
    assert "attributes/flytesnacks/-/-/execution_queue" in plan.output and "etl.ingest" in plan.output
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert set(_rows(stub, 2)) == {("flytesnacks", "development", "etl.ingest")}
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_hand_made_row_is_unmanaged_and_deleted_only_with_prune(repo, stub) -> None:
    repo.write("project.yaml", PROJECT)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    stub.UpdateProjectDomainAttributes(project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
        attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
            project="flytesnacks", domain="development",
            matching_attributes=matchable_resource_pb2.MatchingAttributes(
                execution_cluster_label=matchable_resource_pb2.ExecutionClusterLabel(value="by-hand")))))
    plan = repo.run("plan", "--detailed-exitcode")
    # A hand-made row is drift: exit 2 even with prune off (issue 14).
    assert plan.exit_code == 2 and "unmanaged" in plan.output.lower()
    assert "attributes/flytesnacks/development/-/execution_cluster_label" in plan.output
    repo.write("flyte-reconciler.yaml",
               "scope: {projects: [flytesnacks], domains: [development]}\nprune: {attributes: true}\n")
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert _rows(stub, 3) == {}
