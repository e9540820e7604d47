"""Every example under examples/ validates (for each of its environments)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.manifests import load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = [(d, env) for d in sorted(p.parent for p in EXAMPLES.glob("*/flyte-reconciler.yaml"))
         for env in (sorted(load_config(str(d / "flyte-reconciler.yaml"), []).environments) or [None])]


def test_there_are_examples() -> None:
    assert {d.name for d, _ in CASES} >= {"multi-environment", "domain-overlays", "backfill-campaign"}


@pytest.mark.parametrize(("example", "env"), CASES, ids=lambda v: getattr(v, "name", v))
def test_example_validates(example: Path, env: str | None) -> None:
    args = ["validate", str(example / "manifests"), *(["--env", env] if env else [])]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
