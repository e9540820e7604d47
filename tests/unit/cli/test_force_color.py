"""FORCE_COLOR turns colour on where stdout is not a terminal (CI logs render ANSI colours);
--no-color and NO_COLOR still win."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.console import color_enabled
from tests.unit.render.render_samples import every_action_plan


def test_force_color_turns_colour_on_off_a_terminal() -> None:
    pipe = io.StringIO()
    assert color_enabled(stream=pipe, environ={}) is False
    assert color_enabled(stream=pipe, environ={"FORCE_COLOR": "1"}) is True
    assert color_enabled(stream=pipe, environ={"FORCE_COLOR": "1", "TERM": "dumb"}) is True
    assert color_enabled(stream=pipe, environ={"FORCE_COLOR": ""}) is False  # empty means unset
    assert color_enabled(stream=pipe, environ={"FORCE_COLOR": "1", "NO_COLOR": "1"}) is False
    assert color_enabled(stream=pipe, environ={"FORCE_COLOR": "1"}, no_color=True) is False


@pytest.mark.parametrize(("env", "args", "coloured"), [
    ({"FORCE_COLOR": "1"}, [], True),
    ({"FORCE_COLOR": "1"}, ["--no-color"], False),
    ({}, [], False),
])
def test_show_in_a_ci_log_is_coloured_with_force_color(tmp_path: Path, env: dict[str, str], args: list[str],
                                                       coloured: bool) -> None:
    saved = tmp_path / "plan.json"
    saved.write_text(every_action_plan().to_json())
    result = CliRunner().invoke(cli, ["show", str(saved), *args], env={"NO_COLOR": None, "TERM": None, **env})
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.output) is coloured
