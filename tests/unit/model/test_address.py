"""The address value type: one place that turns identities into text and back."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from reconciler.cli import cli
from reconciler.model.address import ATTRIBUTE_TYPES, Address, AddressError, leaf

PART = st.text(st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=20)
LEVEL = st.one_of(st.none(), PART.filter(lambda s: s != "-"))


@st.composite
def addresses(draw: st.DrawFn) -> Address:
    project = draw(PART)
    kind = draw(st.sampled_from(["project", "launchplan", "workflow", "attributes", "backfill"]))
    if kind == "project":
        return Address.of_project(project)
    domain = draw(PART.filter(lambda s: s != "-"))
    if kind == "launchplan":
        return Address.of_launch_plan(project, domain, draw(PART))
    if kind == "workflow":
        return Address.of_workflow(project, domain, draw(PART))
    if kind == "backfill":
        return Address.of_backfill(project, domain, draw(PART), draw(PART))
    level_domain = draw(LEVEL)
    workflow = draw(LEVEL) if level_domain else None
    return Address.of_attributes(project, level_domain, workflow, draw(st.sampled_from(ATTRIBUTE_TYPES)))


@given(addresses())
def test_text_round_trips(address: Address) -> None:
    assert Address.parse(str(address)) == address
    assert hash(Address.parse(str(address))) == hash(address)


def test_the_text_forms() -> None:
    assert str(Address.of_project("p")) == "project/p"
    assert str(Address.of_launch_plan("p", "d", "n")) == "launchplan/p/d/n"
    assert str(Address.of_attributes("p", None, None, "task_resource")) == "attributes/p/-/-/task_resource"
    assert str(Address.of_attributes("p", "d", "wf.x", "execution_queue")) == "attributes/p/d/wf.x/execution_queue"
    assert str(Address.of_attributes("p", "d", None, None)) == "attributes/p/d/-"
    assert str(Address.of_backfill("p", "d", "lp", "q1")) == "backfill/p/d/lp/q1"
    attrs = Address.parse("attributes/p/d/-/cluster_assignment")
    assert (attrs.project, attrs.domain, attrs.workflow, attrs.attr_type, attrs.level) == (
        "p", "d", None, "cluster_assignment", "project-domain")
    assert Address.parse("backfill/p/d/lp/q1").launch_plan == "lp"


@pytest.mark.parametrize("text", [
    "", "project", "project/", "project/a/b", "launchplan/p/d", "launchplan/p/d/n/x", "nope/p",
    "attributes/p/-/wf/task_resource",  # a workflow level needs a domain
    "attributes/p/d/-/not_a_type", "attributes/p/d/-/", "backfill/p/d/lp", "workflow/p//n",
])
def test_text_that_is_no_address_is_refused(text: str) -> None:
    with pytest.raises(AddressError):
        Address.parse(text)


@pytest.mark.parametrize("build", [
    lambda: Address.of_launch_plan("p", "d", "a/b"),
    lambda: Address.of_attributes("p", "d", "-", "task_resource"),
    lambda: Address.of_attributes("p", "-", None, "task_resource"),
    lambda: Address.of_workflow("p", "d", ""),
    lambda: Address("pipeline", "p"),
])
def test_parts_that_cannot_round_trip_are_refused(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AddressError):
        build()


def test_values_are_frozen_and_compare_by_value() -> None:
    a = Address.of_launch_plan("p", "d", "n")
    assert a == Address.parse("launchplan/p/d/n") and {a: 1}[Address.of_launch_plan("p", "d", "n")] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "m"  # type: ignore[misc]


def test_leaf_is_total() -> None:
    assert leaf("backfill/p/d/lp/q1") == "q1" and leaf("") == "" and leaf("x") == "x"


# Names that would make an address that cannot be parsed back are refused at validation, with a line.
# Before the address type, `workflow: "x/y"` validated and broke `export`; `workflow: "-"` validated and
# became a project-domain write that applies to every workflow in the domain.
@pytest.mark.parametrize(("field", "value", "problem"), [
    ("workflow", '"x/y"', "contains '/'"),
    ("workflow", '"-"', "'-' is not a name"),
])
def test_manifest_names_that_break_addresses_are_refused(tmp_path, field, value, problem) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "m.yaml").write_text(
        "apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: p}\nspec: {displayName: P}\n---\n"
        "apiVersion: flyte-reconciler/v1\nkind: Attributes\n"
        f"metadata: {{project: p, domain: development, {field}: {value}}}\nspec:\n  executionQueue: [gpu]\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"m.yaml:8: Attributes: metadata.{field}: " in result.output and problem in result.output


def test_launch_plan_names_with_a_slash_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "m.yaml").write_text(
        "apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: p}\nspec: {displayName: P}\n---\n"
        "apiVersion: flyte-reconciler/v1\nkind: LaunchPlan\n"
        "metadata: {project: p, domain: development, name: a/b}\nspec:\n  workflow: {name: wf}\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1 and "m.yaml:8: LaunchPlan" in result.output and "contains '/'" in result.output
