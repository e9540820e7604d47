"""Terminal renderer: symbols, order, field paths, whole objects, sections, colour, determinism."""

from __future__ import annotations

import re

from render_samples import SCOPE, attr, every_action_plan

from reconciler.model.state import State
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.plan.render import ConsoleLinks, render_text
from reconciler.plan.render.common import NO_CHANGES

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def block_heads(text: str) -> list[tuple[str, str]]:
    """(symbol, address) of every address block, in output order."""
    changes = text.split("Unmanaged objects", 1)[0]
    return re.findall(r"^  (\+|~|-/\+|-) ([a-z]+/\S+)", changes, flags=re.M)


def test_every_action_type_is_shown_with_its_reason(full_plan: Plan) -> None:
    text = render_text(full_plan)
    assert {a.type for a in full_plan.actions} == {
        "create_project", "update_project", "archive_project", "update_metadata", "register_launch_plan",
        "activate_launch_plan", "deactivate_launch_plan", "update_attributes", "delete_attributes"}
    for action in full_plan.actions:
        assert action.reason in text, action.type
    for label in ("register version v2", "activate version v2", "update metadata", "delete attributes",
                  "archive project", "create project", "write attributes", "deactivate version s1"):
        assert label in text


def test_symbols_per_address_and_destructive_blocks_first(full_plan: Plan) -> None:
    heads = block_heads(render_text(full_plan))
    symbols = dict((address, symbol) for symbol, address in heads)
    assert symbols["project/fresh"] == "+"
    assert symbols["project/flytesnacks"] == "~"
    assert symbols["project/old"] == "-"
    assert symbols["launchplan/flytesnacks/production/stray"] == "-"  # deactivation counts as a destroy
    assert symbols["launchplan/flytesnacks/production/brand_new"] == "+"  # first version, then activation
    assert symbols["launchplan/flytesnacks/production/daily_report"] == "~"  # new version of an existing one
    destructive = {a.address for a in full_plan.actions if a.destructive}
    flags = [address in destructive for _symbol, address in heads]
    assert flags == sorted(flags, reverse=True) and flags[0]
    assert len(heads) == len({a.address for a in full_plan.actions})  # one block per address


def test_nested_field_changes_read_path_old_arrow_new(full_plan: Plan) -> None:
    text = render_text(full_plan)
    assert "~ value.limits.memory: 4Gi → 8Gi" in text
    assert "~ spec.defaultInputs.limit.default: 100 → 200" in text
    assert "~ activeVersions: [v1] → [v2]" in text
    assert '~ description: "" → Builds it' in text


def test_creates_show_after_and_deletes_show_before(full_plan: Plan) -> None:
    text = render_text(full_plan)
    fresh = text.split("+ project/fresh", 1)[1].split("\n\n", 1)[0]
    assert "+ id: fresh" in fresh and "+ labels: {team: ml}" in fresh
    deleted = text.split("- attributes/flytesnacks/-/-/cluster_assignment", 1)[1].split("\n\n", 1)[0]
    assert "- value: {clusterPoolName: default}" in deleted


def test_delete_lists_swept_rows_and_the_plan_shows_their_restore(full_plan: Plan) -> None:
    text = render_text(full_plan)
    swept = "attributes/flytesnacks/production/reports.daily/cluster_assignment"
    delete_block = text.split("- attributes/flytesnacks/-/-/cluster_assignment", 1)[1].split("\n\n", 1)[0]
    assert "narrower rows" in delete_block and f"- {swept}" in delete_block
    assert ("+", swept) in block_heads(text)
    assert "restore after attributes/flytesnacks/-/-/cluster_assignment" in text


def test_delete_and_rewrite_of_one_row_is_a_replace() -> None:
    address = "attributes/flytesnacks/production/-/plugin_override"
    live = [{"taskType": "spark", "pluginIds": ["a"]}, {"taskType": "ray", "pluginIds": ["b"]}]
    plan = build_plan(State.of([attr(address, live[:1])]), State.of([attr(address, live)]), SCOPE,
                      manifests_digest="d")
    assert [a.type for a in plan.actions] == ["delete_attributes", "update_attributes"]
    assert ("-/+", address) in block_heads(render_text(plan))


