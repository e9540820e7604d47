"""Actions and field changes given the same field names share one set of names (memory at 27,000 actions);
that must never show: each reports its own names, and a copy with an update leaves the others alone."""

from __future__ import annotations

from reconciler.plan.actions import ActivateLaunchPlan, FieldChange
from reconciler.plan.model import ACTIONS_ADAPTER


def _activate(name: str) -> ActivateLaunchPlan:
    return ActivateLaunchPlan(address=f"launchplan/p/d/{name}", reason="desired version is not active",
                              before={"activeVersions": []}, after={"activeVersions": ["v1"]}, version="v1",
                              project="p", domain="d", name=name)


def test_instances_with_the_same_names_share_one_set_and_report_their_own_names() -> None:
    one, two = _activate("a"), _activate("b")
    assert one.model_fields_set is two.model_fields_set
    assert one.model_fields_set == {"address", "reason", "before", "after", "version", "project", "domain", "name"}
    change = FieldChange(op="add", path="spec.x", new=1)
    assert change.model_fields_set == {"op", "path", "new"}


def test_a_copy_with_an_update_gets_its_own_set() -> None:
    one, two = _activate("a"), _activate("b")
    copied = one.model_copy(update={"changes": (FieldChange(op="add", path="x", new=1),)})
    assert "changes" in copied.model_fields_set
    assert "changes" not in one.model_fields_set and "changes" not in two.model_fields_set


def test_shared_sets_do_not_change_dumps_or_round_trips() -> None:
    action = _activate("a")
    dumped = action.model_dump(mode="json")
    again = ACTIONS_ADAPTER.validate_python(dumped)
    assert again == action and again.model_dump(mode="json") == dumped
    assert action.model_dump(exclude_unset=True) == {k: v for k, v in action.model_dump().items()
                                                     if k in action.model_fields_set}
