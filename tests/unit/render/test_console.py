"""The console seam: colour decisions, stream separation, progress on terminals and in CI logs."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator

import pytest
from render_samples import every_action_plan

from reconciler.apply import APPLIED, FAILED, apply_plan
from reconciler.console import TerminalConsole, color_enabled
from reconciler.errors import ReconcilerError


@pytest.fixture
def terminal() -> Iterator[io.TextIOWrapper]:
    """A real pseudo-terminal (isatty() is true), read back from its other end."""
    leader, follower = os.openpty()
    stream = os.fdopen(follower, "w", encoding="utf-8", closefd=True)
    yield stream
    stream.close()
    os.close(leader)


def test_colour_needs_a_terminal_and_no_opt_out(terminal: io.TextIOWrapper) -> None:
    assert color_enabled(stream=terminal, environ={}) is True
    assert color_enabled(stream=terminal, environ={}, no_color=True) is False
    assert color_enabled(stream=terminal, environ={"NO_COLOR": "1"}) is False
    assert color_enabled(stream=terminal, environ={"NO_COLOR": ""}) is True  # no-color.org: empty = unset
    assert color_enabled(stream=terminal, environ={"TERM": "dumb"}) is False
    assert color_enabled(stream=io.StringIO(), environ={}) is False


def test_colour_is_off_by_default_off_a_terminal_and_with_no_color(monkeypatch: pytest.MonkeyPatch,
                                                                   terminal: io.TextIOWrapper) -> None:
    out, err = io.StringIO(), io.StringIO()
    console = TerminalConsole(out=out, err=err)
    assert console.color is False and console.interactive is False
    console.error("boom")
    assert err.getvalue() == "Error: boom\n"
    monkeypatch.setenv("NO_COLOR", "1")
    assert TerminalConsole(out=terminal, err=terminal).color is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("TERM", raising=False)
    assert TerminalConsole(out=terminal, err=terminal).color is True


def test_output_goes_to_stdout_and_messages_to_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    console = TerminalConsole(out=out, err=err, color=True)
    console.output("plan text")
    console.info("connecting")
    console.warn("careful")
    console.success("done")
    assert out.getvalue() == "plan text\n"
    assert err.getvalue() == ("connecting\n\x1b[33mWarning: \x1b[0mcareful\n\x1b[32mdone\x1b[0m\n")


def test_progress_in_a_log_is_one_plain_line_per_item() -> None:
    err = io.StringIO()
    console = TerminalConsole(out=io.StringIO(), err=err, color=False, interactive=False)
    progress = console.progress(3, "applying")
    progress.advance(True, "+ project/a")
    progress.advance(False, "~ launchplan/a/b/c")
    progress.advance(True, "- project/z")
    progress.close()
    progress.close()  # idempotent
    lines = err.getvalue().splitlines()
    assert lines[:3] == ["[1/3] ok     + project/a", "[2/3] failed ~ launchplan/a/b/c",
                         "[3/3] ok     - project/z"]
    assert lines[3].startswith("applying: 2 succeeded, 1 failed (3 of 3) in ") and len(lines) == 4
    assert "\r" not in err.getvalue()
    with pytest.raises(RuntimeError, match="after close"):
        progress.advance(True, "late")


def test_progress_on_a_terminal_redraws_one_line_and_keeps_failures() -> None:
    err = io.StringIO()
    console = TerminalConsole(out=io.StringIO(), err=err, color=False, interactive=True)
    progress = console.progress(2, "applying")
    progress.advance(False, "~ launchplan/a/b/c")
    console.info("a message in between")
    progress.advance(True, "+ project/a")
    progress.close()
    text = err.getvalue()
    assert "\r" in text and "applying [------------------------] 0/2" in text
    assert "applying [########################] 2/2, 1 failed" in text
    visible = [line.split("\r")[-1] for line in text.split("\n")]  # what stays on screen per line
    assert "  failed ~ launchplan/a/b/c" in visible and "a message in between" in visible
    assert visible[-2].startswith("applying: 1 succeeded, 1 failed (2 of 2)")


def test_progress_is_thread_safe() -> None:
    err = io.StringIO()
    console = TerminalConsole(out=io.StringIO(), err=err, interactive=False)
    progress = console.progress(800, "applying")
    def work() -> None:
        for _ in range(100):
            progress.advance(True, "x")

    workers = [threading.Thread(target=work) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    progress.close()
    lines = err.getvalue().splitlines()
    assert len(lines) == 801 and sorted(line.split("]")[0] for line in lines[:-1]) == sorted(
        f"[{i:>3}/800" for i in range(1, 801))
    assert lines[-1].startswith("applying: 800 succeeded, 0 failed")


def test_the_applier_reports_through_the_console_progress() -> None:
    plan = every_action_plan()
    err = io.StringIO()
    console = TerminalConsole(out=io.StringIO(), err=err, interactive=False)

    def handle(_writer: object, action: object) -> None:
        if getattr(action, "address", "") == "project/fresh":
            raise ReconcilerError("Admin said no")

    report = apply_plan(plan, writer=None, parallelism=4, handle=handle,  # type: ignore[arg-type]
                        progress=console.progress(len(plan.actions), "applying"))
    assert report.count(FAILED) == 1 and report.count(APPLIED) == len(plan.actions) - 1
    lines = err.getvalue().splitlines()
    assert len(lines) == len(plan.actions) + 1
    assert any(line.endswith("failed + project/fresh") for line in lines)
    assert lines[-1].startswith(f"applying: {len(plan.actions) - 1} succeeded, 1 failed")
