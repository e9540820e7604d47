"""The loading fast path (shared scalar and tag caches, no copy for the digest) changes no result."""

from __future__ import annotations

import json

import yaml

from reconciler.manifests import _canonical
from reconciler.manifests.yamlload import jsonable, load_documents

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
