"""Markdown splitter: size limit, fences and <details> never broken, content kept in order."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mdcheck import balanced

from reconciler.plan.render import split_markdown


def content_lines(parts: list[str]) -> list[str]:
    return [line for part in parts for line in part.split("\n")]


def is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


def test_text_that_fits_is_returned_unchanged() -> None:
    text = "# t\n\n```\ncode\n```\n"
    assert split_markdown(text, 1000) == [text]


def test_cuts_between_blocks_not_inside_them() -> None:
    block = "<details><summary>S</summary>\n\n```diff\n" + "+ line\n" * 30 + "```\n\n</details>\n\n"
    text = "".join(f"## section {i}\n\n{block}" for i in range(20))
    parts = split_markdown(text, 1500)
    assert len(parts) > 3
    for i, part in enumerate(parts, start=1):
        assert len(part) <= 1500 and balanced(part)
        assert part.startswith(f"(part {i}/{len(parts)})\n\n")
        assert "(continued)" not in part  # every block fits, so none had to be reopened
    # Nothing was added or lost: without their labels the parts are the text again.
    assert "".join(re.sub(r"^\(part \d+/\d+\)\n\n", "", p) for p in parts) == text


def test_a_block_larger_than_a_part_is_closed_and_reopened() -> None:
    text = ("intro\n\n<details><summary>Huge spec</summary>\n\n````yaml\n"
            + "".join(f"key{i}: {'v' * 40}\n" for i in range(400)) + "````\n\n</details>\n\nend\n")
    parts = split_markdown(text, 2000, title="flyte-reconciler plan")
    assert len(parts) > 5
    for part in parts:
        assert len(part) <= 2000 and balanced(part)
        assert part.startswith("**flyte-reconciler plan** (part ")
    # The block cannot fit anywhere, so the first part is filled rather than left holding "intro" alone.
    assert "intro\n\n<details><summary>Huge spec</summary>\n\n````yaml\nkey0:" in parts[0]
    assert all("<details><summary>Huge spec (continued)</summary>\n\n````yaml\n" in p for p in parts[1:])
    assert is_subsequence(text.split("\n"), content_lines(parts))


def test_a_line_longer_than_a_part_is_cut_inside_its_fence() -> None:
    text = "```\n" + "x" * 5000 + "\n```\n"
    parts = split_markdown(text, 1000)
    assert all(len(p) <= 1000 and balanced(p) for p in parts)
    assert "".join(re.sub(r"[^x]", "", p) for p in parts) == "x" * 5000


def test_too_small_a_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        split_markdown("x" * 500, 100)


paragraph = st.text(alphabet="abc def|*_#<>`\u00e9", min_size=1, max_size=120).map(
    lambda s: s.replace("`", "") or "p")
code_line = st.text(alphabet="abc {}:-+", max_size=150)
fence = st.builds(lambda marker, info, lines: "\n".join([marker + info, *lines, marker]),
                  st.sampled_from(["```", "````", "~~~"]), st.sampled_from(["", "diff", "yaml"]),
                  st.lists(code_line, max_size=60))
details = st.builds(lambda summary, inner: "\n\n".join([f"<details><summary>{summary}</summary>", *inner,
                                                        "</details>"]),
                    st.sampled_from(["Full before / after", "12 changed lines"]),
                    st.lists(st.one_of(paragraph, fence), max_size=6))
document = st.lists(st.one_of(paragraph, fence, details), min_size=1, max_size=40).map("\n\n".join)


@settings(max_examples=150, deadline=None)
@given(document, st.integers(min_value=400, max_value=6000), st.sampled_from([None, "plan"]))
def test_split_properties(text: str, limit: int, title: str | None) -> None:
    parts = split_markdown(text, limit, title=title)
    assert all(len(p) <= limit for p in parts)
    assert balanced(text) and all(balanced(p) for p in parts)
    if len(text) <= limit:
        assert parts == [text]
    else:
        assert len(parts) >= 2
        assert all(f"(part {i}/{len(parts)})" in p.split("\n", 1)[0] for i, p in enumerate(parts, start=1))
        assert is_subsequence(text.split("\n"), content_lines(parts))


def test_a_plan_over_githubs_limit_is_split_between_address_sections() -> None:
    from render_samples import SCOPE, lp_desired

    from reconciler.model.state import State
    from reconciler.plan.builder import build_plan
    from reconciler.plan.render import render_markdown

    spec = {"fixedInputs": {f"input_{i}": "v" * 40 for i in range(8)}}
    plan = build_plan(State.of([lp_desired(f"lp_{n:03}", "a1", spec) for n in range(120)]), State.of([]), SCOPE,
                      manifests_digest="d")
    parts = render_markdown(plan)
    assert sum(len(p) for p in parts) > 65_536 and len(parts) > 1
    for part in parts:
        assert len(part) <= 65_536 and balanced(part)
        body = re.sub(r"^\*\*flyte-reconciler plan\*\* \(part \d+/\d+\)\n\n", "", part)
        # Each part after the first starts at a section heading: no address section is cut in two.
        assert body.startswith("#"), body[:80]
    for n in range(120):
        holding = [p for p in parts if f"launchplan/flytesnacks/production/lp_{n:03}`" in p]
        assert len(holding) == 1
