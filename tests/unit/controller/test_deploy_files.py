"""deploy/: the Kubernetes manifests parse, probe the documented paths, and the ConfigMap's
flyte-reconciler.yaml is a valid run configuration whose controller settings resolve."""

from __future__ import annotations

from pathlib import Path

import yaml

from reconciler.controller.config import ControllerFlags, controller_settings
from reconciler.controller.cycle import ConnectionFlags
from reconciler.manifests import load_config

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def _docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((DEPLOY / "kubernetes" / name).read_text()) if d]


def test_every_kustomization_resource_exists_and_parses() -> None:
    (kustomization,) = _docs("kustomization.yaml")
    for resource in kustomization["resources"]:
        assert _docs(resource), resource


def test_deployment_probes_config_and_secret() -> None:
    (deployment,) = _docs("deployment.yaml")
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"secretRef": {"name": "flyte-reconciler-controller"}} in container["envFrom"]
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    assert "0.0.0.0:8080" in container["args"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["config"]["configMap"]["name"] == "flyte-reconciler-controller"


def test_the_configmap_config_validates_and_resolves(tmp_path: Path) -> None:
    (configmap,) = _docs("configmap.yaml")
    path = tmp_path / "flyte-reconciler.yaml"
    path.write_text(configmap["data"]["flyte-reconciler.yaml"])
    config = load_config(str(path), [])
    settings = controller_settings(ControllerFlags(config_path=str(path)), ConnectionFlags(), config)
    assert settings.source.startswith("https://") and settings.ref == "main"
    assert [(e.name, e.sync) for e in settings.environments] == [("production", "auto")]
    assert settings.windows and settings.windows[0].kind == "deny"
    assert settings.git_token_env_var == "GIT_TOKEN"
