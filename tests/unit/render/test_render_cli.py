"""`flyte-reconciler show FILE` renders a saved plan with these renderers, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from render_samples import every_action_plan

from reconciler.plan.render import render_json, render_markdown, render_text

MISSING = ""
try:
    from reconciler.cli import cli
except ModuleNotFoundError as exc:  # parts the CLI imports (manifests, admin edge) are built in parallel
    name: str = exc.name or ""
    if not name.startswith("reconciler.") or name.startswith(("reconciler.plan", "reconciler.console")):
        raise
    MISSING = name

pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"the CLI cannot import yet: {MISSING} is not built")


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(every_action_plan().to_json())
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_prints_the_renderer_output_without_colour(saved: Path, fmt: str) -> None:
    plan = every_action_plan()
    renderers = {"text": render_text, "json": render_json, "markdown": lambda p: render_markdown(p)[0]}
    expected = renderers[fmt](plan)
    result = CliRunner().invoke(cli, ["show", str(saved), "--format", fmt], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert result.output == expected + "\n"
    assert "\x1b[" not in result.output
