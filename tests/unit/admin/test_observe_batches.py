"""Grouping of launch plan / workflow lookups into filtered list calls (pure)."""

from __future__ import annotations

from reconciler.admin.observe import _CHUNK, _batches, _in_filter


def test_several_in_one_project_domain_are_grouped_and_lone_ones_read_singly() -> None:
    keys = [("p", "d", "a", "r-1"), ("p", "d", "b", "r-2"), ("p", "e", "c", "r-3")]
    groups, singles = _batches(keys)
    assert groups == [[("p", "d", "a", "r-1"), ("p", "d", "b", "r-2")]]
    assert singles == [("p", "e", "c", "r-3")]


def test_versions_a_filter_cannot_carry_are_read_singly() -> None:
    keys = [("p", "d", "a", "v1,2"), ("p", "d", "b", "v+3"), ("p", "d", "c", "v 4"), ("p", "d", "e", "ok")]
    groups, singles = _batches(keys)
    assert groups == [] and len(singles) == 4


def test_large_groups_are_chunked_and_the_filter_lists_names_and_versions() -> None:
    keys = [("p", "d", f"lp{i:04d}", f"r-{i}") for i in range(_CHUNK * 2 + 1)]
    groups, singles = _batches(keys + keys)  # duplicates collapse
    assert [len(g) for g in groups] == [_CHUNK, _CHUNK, 1] or [len(g) for g in groups][:2] == [_CHUNK, _CHUNK]
    assert sum(len(g) for g in groups) + len(singles) == len(keys)
    assert _in_filter([("p", "d", "b", "v2"), ("p", "d", "a", "v1")]) == "value_in(name,a;b)+value_in(version,v1;v2)"
