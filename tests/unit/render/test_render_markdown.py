"""Markdown renderer: heading, summary table, destructive first, details, links, splitting a big plan."""

from __future__ import annotations

import re

from mdcheck import balanced
from render_samples import SCOPE, attr, every_action_plan, lp_actual, lp_desired

from reconciler.model.state import Resource, State
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.plan.options import PlanOptions, Prune
from reconciler.plan.render import ConsoleLinks, markdown_document, render_markdown
from reconciler.plan.render.common import NO_CHANGES

GITHUB_LIMIT = 65_536


def test_small_plan_is_one_part_with_heading_table_and_sections(full_plan: Plan) -> None:
    parts = render_markdown(full_plan)
    assert len(parts) == 1 and parts[0] == markdown_document(full_plan)
    text = parts[0]
    # Objects first, then how many actions they take (register + activate is one launch plan).
    assert text.startswith("## flyte-reconciler plan: 4 objects to add, 4 to change, 3 to destroy (14 actions)\n")
    assert "| attribute rows | 2 (2 actions) | 1 (1 action) | 1 (1 action) |" in text
    assert "| launch plans | 1 (2 actions) | 1 (3 actions) | 1 (1 action) |" in text
    assert "| **Total** | **4** (5 actions) | **4** (6 actions) | **3** (3 actions) |" in text
    assert "Environment `prod`" in text and "(part" not in text
    assert balanced(text)


def test_destructive_changes_are_called_out_and_listed_first(full_plan: Plan) -> None:
    text = render_markdown(full_plan)[0]
    assert "> [!CAUTION]" in text
    destructive, rest = text.split("### Destructive changes", 1)[1].split("### Changes", 1)
    for address in ("project/old", "launchplan/flytesnacks/production/stray",
                    "attributes/flytesnacks/-/-/cluster_assignment"):
        assert f"#### `-` `{address}`" in destructive
    assert "#### `+` `project/fresh`" in rest and "#### `~` `project/flytesnacks`" in rest


def test_changes_are_diff_fences_and_whole_objects_for_creates(full_plan: Plan) -> None:
    text = render_markdown(full_plan)[0]
    assert "```diff\n- value.limits.memory: 4Gi\n+ value.limits.memory: 8Gi\n```" in text
    assert "- spec.defaultInputs.limit.default: 100\n+ spec.defaultInputs.limit.default: 200" in text
    assert "```diff\n+ id: fresh\n+ displayName: Fresh\n" in text
    assert "```diff\n- value: {clusterPoolName: default}\n```" in text
    assert "<details><summary>Full before / after</summary>" in text
    assert "(rows that should stay are restored by this plan): " \
           "`attributes/flytesnacks/production/reports.daily/cluster_assignment`" in text


def test_unmanaged_warnings_resolved_and_links(full_plan: Plan) -> None:
    text = render_markdown(full_plan, links=ConsoleLinks("https://flyte.example.com/"))[0]
    assert "| `project/old` | project in scope but not in manifests | **removed by this plan** |" in text
    assert "### Warnings\n\n- manifests/lp.yaml:3: template variable 'x' unused" in text
    assert "<details><summary>Resolved at plan time</summary>" in text
    assert ("#### `~` `workflow/flytesnacks/production/reports.daily` · [console](https://flyte.example.com"
            "/console/projects/flytesnacks/domains/production/workflows/reports.daily)") in text
    assert text.count("[console](") == 4


def test_free_text_cannot_inject_html_or_break_tables() -> None:
    plan = every_action_plan().model_copy(update={"warnings": ("<script>x</script> | a",)})
    text = render_markdown(plan)[0]
    assert "<script>" not in text and "- &lt;script&gt;x&lt;/script&gt; \\| a" in text


def test_empty_plan(no_change_plan: Plan) -> None:
    (text,) = render_markdown(no_change_plan, title="Drift: prod")
    assert text.startswith("## Drift: prod: no changes\n") and NO_CHANGES in text and "| Kind |" not in text
    assert "1 object in sync" in text


