"""load_config / load_manifests end to end on small trees: discovery, variables, config strictness,
duplicates, warnings, digest, desired resources and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.errors import ManifestError
from reconciler.manifests import MAX_FILE_BYTES, load_config, load_manifests
from reconciler.manifests.desired import simple_resources
from reconciler.manifests.schema import json_schema
from reconciler.manifests.yamlload import YamlProblem, load_documents

REPO = Path(__file__).resolve().parents[3]
HEAD = "apiVersion: flyte-reconciler/v1\n"
PROJECT = HEAD + "kind: Project\nmetadata: {name: NAME}\nspec: {displayName: The NAME}\n"


def _load(root: Path, **kwargs: object) -> object:
    config = load_config(None, [str(root)])
    return load_manifests([str(root)], config=config, **kwargs)  # type: ignore[arg-type]


def _problems(root: Path, **kwargs: object) -> list[str]:
    with pytest.raises(ManifestError) as info:
        _load(root, **kwargs)
    return [p.render() for p in info.value.problems]


def test_discovery_is_recursive_sorted_and_skips_config_hidden_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "flyte-reconciler.yaml").write_text("scope: {projects: []}\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.yml").write_text(PROJECT.replace("NAME", "two"))
    (tmp_path / "a.yaml.j2").write_text(PROJECT.replace("NAME", "{{ 'one' }}"))
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text("not: [valid")
    (tmp_path / "notes.txt").write_text("not: [valid")
    loaded = _load(tmp_path)
    assert [d.address for d in loaded.documents] == ["project/one", "project/two"]  # type: ignore[attr-defined]


def test_several_documents_per_file_and_their_lines(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("# two projects\n" + PROJECT.replace("NAME", "a") + "---\n"
                                     + PROJECT.replace("NAME", "b"))
    loaded = _load(tmp_path)
    assert [(d.address, d.line) for d in loaded.documents] == [("project/a", 2), ("project/b", 7)]  # type: ignore
    assert loaded.documents[1].source.endswith("p.yaml:7")  # type: ignore[attr-defined]
    assert loaded.documents[1].line_of(("spec", "displayName")) == 10  # type: ignore[attr-defined]


def test_size_limit_and_binary_and_encoding(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    (tmp_path / "latin1.yaml").write_bytes("a: caf\xe9\n".encode("latin-1"))
    rows = _problems(tmp_path)
    assert any("big.yaml:1:" in r and "limited to 5242880 bytes" in r for r in rows)
    assert any("latin1.yaml:1:" in r and "not valid UTF-8" in r for r in rows)


def test_variables_precedence_env_then_var_files_then_vars(tmp_path: Path) -> None:
    (tmp_path / "flyte-reconciler.yaml").write_text(
        "environments:\n  dev: {vars: {a: env, b: env, c: env}}\n")
    var_file = tmp_path / "vars.yml"
    var_file.write_text("b: file\nc: file\n")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "p.yaml").write_text(HEAD + "kind: Project\nmetadata: {name: p}\nspec:\n  displayName: x\n"
                                           "  labels: {a: '{{ vars.a }}', b: '{{ vars.b }}', c: '{{ vars.c }}',"
                                           " e: '{{ environment }}'}\n")
    config = load_config(str(tmp_path / "flyte-reconciler.yaml"), [])
    loaded = load_manifests([str(tmp_path / "m")], config=config, environment="dev", variables={"c": "cli"},
                            var_files=[str(var_file)])
    assert loaded.documents[0].model.spec.labels == {"a": "env", "b": "file", "c": "cli", "e": "dev"}


def test_unknown_environment_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "flyte-reconciler.yaml").write_text("environments: {dev: {}}\n")
    rows = _problems(tmp_path, environment="prod")
    assert any("unknown environment 'prod'" in r and "one of: dev" in r for r in rows)


@pytest.mark.parametrize(("config", "line", "needle"), [
    ("environments:\n  dev:\n    endpont: x\n", 3, "environments.dev.endpont: unknown field 'endpont' (did you mean "
                                                    "'endpoint'?)"),
    ("prune:\n  projects: maybe\n", 2, "prune.projects: got 'maybe' (true or false)"),
    ("scope:\n  domains: [qa]\n", 1, "scope.domains names qa"),
    ("domains: []\n", 1, "domain list is empty"),
    ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
    ("- just\n- a list\n", 1, "must be a mapping"),
])
def test_run_config_is_as_strict_as_manifests(tmp_path: Path, config: str, line: int, needle: str) -> None:
    path = tmp_path / "flyte-reconciler.yaml"
    path.write_text(config)
    with pytest.raises(ManifestError) as info:
        load_config(None, [str(tmp_path)])
    rows = [p.render() for p in info.value.problems]
    assert any(r.startswith(f"{path}:{line}: Config") and needle in r for r in rows), rows


def test_config_is_found_at_the_root_of_a_manifest_path_or_given(tmp_path: Path) -> None:
    (tmp_path / "flyte-reconciler.yaml").write_text("domains: [dev]\n")
    (tmp_path / "m").mkdir()
    assert load_config(None, [str(tmp_path / "m")]).domains == ["dev"]
    other = tmp_path / "other.yaml"
    other.write_text("domains: [qa]\n")
    assert load_config(str(other), [str(tmp_path)]).domains == ["qa"]
    with pytest.raises(ManifestError, match="config file not found"):
        load_config(str(tmp_path / "missing.yaml"), [])


def test_a_config_given_inside_the_manifest_tree_is_not_read_as_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "run.yaml").write_text("scope: {projects: [p]}\n")
    (tmp_path / "p.yaml").write_text(PROJECT.replace("NAME", "p"))
    config = load_config(str(tmp_path / "run.yaml"), [str(tmp_path)])
    assert len(load_manifests([str(tmp_path)], config=config).documents) == 1


def test_duplicates_across_files_name_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(PROJECT.replace("NAME", "p"))
    (tmp_path / "b.yaml").write_text("\n\n" + PROJECT.replace("NAME", "p"))
    rows = _problems(tmp_path)
    assert any(f"{tmp_path / 'b.yaml'}:3:" in r and f"also at {tmp_path / 'a.yaml'}:1" in r for r in rows), rows


def test_duplicate_yaml_keys_are_refused_with_both_lines() -> None:
    with pytest.raises(YamlProblem) as info:
        load_documents("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert info.value.line == 4 and "first defined at line 3" in info.value.message
    assert info.value.path == ("b", "c")


def test_yaml_tags_and_deep_nesting_are_refused() -> None:
    for text in ("x: !!python/object/apply:os.system [echo]\n", "x: !custom 1\n", "x: !!set {a}\n"):
        with pytest.raises(YamlProblem, match="not allowed"):
            load_documents(text)
    with pytest.raises(YamlProblem, match="deeper than 64"):
        load_documents("a: " + "[" * 70 + "]" * 70 + "\n")


def test_all_errors_of_a_run_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HEAD + "kind: Project\nmetadata: {name: A}\nspec: {displayName: x}\n")
    (tmp_path / "b.yaml").write_text(HEAD + "kind: Project\nmetadata: {name: b}\nspec: {displayNam: x}\n")
    (tmp_path / "c.yaml").write_text("a: [unclosed\n")
    rows = _problems(tmp_path)
    assert {r.split(":", 1)[0].rsplit("/", 1)[-1] for r in rows} == {"a.yaml", "b.yaml", "c.yaml"}
    assert any("spec.displayNam: unknown field 'displayNam' (did you mean 'displayName'?)" in r for r in rows)


def test_task_resources_with_only_defaults_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "flyte-reconciler.yaml").write_text("scope: {projects: [p]}\n")
    (tmp_path / "a.yaml").write_text(HEAD + "kind: Attributes\nmetadata: {project: p, domain: staging}\n"
                                     "spec:\n  taskResources:\n    defaults: {cpu: 1}\n")
    loaded = _load(tmp_path)
    assert [(w.severity, w.line, w.field) for w in loaded.warnings] == [  # type: ignore[attr-defined]
        ("warning", 5, "spec.taskResources")]


def test_digest_is_stable_and_tracks_rendered_content(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(PROJECT.replace("NAME", "a"))
    (tmp_path / "b.yaml").write_text(PROJECT.replace("NAME", "{{ vars.name }}"))
    first = _load(tmp_path, variables={"name": "b"}).digest  # type: ignore[attr-defined]
    assert _load(tmp_path, variables={"name": "b"}).digest == first  # type: ignore[attr-defined]
    assert _load(tmp_path, variables={"name": "c"}).digest != first  # type: ignore[attr-defined]
    (tmp_path / "b.yaml").rename(tmp_path / "0.yaml")  # file order does not matter
    assert _load(tmp_path, variables={"name": "b"}).digest == first  # type: ignore[attr-defined]


def test_simple_resources_bodies(tmp_path: Path) -> None:
    (tmp_path / "flyte-reconciler.yaml").write_text("scope: {projects: [p]}\n")
    (tmp_path / "m.yaml").write_text(
        PROJECT.replace("NAME", "p") + "---\n" + HEAD + "kind: Workflow\nmetadata: {project: p, domain: staging, "
        "name: wf}\nspec: {state: archived}\n---\n" + HEAD + "kind: Attributes\nmetadata: {project: p, domain: "
        "staging, workflow: wf}\nspec:\n  taskResources: {defaults: {cpu: 500m}, limits: {cpu: 1}}\n"
        "  executionQueue: [gpu]\n  clusterAssignment: {clusterPoolName: pool}\n")
    resources = {r.address: (dict(r.body), r.source.rsplit(":", 1)[-1]) for r in simple_resources(_load(tmp_path))}
    assert resources == {
        "project/p": ({"id": "p", "displayName": "The p", "description": "", "labels": {}, "state": "active"}, "1"),
        "workflow/p/staging/wf": ({"description": "", "state": "archived"}, "6"),
        "attributes/p/staging/wf/task_resource": ({"value": {"defaults": {"cpu": "500m"}, "limits": {"cpu": "1"}}},
                                                  "11"),
        "attributes/p/staging/wf/execution_queue": ({"value": ["gpu"]}, "11"),
        "attributes/p/staging/wf/cluster_assignment": ({"value": {"clusterPoolName": "pool"}}, "11"),
    }


def test_json_schema_is_a_one_of_over_kinds_and_hides_qos_attributes() -> None:
    schema = json_schema()
    refs = [variant["$ref"].rsplit("/", 1)[-1] for variant in schema["oneOf"]]
    assert refs == ["ProjectManifest", "LaunchPlanManifest", "AttributesManifest", "WorkflowManifest",
                    "BackfillManifest", "PackageManifest", "RunManifest"]
    for ref in refs:
        assert schema["$defs"][ref]["properties"]["kind"]["const"] == ref.removesuffix("Manifest")
    assert "qualityOfService" not in schema["$defs"]["AttributesSpec"]["properties"]
    assert "qualityOfService" in schema["$defs"]["LaunchPlanSpec"]["properties"]
    assert "from" in schema["$defs"]["BackfillSpec"]["properties"]


def test_the_committed_sample_schema_is_current() -> None:
    committed = json.loads((REPO / "manifests" / "schema.json").read_text())
    assert committed == json_schema(), "run: flyte-reconciler schema --out manifests/schema.json"


def test_schema_command_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(cli, ["schema", "--out", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["oneOf"]


def test_validate_the_sample_prints_a_summary_per_kind() -> None:
    result = CliRunner().invoke(cli, ["validate", str(REPO / "manifests"), "--env", "sandbox"])
    assert result.exit_code == 0, result.output
    assert "Valid: Project: 2, LaunchPlan: 8, Attributes: 7, Workflow: 2, Backfill: 1." in result.output


def test_validate_rejects_a_malformed_var() -> None:
    result = CliRunner().invoke(cli, ["validate", str(REPO / "manifests"), "--var", "novalue"])
    assert result.exit_code == 1 and "KEY=VALUE" in result.output


def test_every_connection_key_the_settings_read_is_a_config_field() -> None:
    """The settings resolver maps environment keys of flyte-reconciler.yaml; each must be accepted here."""
    from reconciler import settings
    from reconciler.manifests.config import Environment

    keys = getattr(settings, "ENVIRONMENT_KEYS", None)
    if keys is None:
        pytest.skip("this settings module has no ENVIRONMENT_KEYS table")
    assert set(keys) <= set(Environment.model_fields)
