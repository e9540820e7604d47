"""Jinja rendering: the output is exactly Jinja's, and each rendered line maps to the source line
that produced it (loops, macros, whitespace control, multi-line values); errors name source lines."""

from __future__ import annotations

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.manifests.render import TemplateProblem, render
from reconciler.manifests.secrets import EnvPolicy


def _rows(source: str, **variables: object) -> list[tuple[int, str]]:
    rendered = render(source, dict(variables), None)
    return list(zip(rendered.line_map, rendered.text.split("\n"), strict=True))


def _plain(source: str, **variables: object) -> str:
    return jinja2.Environment(keep_trailing_newline=True).from_string(source).render(vars=dict(variables))


SOURCES = [
    "a: 1\n{% for d in ['x', 'y'] %}\n- d: {{ d }}\n  e: 2\n{% endfor %}\nz: 3\n",
    "{% macro lp(d) -%}\nname: {{ d }}\nx: 1\n{%- endmacro %}\n{{ lp('q') }}\n---\n{{ lp('r') }}\n",
    "list: [{%- for x in [1, 2] -%}\n{{ x }},\n{%- endfor -%}]\nk: {{ 'a' }}\n",
    "a: {{ 'multi\\nline' }}\nb: {# a\nmulti-line comment #} 2\nc: {{\n  1 + 1\n}}\n",
    "{% if true %}\nyes: 1\n{% else %}\nno: 1\n{% endif %}\n{% raw %}{{ kept }}{% endraw %}\n",
    "{% set items = ['a', 'b'] %}\n{%- for i in items %}\n  - {{ i }}\n{%- endfor %}\nend: true",
]


@pytest.mark.parametrize("source", SOURCES)
def test_markers_never_change_the_output(source: str) -> None:
    assert render(source, {}, None).text == _plain(source)


def test_loop_iterations_map_to_the_template_lines() -> None:
    rows = _rows(SOURCES[0])
    assert [n for n, text in rows if text.strip().startswith("- d:")] == [3, 3]
    assert [n for n, text in rows if text.strip().startswith("e:")] == [4, 4]
    assert [n for n, text in rows if text.startswith("z:")] == [6]


def test_macro_lines_map_into_the_macro_body() -> None:
    rows = _rows(SOURCES[1])
    assert [n for n, text in rows if text.startswith("name:")] == [2, 2]
    assert [n for n, text in rows if text.startswith("x:")] == [3, 3]


def test_multi_line_values_and_comments_keep_later_lines_exact() -> None:
    rows = dict((text, n) for n, text in _rows(SOURCES[3]))
    assert rows["a: multi"] == 1
    assert rows["b:  2"] == 2  # the key is written before the comment opens
    assert rows["c: 2"] == 4


def test_whitespace_control_does_not_shift_later_lines() -> None:
    rows = _rows(SOURCES[5])
    assert dict((text, n) for n, text in rows)["end: true"] == 5


@given(st.lists(st.sampled_from(["a: 1", "- x", "{{ 1 }}", "# c", "", "b: '{{ 2 }}'"]), max_size=30))
def test_without_line_changing_constructs_every_line_maps_to_itself(lines: list[str]) -> None:
    source = "\n".join(lines)
    rendered = render(source, {}, None)
    assert rendered.text == _plain(source)
    assert rendered.line_map == list(range(1, len(lines) + 1)) or not lines


@pytest.mark.parametrize(("source", "line", "message"), [
    ("a: 1\nb: {{ missing }}\n", 2, "'missing' is undefined"),
    ("a: 1\n{% for %}\n", 2, "syntax error"),
    ("a: 1\n\nx: {{ ''.__class__.__mro__ }}\n", 3, "sandbox forbids"),
    ("a: {{ env('FLYTE_RECONCILER_SURELY_UNSET') }}\n", 1, "allow-list"),
    ("a: 1\n{% for d in [1, 2] %}\nb: {{ vars.nope }}\n{% endfor %}\n", 3, "no attribute 'nope'"),
    ("x: {% include '/etc/passwd' %}\n", 1, "template error"),
    ("x: {{ [].append(1) }}\n", 1, "sandbox"),
])
def test_template_errors_name_the_source_line(source: str, line: int, message: str) -> None:
    with pytest.raises(TemplateProblem) as info:
        render(source, {}, None)
    assert info.value.line == line
    assert message in info.value.message


def test_env_function_default_and_environment_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_RECONCILER_TEST_VAR", "from-env")
    allowed = EnvPolicy(("FLYTE_RECONCILER_TEST_VAR", "UNSET_X_*")).reader()
    rendered = render("a: {{ env('FLYTE_RECONCILER_TEST_VAR') }}\nb: {{ env('UNSET_X_Y', default='d') }}\n"
                      "c: {{ env('UNSET_X_Y', '') }}\nd: {{ environment }}\n", {}, "staging", env=allowed)
    assert rendered.text == "a: from-env\nb: d\nc: \nd: staging\n"


def test_reserved_marker_characters_are_refused() -> None:
    with pytest.raises(TemplateProblem, match="private-use"):
        render("a: \ue000{{ 1 }}\n", {}, None)
