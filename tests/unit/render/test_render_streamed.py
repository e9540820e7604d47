"""The CLI writes a text plan as it is rendered (a first apply at L is ~200,000 lines): the output must be
exactly the text ``render_text`` gives, whatever the chunk size."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from render_samples import every_action_plan

from reconciler.cli import output
from reconciler.plan.render import ConsoleLinks, default_console_url, render_text
from reconciler.plan.render.text import text_lines


@click.command()
def _emit() -> None:
    output.emit_plan(every_action_plan(), fmt="text", no_color=True)


def test_text_lines_are_render_text_line_by_line() -> None:
    plan = every_action_plan()
    assert "\n".join(text_lines(plan, color=True)) == render_text(plan, color=True)


@pytest.mark.parametrize("chunk", [1, 2, 7, 10_000])
def test_emitted_text_plan_is_the_rendered_text_whatever_the_chunk_size(monkeypatch: pytest.MonkeyPatch,
                                                                       chunk: int) -> None:
    monkeypatch.setattr(output, "TEXT_CHUNK_LINES", chunk)
    result = CliRunner().invoke(_emit, [], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    plan = every_action_plan()
    base = default_console_url(plan.endpoint)
    assert base  # links are part of what is streamed
    assert result.output == render_text(plan, links=ConsoleLinks(base)) + "\n"