def test_deterministic(full_plan: Plan) -> None:
    assert render_markdown(full_plan) == render_markdown(every_action_plan())
    assert render_markdown(Plan.from_json(full_plan.to_json())) == render_markdown(full_plan)


def big_plan() -> Plan:
    """A 200 KB+ plan: hundreds of launch plans with new versions, attribute rows, and one launch
    plan whose spec alone is larger than a GitHub comment."""
    desired: list[Resource] = []
    actual: list[Resource] = []
    for i in range(250):
        name = f"report_{i:03d}"
        old = {"defaultInputs": {f"in_{k}": {"default": k} for k in range(6)}, "labels": {"team": "ml"}}
        new = {"defaultInputs": {f"in_{k}": {"default": k * 10} for k in range(6)}, "labels": {"team": "ds"}}
        desired.append(lp_desired(name, f"v{i}b", new))
        actual.append(lp_actual(name, [f"v{i}a"], {f"v{i}a": old}))
    huge = {"fixedInputs": {f"param_{k:05d}": "x" * 60 for k in range(1500)}}
    desired.append(lp_desired("huge", "h1", huge))
    for i in range(40):
        desired.append(attr(f"attributes/flytesnacks/production/wf{i}/task_resource",
                            {"limits": {"memory": "8Gi"}}))
        actual.append(attr(f"attributes/flytesnacks/production/wf{i}/task_resource",
                           {"limits": {"memory": "4Gi"}}))
    options = PlanOptions(projects=SCOPE.projects, domains=SCOPE.domains, prune=Prune(), max_deletions=1000)
    return build_plan(State.of(desired), State.of(actual), options, manifests_digest="sha256:big")


def test_a_200_kb_plan_splits_into_comment_sized_balanced_parts() -> None:
    plan = big_plan()
    whole = markdown_document(plan)
    assert len(whole) > 200_000
    parts = render_markdown(plan)
    assert len(parts) >= 4
    for i, part in enumerate(parts, start=1):
        assert len(part) <= 65_000 < GITHUB_LIMIT
        assert part.startswith(f"**flyte-reconciler plan** (part {i}/{len(parts)})\n\n")
        assert balanced(part), f"part {i} has an unbalanced fence or <details>"
        assert part.count("```") % 2 == 0
    joined = "\n".join(parts)
    for action in plan.actions:  # every address section made it into some part
        assert f"`{action.address}`" in joined
    # The huge spec did not fit in one part: it continues, inside its fence, in the next ones.
    assert "(continued)</summary>" in joined
    heading = re.compile(r"^#### ", flags=re.M)
    assert len(heading.findall(joined)) == len({a.address for a in plan.actions})


def test_custom_limit_is_respected(full_plan: Plan) -> None:
    parts = render_markdown(full_plan, max_chars=3000, title="plan")
    assert len(parts) > 1 and all(len(p) <= 3000 and balanced(p) for p in parts)


def test_a_small_plan_heading_names_kinds_with_objects_and_actions() -> None:
    spec = {"fixedInputs": {"x": 1}}
    desired = [lp_desired(f"lp{i}", "a1", spec) for i in range(8)]
    plan = build_plan(State.of(desired), State.of([]), SCOPE, manifests_digest="d")
    assert markdown_document(plan).startswith("## flyte-reconciler plan: 8 launch plans to add (16 actions)\n")


def test_unmanaged_objects_left_in_place_are_not_reported_as_in_sync() -> None:
    scope = PlanOptions(projects=frozenset({"flytesnacks"}), domains=frozenset({"production"}))
    plan = build_plan(State.of([]), State.of([lp_actual("stray", ["s1"], {})]), scope, manifests_digest="d")
    text = markdown_document(plan, title="Drift: prod")
    assert text.startswith("## Drift: prod: no changes, 1 unmanaged object\n") and NO_CHANGES not in text
    assert "| `launchplan/flytesnacks/production/stray` | active launch plan (version s1) not in manifests |" in text
