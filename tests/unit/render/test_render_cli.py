"""`flyte-reconciler show FILE` renders a saved plan with these renderers, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from render_samples import every_action_plan

from reconciler.cli import cli
from reconciler.plan.render import ConsoleLinks, default_console_url, render_json, render_markdown, render_text


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(every_action_plan().to_json())
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_prints_the_renderer_output_without_colour(saved: Path, fmt: str) -> None:
    plan = every_action_plan()
    base = default_console_url(plan.endpoint)
    links = ConsoleLinks(base) if base else None  # show derives console links from the plan's endpoint
    renderers = {"text": lambda p: render_text(p, links=links), "json": render_json,
                 "markdown": lambda p: render_markdown(p, links=links)[0]}
    expected = renderers[fmt](plan)
    result = CliRunner().invoke(cli, ["show", str(saved), "--format", fmt], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert result.output == expected + "\n"
    assert "\x1b[" not in result.output
