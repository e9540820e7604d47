"""The data behind ``/api/v1/`` and the page: plain dicts read from the status store.

The page renders exactly these dicts (it is a reader of the API's data, not a second source of truth).
Secrets never reach here: environment state holds revisions, counts, errors and timings only.
"""

from __future__ import annotations

from typing import Any

from reconciler.controller.status import STATUSES, ObjectStatus
from reconciler.controller.store import StatusStore
from reconciler.plan.render import ConsoleLinks, default_console_url

SPARKLINE_SYNCS = 30
PAGE_SIZE = 500


def environment_view(store: StatusStore, name: str) -> dict[str, Any]:
    state = store.environment(name)
    tally = dict.fromkeys(STATUSES, 0)
    tally.update({k: v for k, v in store.counts(name).items() if k in tally})
    history = store.syncs(name, limit=SPARKLINE_SYNCS)
    return {
        "name": name,
        "revision": state.get("revision"),
        "lastSync": state.get("lastSync"),
        "counts": tally,
        "policy": state.get("policy"),
        "paused": bool(state.get("paused")),
        "reachable": state.get("reachable"),
        "adminError": state.get("adminError"),
        "sourceError": state.get("sourceError"),
        "invalidRevision": state.get("invalidRevision"),
        "lastError": state.get("lastError"),
        "lastSuccessAt": state.get("lastSuccessAt"),
        "consoleUrl": state.get("consoleUrl"),
        "durations": [s["durationSeconds"] for s in reversed(history) if s.get("durationSeconds") is not None],
    }


def object_view(item: ObjectStatus, links: ConsoleLinks | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {"address": item.address, "kind": item.kind, "status": item.status,
                            "diff": item.diff or None, "error": item.error}
    if item.since:
        view["since"] = item.since
    if item.status == "Failed":
        view.update(failedAt=item.failed_at, attempts=item.attempts)
    if item.progress is not None:
        view["progress"] = item.progress
    if item.detail:
        view["detail"] = item.detail
    if item.actions:
        view["actions"] = list(item.actions)
    url = links.for_address(item.address) if links is not None else None
    if url:
        view["consoleUrl"] = url
    return view


def links_for(console_url: str | None, endpoint: str | None = None) -> ConsoleLinks | None:
    base = console_url or default_console_url(endpoint)
    try:
        return ConsoleLinks(base) if base else None
    except ValueError:
        return None


def objects_view(store: StatusStore, name: str, *, status: str | None = None, text: str | None = None,
                 kind: str | None = None, limit: int = PAGE_SIZE, offset: int = 0,
                 links: ConsoleLinks | None = None) -> tuple[list[dict[str, Any]], int]:
    items, total = store.query_objects(name, status=status, text=text, kind=kind, limit=limit, offset=offset)
    return [object_view(i, links) for i in items], total


def sparkline_points(durations: list[float], width: int = 120, height: int = 24) -> str:
    """SVG polyline points for the durations (server-rendered, so it shows without JavaScript)."""
    if not durations:
        return ""
    top = max(durations) or 1.0
    step = width / max(1, len(durations) - 1)
    return " ".join(f"{i * step:.1f},{height - (d / top) * (height - 2) - 1:.1f}" for i, d in enumerate(durations))
