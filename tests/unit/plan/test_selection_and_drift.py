"""A selection that selects nothing is an error, and unmanaged objects count as drift (pure planner)."""

from __future__ import annotations

import pytest

from reconciler.cli.plan import drift_found
from reconciler.errors import PlanError
from reconciler.model.state import Resource, State
from reconciler.plan.builder import build_plan
from reconciler.plan.options import PlanOptions, Prune

LP = "launchplan/p/development/daily"
STRAY = Resource("launchplan/p/development/hand_made", {"activeVersions": ["x"], "versions": {}, "description": None})


def project() -> Resource:
    return Resource("project/p", {"id": "p", "displayName": "P", "description": "d", "labels": {}, "state": "active"})


def options(**kwargs: object) -> PlanOptions:
    return PlanOptions(projects=frozenset({"p"}), domains=frozenset({"development"}), **kwargs)  # type: ignore[arg-type]


def test_a_target_that_matches_nothing_is_an_error_naming_the_closest_addresses() -> None:
    with pytest.raises(PlanError) as caught:
        build_plan(State.of([project()]), State.of([project(), STRAY]),
                   options(targets=("launchplan/p/developmnet/*",)), manifests_digest="d")
    message = str(caught.value)
    assert "--target 'launchplan/p/developmnet/*' matches no address" in message
    assert "closest: launchplan/p/development/hand_made" in message


def test_an_exclude_that_matches_nothing_is_an_error_too() -> None:
    with pytest.raises(PlanError, match=r"--exclude 'projekt/q' matches no address \(closest: project/p\)"):
        build_plan(State.of([project()]), State.of([project()]), options(excludes=("projekt/q",)),
                   manifests_digest="d")


def test_a_target_matching_an_in_sync_or_unmanaged_address_is_fine() -> None:
    plan = build_plan(State.of([project()]), State.of([project(), STRAY]),
                      options(targets=("project/*", "launchplan/p/*")), manifests_digest="d")
    assert plan.actions == () and plan.in_sync == ("project/p",)


def test_unmanaged_objects_are_drift_unless_the_config_ignores_them() -> None:
    plan = build_plan(State.of([project()]), State.of([project(), STRAY]), options(), manifests_digest="d")
    assert plan.actions == () and [u.address for u in plan.unmanaged] == [STRAY.address]
    assert drift_found(plan, unmanaged_policy="report")
    assert not drift_found(plan, unmanaged_policy="ignore")


def test_pruned_unmanaged_objects_are_drift_through_their_actions_whatever_the_policy() -> None:
    plan = build_plan(State.of([project()]), State.of([project(), STRAY]),
                      options(prune=Prune(launch_plans=True)), manifests_digest="d")
    assert plan.has_changes and drift_found(plan, unmanaged_policy="ignore")


def test_in_sync_without_unmanaged_objects_is_no_drift() -> None:
    plan = build_plan(State.of([project()]), State.of([project()]), options(), manifests_digest="d")
    assert not drift_found(plan, unmanaged_policy="report")
