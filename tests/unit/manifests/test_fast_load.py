"""The loading fast path (shared scalar and tag caches, no copy for the digest) changes no result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ManifestError
from reconciler.manifests import _canonical, _may_be_unsafe, load_config, load_manifests
from reconciler.manifests.values import unsafe_values
from reconciler.manifests.yamlload import YamlProblem, jsonable, load_documents

TEXT = """\
a: 2024-01-01T00:00:00Z
b: [yes, "yes", 1, '1', 1.5, ~, null, 2024-02-03, on]
c: {d: 0o17, e: .inf, f: text}
"""


def test_values_match_pyyaml_safe_load_across_documents() -> None:
    # The caches are shared across documents: the second copy is built from them.
    documents = load_documents(TEXT + "---\n" + TEXT)
    expected = yaml.safe_load(TEXT)
    assert [d.value for d in documents] == [expected, expected]
    assert documents[1].lines[("b", 8)] == 6


def test_canonical_text_is_that_of_the_jsonable_copy() -> None:
    value = load_documents(TEXT)[0].value
    assert _canonical(value) == json.dumps(jsonable(value), sort_keys=True, separators=(",", ":"), default=str)


_SCALARS = st.one_of(st.text(max_size=8), st.floats(), st.integers(), st.booleans(), st.none())
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                       max_leaves=20)


@given(_VALUES)
def test_the_unsafe_screen_never_lets_an_unsafe_value_through(value: object) -> None:
    # A document the screen passes skips the walk over every value: it must hold no NUL and no NaN/inf.
    if list(unsafe_values(value)):
        assert _may_be_unsafe(_canonical(value))


def test_a_nul_or_nan_in_a_manifest_is_still_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: p}\n"
                                     "spec:\n  displayName: P\n  description: \"a\\0b\"\n")
    with pytest.raises(ManifestError) as error:
        load_manifests([str(tmp_path)], config=load_config(None, [str(tmp_path)]))
    assert [(p.line, p.field) for p in error.value.problems] == [(6, "spec.description")]


LOOPED = """\
{% for name in ['a', 'b'] %}
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: p, domain: development, name: {{ name }}}
spec:
  workflow: {name: wf, version: v1}
  defaultInputs:
    limit: 1
{% endfor %}
"""


def test_line_maps_built_when_asked_are_the_ones_parsing_with_lines_gives(tmp_path: Path) -> None:
    # Documents are parsed without line maps; the first question parses the file again with them.
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "looped.yaml").write_text(LOOPED)
    (tmp_path / "m" / "plain.yaml").write_text("apiVersion: flyte-reconciler/v1\nkind: Project\n"
                                               "metadata: {name: p}\nspec:\n  displayName: P\n")
    loaded = load_manifests([str(tmp_path / "m")], config=load_config(None, [str(tmp_path / "m")]))
    by_address = {d.address: d for d in loaded.documents}
    # Both launch plans come from the loop's lines 5 and 9 of the template, not from rendered lines.
    for name in ("a", "b"):
        document = by_address[f"launchplan/p/development/{name}"]
        assert document.line_of(("metadata", "name")) == 5
        assert document.line_of(("spec", "defaultInputs", "limit")) == 9
    plain = by_address["project/p"]
    text = (tmp_path / "m" / "plain.yaml").read_text()
    assert dict(plain.lines) == load_documents(text)[0].lines
    assert plain.line_of(("spec", "displayName")) == 5


def test_parsing_without_lines_refuses_what_parsing_with_lines_refuses() -> None:
    for text in ("a: 1\na: 2\n", "a: !!python/object:os.system x\n", "<<: {a: 1}\n", "? [a]\n: 1\n",
                 "a: 2023-02-29\n", "a: [1\n"):
        with pytest.raises(YamlProblem) as eager:
            load_documents(text)
        with pytest.raises(YamlProblem) as lazy:
            load_documents(text, lines=False)
        assert (lazy.value.line, lazy.value.message, lazy.value.path) == \
            (eager.value.line, eager.value.message, eager.value.path)
