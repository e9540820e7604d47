"""Notifications: a webhook is told when an environment goes out of sync, a sync fails or a backfill
fails, once per change of state (what was last told is kept with the environment), never every cycle.

Two bodies: a generic JSON event and a Slack-compatible ``{"text": …}``. URLs may be secrets (Slack
incoming webhooks are), so they come from the environment where configured and are never logged.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class NotificationTarget:
    url: str | None
    url_env_var: str | None
    format: str = "json"  # json | slack

    def resolved_url(self) -> str | None:
        if self.url_env_var:
            return os.environ.get(self.url_env_var) or None
        return self.url


@dataclass(frozen=True)
class Event:
    kind: str  # OutOfSync | SyncFailed | BackfillFailed
    environment: str
    message: str
    revision: str | None = None
    address: str | None = None

    def json_body(self) -> dict[str, Any]:
        body = {"event": self.kind, "environment": self.environment, "message": self.message,
                "revision": self.revision, "source": "flyte-reconciler controller"}
        if self.address:
            body["address"] = self.address
        return body

    def slack_body(self) -> dict[str, Any]:
        icon = {"OutOfSync": ":warning:", "SyncFailed": ":x:", "BackfillFailed": ":x:"}.get(self.kind, "")
        return {"text": f"{icon} flyte-reconciler [{self.environment}] {self.kind}: {self.message}".strip()}


def events_for(environment: str, revision: str | None, *, out_of_sync: bool, sync_failed: bool, sync_error: str | None,
               failed_backfills: Mapping[str, str], told: Mapping[str, Any]) -> tuple[list[Event], dict[str, Any]]:
    """The events that are news compared with ``told``, and what will have been told after sending them."""
    events = []
    if out_of_sync and not told.get("outOfSync"):
        events.append(Event("OutOfSync", environment, "live state differs from the manifests", revision))
    if sync_failed and not told.get("syncFailed"):
        events.append(Event("SyncFailed", environment, sync_error or "the sync failed", revision))
    known = set(told.get("failedBackfills", ()))
    for address, error in sorted(failed_backfills.items()):
        if address not in known:
            events.append(Event("BackfillFailed", environment, error, revision, address))
    now_told = {"outOfSync": out_of_sync, "syncFailed": sync_failed, "failedBackfills": sorted(failed_backfills)}
    return events, now_told


def post_json(url: str, body: Mapping[str, Any]) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "flyte-reconciler-controller"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        response.read()


class Notifier:
    def __init__(self, targets: tuple[NotificationTarget, ...], *, log: Callable[[dict[str, Any]], None],
                 send: Callable[[str, Mapping[str, Any]], None] = post_json) -> None:
        self.targets = targets
        self.log = log
        self.send = send

    def notify(self, events: list[Event]) -> None:
        for event in events:
            for index, target in enumerate(self.targets):
                url = target.resolved_url()
                if not url or not url.startswith(("http://", "https://")):
                    self.log({"level": "warning", "msg": "notification target has no http(s) URL",
                              "target": index})
                    continue
                body = event.slack_body() if target.format == "slack" else event.json_body()
                try:
                    self.send(url, body)
                except (OSError, ValueError) as exc:  # the URL is a secret: name the target by its index only
                    self.log({"level": "warning", "msg": "notification failed", "target": index,
                              "event": event.kind, "error": type(exc).__name__})
