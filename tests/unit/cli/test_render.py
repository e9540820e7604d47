"""`flyte-reconciler render`: the manifests after Jinja, per environment, each document under a comment
naming its source file:line, as one YAML stream plain tools can read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reconciler.cli import cli

CONFIG = ("environments:\n"
          "  staging: {endpoint: 'staging:443', vars: {release: v2}}\n"
          "  production: {endpoint: 'prod:443', vars: {release: v1}}\n")
TEMPLATE = """# yaml-language-server: $schema=./schema.json
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: 'Snacks {{ vars.release }}'}
{% for domain in ['development', 'production'] %}
---
apiVersion: flyte-reconciler/v1
kind: Attributes
metadata: {project: flytesnacks, domain: {{ domain }}}
spec: {executionQueue: [{{ domain }}-{{ environment }}]}
{% endfor %}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flyte-reconciler.yaml").write_text(CONFIG)
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "org.yaml").write_text(TEMPLATE)
    return tmp_path


def _render(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["render", *args, "manifests/"])
    return result.exit_code, result.output


def test_one_environment_with_source_lines(repo: Path) -> None:
    code, output = _render("--env", "staging")
    assert code == 0, output
    headers = [line for line in output.splitlines() if line.startswith("# source:")]
    assert headers == ["# source: manifests/org.yaml:2 (environment: staging)",
                       "# source: manifests/org.yaml:8 (environment: staging)",
                       "# source: manifests/org.yaml:8 (environment: staging)"]  # both loop runs: line 8
    documents = list(yaml.safe_load_all(output))
    assert documents[0]["spec"]["displayName"] == "Snacks v2"
    assert [d["spec"]["executionQueue"] for d in documents[1:]] == [["development-staging"],
                                                                     ["production-staging"]]


def test_every_environment_in_turn_without_env(repo: Path) -> None:
    code, output = _render()
    assert code == 0, output
    documents = list(yaml.safe_load_all(output))
    assert [d["spec"].get("displayName") for d in documents if d["kind"] == "Project"] == ["Snacks v1", "Snacks v2"]
    assert output.count("(environment: production)") == 3 and output.count("(environment: staging)") == 3


def test_without_environments_no_environment_is_named(repo: Path) -> None:
    (repo / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    code, output = _render("--var", "release=v9")
    assert code == 0, output
    assert "# source: manifests/org.yaml:2\n" in output and "(environment:" not in output
    assert next(yaml.safe_load_all(output))["spec"]["displayName"] == "Snacks v9"


def test_a_template_error_names_its_line(repo: Path) -> None:
    (repo / "manifests" / "broken.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: {{ vars.nope }}\n")
    code, output = _render("--env", "staging")
    assert code == 1
    assert "manifests/broken.yaml:2" in output and "Traceback" not in output
