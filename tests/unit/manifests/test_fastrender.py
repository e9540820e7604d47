"""The expression-only fast path renders exactly what the full Jinja path renders, with the same line
map, and leaves every error to the full path (same message, same line)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reconciler.manifests import render as full
from reconciler.manifests import template_limits as limits
from reconciler.manifests.fastrender import ExpressionRenderer
from reconciler.manifests.secrets import EnvPolicy

VARIABLES = {"release": "v1", "multi": "a: 1\nb: 2", "gap": "x\n\n  y", "n": 3, "flag": True, "none": None,
             "nested": {"k": "v"}, "marker": "\ue000"}

SOURCES = [
    "kind: A\nspec: {version: {{ vars.release }}}\n",
    "a: {{ vars.release }}\nb: {{vars.release}}-{{ vars.n + 1 }}\n",
    "spec:\n  value: |\n    {{ vars.multi }}\n  after: 1\n",
    "x: {{ vars.gap }}\n\n\ny: 2",
    "a: {{ vars.flag }} {{ vars.none }} {{ vars.nested.k }} {{ vars.nested }}\n",
    "a: {{ 'bench-000' }} b: {{ \"q\" ~ vars.release | upper }}\n",
    "labels: {team: {{ vars.release }}}}\n",
    "# comment {{ vars.release }}\n   \nend: -%}\n",
    "a: {{ vars.missing }}\n",
    "a: 1\nb: {{ vars.nested.missing.deeper }}\n",
    "a: {{ vars.release\n }}\n",
    "a: {{ '}}' }}\n",
    "a: {{ {'k': 1}['k'] }}\n",
    "a: {{- vars.release }}\n",
    "{% if true %}a: 1{% endif %}\nb: {{ vars.release }}\n",
    "a: {{ vars.marker }}\n",
    "a: {{ env('FLYTE_RECONCILER_TEST_SURELY_UNSET', default='d') }}\n",
    "a: {{ env('FLYTE_RECONCILER_TEST_SURELY_UNSET') }}\n",
    "a: {{ 10 ** 100 }}\n",
    "a: {{ 'x' * 10**7 }}\n",
    "a: {{ vars.release }\n",
    "a: {{ (vars.release }}\n",
    "plain: text only\n",
]


def _full(source: str) -> tuple[str, object]:
    try:
        rendered = full.render(source, VARIABLES, "staging")
    except full.TemplateProblem as exc:
        return "error", (exc.line, exc.message)
    return "ok", (rendered.text, rendered.line_map)


def _fast(source: str) -> tuple[str, object]:
    try:
        rendered = ExpressionRenderer(VARIABLES, "staging").render(source)
    except full.TemplateProblem as exc:
        return "error", (exc.line, exc.message)
    return "ok", (rendered.text, rendered.line_map)


@pytest.mark.parametrize("source", SOURCES)
def test_same_text_lines_and_errors_as_the_full_path(source: str) -> None:
    assert _fast(source) == _full(source)


def test_an_expression_is_compiled_and_evaluated_once_per_run() -> None:
    renderer = ExpressionRenderer(VARIABLES, None)
    renderer.render("a: {{ vars.release }}\n")
    assert renderer._outputs == {" vars.release ": ("v1", 0)}
    assert renderer.render("b: {{ vars.release }}\n").text == "b: v1\n"


ENV_SOURCES = [
    "a: {{ env('BENCH_REGION') }}\nb: {{ env('BENCH_MISSING', default='d') }}\n",
    "a: {{ env('BENCH_MISSING') }}\n",
    "a: {{ env('NOT_ALLOWED') }}\n",
    "a: 1\nb: {{ env('FLYTE_CLIENT_SECRET') }}\n",
]


@pytest.mark.parametrize("source", ENV_SOURCES)
def test_env_through_the_same_policy_as_the_full_path(source: str) -> None:
    reader = EnvPolicy(allowed=("BENCH_*",)).reader({"BENCH_REGION": "eu", "NOT_ALLOWED": "x"})

    def outcome(render: Callable[[], full.Rendered]) -> tuple[str, object]:
        try:
            rendered = render()
        except full.TemplateProblem as exc:
            return "error", (exc.line, exc.message)
        return "ok", (rendered.text, rendered.line_map)

    fast = outcome(lambda: ExpressionRenderer(VARIABLES, None, env=reader).render(source))
    assert fast == outcome(lambda: full.render(source, VARIABLES, None, env=reader))


def test_the_step_budget_is_charged_per_occurrence(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each occurrence of an expression costs its steps, as in the full path: a file over the budget
    # takes the full path, which stops it with the same error and line.
    renderer = ExpressionRenderer(VARIABLES, None)
    renderer.render("a: {{ vars.n + 1 }}\n")
    _text, steps = renderer._outputs[" vars.n + 1 "]
    assert steps >= 1
    monkeypatch.setattr(limits, "MAX_TEMPLATE_STEPS", 3 * steps)
    called: list[str] = []
    real = full.render

    def spy(source: str, *args: object, **kwargs: object) -> full.Rendered:
        called.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(full, "render", spy)
    renderer.render("a: {{ vars.n + 1 }}\n" * 3)
    assert not called
    renderer.render("a: {{ vars.n + 1 }}\n" * 4)
    assert len(called) == 1
