"""The one sticky PR comment: a table and a collapsible section per environment, failures in place."""

from __future__ import annotations

import re

from mdcheck import balanced
from render_samples import SCOPE, every_action_plan, lp_desired

from reconciler.model.state import State
from reconciler.plan.builder import build_plan
from reconciler.plan.render.comment import EnvironmentResult, part_marker, sticky_comment

GITHUB_LIMIT = 65_536


def test_one_comment_with_a_table_and_a_folded_section_per_environment() -> None:
    plan = every_action_plan()
    (body,) = sticky_comment([EnvironmentResult("staging", plan=plan), EnvironmentResult("production", plan=plan)],
                             commit="0123456789abcdef")
    assert body.startswith(part_marker(1) + "\n## flyte-reconciler plan for `0123456789ab`\n")
    assert "| `production` | 4 objects to add, 4 to change, 3 to destroy (14 actions) |" in body
    assert body.index("<b>production</b>") < body.index("<b>staging</b>")  # a stable order
    assert "<details><summary><b>staging</b>: 4 objects to add" in body and "## staging: 4 objects" in body
    assert balanced(body)


def test_a_failed_plan_shows_its_error_and_log_link_instead_of_a_plan() -> None:
    (body,) = sticky_comment([
        EnvironmentResult("staging", plan=every_action_plan()),
        EnvironmentResult("production", error="Error: UNAVAILABLE: connection refused\n  hint: check it",
                          log_url="https://ci.example/run/7"),
    ])
    assert "| `production` | :x: plan failed, see [job log](https://ci.example/run/7) |" in body
    failed = body.split("<details open><summary><b>production</b>: plan failed</summary>", 1)[1].split("</details>")[0]
    assert "```text\nError: UNAVAILABLE: connection refused\n  hint: check it\n```" in failed
    assert "[job log](https://ci.example/run/7)" in failed
    assert balanced(body)


def test_error_text_cannot_break_out_of_its_fence() -> None:
    (body,) = sticky_comment([EnvironmentResult("production", error="```\n</details><script>x</script>")])
    assert balanced(body) and "````text\n```\n</details><script>x</script>\n````" in body


def test_plans_over_the_comment_limit_become_parts_each_marked_and_within_the_limit() -> None:
    spec = {"fixedInputs": {f"input_{i}": "v" * 40 for i in range(8)}}
    big = build_plan(State.of([lp_desired(f"lp_{n:03}", "a1", spec) for n in range(120)]), State.of([]), SCOPE,
                     manifests_digest="d")
    parts = sticky_comment([EnvironmentResult("staging", plan=big), EnvironmentResult("production", plan=big)])
    assert len(parts) > 2
    for index, part in enumerate(parts, start=1):
        assert len(part) <= GITHUB_LIMIT and part.startswith(part_marker(index) + "\n") and balanced(part)
    # The table of every environment stays in the first part, the sticky one.
    assert re.search(r"\| `production` \| 120 launch plans to add \(240 actions\) \|", parts[0])