def test_unmanaged_warnings_and_summary(full_plan: Plan) -> None:
    text = render_text(full_plan)
    assert "Unmanaged objects" in text
    assert re.search(r"- project/old +project in scope but not in manifests; removed by this plan", text)
    assert "Warning: manifests/lp.yaml:3: template variable 'x' unused" in text
    s = full_plan.summary()
    total = f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy."
    assert text.rstrip().endswith(total)
    assert ("  2 attribute rows to add (2 actions), 1 attribute row to change (1 action), "
            "1 attribute row to destroy (1 action)\n") in text
    assert ("  1 launch plan to add (2 actions), 1 launch plan to change (3 actions), "
            "1 launch plan to destroy (1 action)\n") in text


def test_unpruned_unmanaged_objects_are_reported_as_kept() -> None:
    from render_samples import lp_actual

    from reconciler.plan.options import PlanOptions

    scope = PlanOptions(projects=frozenset({"flytesnacks"}), domains=frozenset({"production"}))
    plan = build_plan(State.of([]), State.of([lp_actual("stray", ["s1"], {})]), scope, manifests_digest="d")
    text = render_text(plan)
    # Nothing to apply, but a hand-made object is drift: the plan must not claim "in sync".
    assert NO_CHANGES not in text and "kept (prune off)" in text and "Plan:" not in text
    assert "No changes to apply, but live state does not match the manifests: 1 unmanaged object" in text


def test_empty_plan_says_no_changes(no_change_plan: Plan) -> None:
    text = render_text(no_change_plan)
    assert NO_CHANGES in text and "1 object in sync." in text and "Plan:" not in text


def test_no_colour_by_default_and_ansi_colours_when_asked(full_plan: Plan) -> None:
    assert not ANSI.search(render_text(full_plan))
    coloured = render_text(full_plan, color=True)
    assert "\x1b[32m+\x1b[0m project/fresh".replace("project/fresh", "\x1b[1mproject/fresh") in coloured
    assert "\x1b[33m~\x1b[0m" in coloured and "\x1b[31m-\x1b[0m" in coloured and "\x1b[35m-/+" not in coloured
    assert ANSI.sub("", coloured) == render_text(full_plan)


def test_console_links_next_to_launch_plans_and_workflows_only(full_plan: Plan) -> None:
    text = render_text(full_plan, links=ConsoleLinks("https://flyte.example.com"))
    base = "https://flyte.example.com/console/projects/flytesnacks/domains/production"
    assert f"~ launchplan/flytesnacks/production/daily_report  {base}/launchPlans/daily_report" in text
    assert f"~ workflow/flytesnacks/production/reports.daily  {base}/workflows/reports.daily" in text
    assert text.count("https://") == 4  # 3 launch plans + 1 workflow; projects/attributes have no page
    assert "https://" not in render_text(full_plan)


def test_rendering_is_deterministic_and_survives_the_saved_plan_round_trip(full_plan: Plan) -> None:
    again = every_action_plan()
    assert render_text(full_plan) == render_text(full_plan) == render_text(again)
    assert render_text(Plan.from_json(full_plan.to_json())) == render_text(full_plan)


def test_new_objects_list_neither_null_nor_default_fields() -> None:
    from render_samples import SCOPE, lp_desired

    spec = {"fixedInputs": {"x": 1}, "serviceAccount": None, "labels": {}, "envs": {}, "overwriteCache": False,
            "interruptible": False, "defaultInputs": {"d": {"type": "int", "required": True, "default": None}}}
    plan = build_plan(State.of([lp_desired("fresh", "a1", spec)]), State.of([]), SCOPE, manifests_digest="d")
    text = render_text(plan)
    assert "+ fixedInputs: {x: 1}" in text and "interruptible: false" in text
    for hidden in ("serviceAccount", "labels", "envs", "overwriteCache", "default: null", "null"):
        assert hidden not in text.split("Summary:")[0], hidden
    assert "d: {type: int, required: true}" in text


def test_prune_deletions_are_listed_with_the_changes_and_the_value_they_remove(full_plan: Plan) -> None:
    text = render_text(full_plan)
    listing = text.split("Unmanaged objects")[0]
    assert "- attributes/flytesnacks/-/-/cluster_assignment\n" in listing
    assert "- value: {clusterPoolName: default}" in listing
    assert "~ activeVersions: [s1] → []" in listing
