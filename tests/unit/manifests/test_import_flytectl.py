"""flytectl attribute files convert into Attributes manifests that validate."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reconciler.cli import cli

FILES = {
    "tra.yaml": "project: flytesnacks\ndomain: development\n"
                "defaults: {cpu: '1', memory: 150Mi, ephemeral_storage: 1Gi}\n"
                "limits: {cpu: '2', memory: 450Mi, ephemeral_storage: 2Gi}\n",
    "cra.yaml": "Project: flytesnacks\nDomain: development\nattributes: {projectQuotaCpu: '1000'}\n",
    "era.yaml": "project: flytesnacks\ndomain: development\nworkflow: core.wf\ntags: [foo, bar]\n",
    "ecl.yaml": "project: flytesnacks\ndomain: development\nvalue: mycluster\n",
    "po.yaml": "project: flytesnacks\ndomain: development\noverrides:\n  - task_type: python_task\n"
               "    plugin_id: [a, b]\n    missing_plugin_behavior: 1\n",
    "wec.yaml": "project: flytesnacks\nmax_parallelism: 5\nsecurity_context: {run_as: {k8s_service_account: demo}}\n"
                "raw_output_data_config: {output_location_prefix: s3://b/p}\nlabels: {values: {k: v}}\n"
                "interruptible: {value: true}\noverwrite_cache: false\nenvs: {values: [{key: FOO, value: bar}]}\n",
}


def test_flytectl_files_become_valid_manifests(tmp_path: Path) -> None:
    paths = []
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    out = tmp_path / "out" / "attributes.yaml"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["import-flytectl", *paths, "--out", str(out)])
    assert result.exit_code == 0, result.output
    (out.parent / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    text = out.read_text()
    for fragment in ("ephemeralStorage: 1Gi", "missingPluginBehavior: useDefault", "executionClusterLabel: mycluster",
                     "serviceAccount: demo", "interruptible: true", "workflow: core.wf", "FOO: bar"):
        assert fragment in text
    validated = CliRunner().invoke(cli, ["validate", str(out.parent)])
    assert validated.exit_code == 0, validated.output
    assert "Attributes: 3" in validated.output  # project, project-domain and workflow level
