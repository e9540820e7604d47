"""The controller's pure parts: sync windows, policy, webhook signatures, notification state, statuses."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from reconciler.controller.notify import events_for
from reconciler.controller.policy import changed_addresses, digests, select_actions
from reconciler.controller.sources import redact_url
from reconciler.controller.status import Failure, object_statuses
from reconciler.controller.webhook import bearer_ok, verify_webhook
from reconciler.controller.windows import SyncWindow, parse_duration, sync_allowed
from reconciler.errors import ConfigError
from reconciler.plan.actions import ActivateLaunchPlan, LaunchExecution
from reconciler.plan.model import Plan, Unmanaged

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _window(kind: str, schedule: str, duration: str, **extra: object) -> SyncWindow:
    return SyncWindow(kind=kind, schedule=schedule, duration=parse_duration(duration),
                      environments=tuple(extra.get("environments", ())),  # type: ignore[arg-type]
                      manual_sync=bool(extra.get("manual_sync", False)))


def test_durations_parse_and_nonsense_is_refused() -> None:
    assert parse_duration("2h30m") == timedelta(hours=2, minutes=30)
    assert parse_duration("45s") == timedelta(seconds=45)
    with pytest.raises(ConfigError):
        parse_duration("soon")


def test_deny_window_blocks_inside_and_not_outside_and_manual_sync_lets_requests_through() -> None:
    deny = _window("deny", "0 11 * * *", "2h")
    assert sync_allowed([deny], "prod", NOON) == (False, "inside the deny window '0 11 * * *' for 2:00:00")
    assert sync_allowed([deny], "prod", NOON + timedelta(hours=1, minutes=1))[0] is True
    assert sync_allowed([deny], "prod", NOON, manual=True)[0] is False
    assert sync_allowed([_window("deny", "0 11 * * *", "2h", manual_sync=True)], "prod", NOON, manual=True)[0]
    assert sync_allowed([_window("deny", "0 11 * * *", "2h", environments=["staging"])], "prod", NOON)[0]


def test_allow_windows_restrict_syncs_to_their_time() -> None:
    allow = _window("allow", "0 22 * * *", "1h")
    assert sync_allowed([allow], "prod", NOON) == (False, "outside every allow window")
    assert sync_allowed([allow], "prod", NOON.replace(hour=22, minute=30))[0] is True


def _plan(*actions, in_sync=(), unmanaged=(), backfills=None) -> Plan:
    return Plan(tool_version="t", manifests_digest="d", actions=tuple(actions), in_sync=tuple(in_sync),
                unmanaged=tuple(unmanaged), backfills=backfills or {})


def _activate(name: str) -> ActivateLaunchPlan:
    return ActivateLaunchPlan(address=f"launchplan/p/development/{name}", reason="desired version is not active",
                              before={"activeVersions": []}, after={"activeVersions": ["v1"]}, project="p",
                              domain="development", name=name, version="v1")


def _launch() -> LaunchExecution:
    return LaunchExecution(address="backfill/p/development/lp/jan", reason="due", project="p", domain="development",
                           name="bf-1", launch_plan="lp", launch_plan_version="v1", kickoff="2024-01-01T06:00:00+00:00",
                           inputs={}, labels={})


def test_policies_select_what_they_promise() -> None:
    plan = _plan(_activate("a"), _activate("b"), _launch())
    assert select_actions(plan, policy="manual", changed=frozenset(), requested=False) == ()
    assert select_actions(plan, policy="manual", changed=frozenset(), requested=True) == plan.actions
    assert select_actions(plan, policy="selfHeal", changed=frozenset(), requested=False) == plan.actions
    auto = select_actions(plan, policy="auto", changed=frozenset({"launchplan/p/development/a"}), requested=False)
    assert [a.address for a in auto] == ["launchplan/p/development/a", "backfill/p/development/lp/jan"]
    assert select_actions(plan, policy="auto", changed=None, requested=False) == plan.actions  # first sync


def test_changed_addresses_cover_added_edited_and_removed() -> None:
    before = digests({"x": {"a": 1}, "y": {"b": 1}, "z": {}})
    after = digests({"x": {"a": 1}, "y": {"b": 2}, "w": {}})
    assert changed_addresses(before, after) == {"y", "z", "w"}
    assert changed_addresses(None, after) is None


def test_github_and_gitlab_signatures() -> None:
    body = b'{"ref":"refs/heads/main"}'
    good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert verify_webhook({"X-Hub-Signature-256": good}, body, "s3cret") == (True, "github")
    assert verify_webhook({"x-hub-signature-256": good}, body + b" ", "s3cret")[0] is False
    assert verify_webhook({"X-Gitlab-Token": "s3cret"}, body, "s3cret") == (True, "gitlab")
    assert verify_webhook({"X-Gitlab-Token": "other"}, body, "s3cret")[0] is False
    assert verify_webhook({}, body, "s3cret") == (False, "unsigned")
    assert verify_webhook({"X-Gitlab-Token": ""}, body, None) == (False, "no webhook secret configured")
    assert bearer_ok("Bearer tok", "tok") and not bearer_ok("Bearer tok", None) and not bearer_ok("Basic tok", "tok")


def test_notifications_fire_once_per_change_of_state() -> None:
    events, told = events_for("prod", "abc", out_of_sync=True, sync_failed=False, sync_error=None,
                              failed_backfills={}, told={})
    assert [e.kind for e in events] == ["OutOfSync"]
    events, told = events_for("prod", "abc", out_of_sync=True, sync_failed=False, sync_error=None,
                              failed_backfills={}, told=told)
    assert events == []
    events, told = events_for("prod", "abc", out_of_sync=False, sync_failed=True, sync_error="boom",
                              failed_backfills={"backfill/p/d/lp/x": "failed"}, told=told)
    assert [e.kind for e in events] == ["SyncFailed", "BackfillFailed"]
    events, told = events_for("prod", "abc", out_of_sync=True, sync_failed=True, sync_error="boom",
                              failed_backfills={"backfill/p/d/lp/x": "failed"}, told=told)
    assert [e.kind for e in events] == ["OutOfSync"]
    assert events[0].slack_body()["text"].startswith(":warning: flyte-reconciler [prod] OutOfSync")


def test_statuses_from_a_plan() -> None:
    plan = _plan(_activate("a"), _activate("b"), _launch(), in_sync=["project/p"],
                 unmanaged=[Unmanaged(address="launchplan/p/development/old", detail="active version v0")],
                 backfills={"backfill/p/development/lp/jan": {"total": 10, "succeeded": 2, "running": 1, "failed": 0,
                                                             "pending": 7, "status": "running", "launching": 1}})
    failures = {"launchplan/p/development/b": Failure(error="PERMISSION_DENIED", at="t", attempts=2)}
    statuses = object_statuses(plan, failures)
    assert {a: s.status for a, s in statuses.items()} == {
        "project/p": "Synced", "launchplan/p/development/old": "Unmanaged",
        "launchplan/p/development/a": "OutOfSync", "launchplan/p/development/b": "Failed",
        "backfill/p/development/lp/jan": "Progressing"}
    assert "+ activeVersions: [v1]" in statuses["launchplan/p/development/a"].diff
    assert statuses["launchplan/p/development/b"].attempts == 2


def test_urls_lose_their_credentials_in_messages() -> None:
    assert redact_url("fatal: https://me:ghp_x@github.com/o/r.git not found") == \
        "fatal: https://****@github.com/o/r.git not found"


def test_auto_follows_moved_resolutions_to_every_launch_plan() -> None:
    from reconciler.controller.policy import RESOLVED

    plan = _plan(_activate("a"), _activate("b"))
    assert select_actions(plan, policy="auto", changed=frozenset(), requested=False) == ()
    assert select_actions(plan, policy="auto", changed=frozenset({RESOLVED}), requested=False) == plan.actions
