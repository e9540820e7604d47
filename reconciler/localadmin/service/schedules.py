"""Cron validation as flyteadmin's scheduler parses it (``cron.ParseStandard``, behaviour §3.1 g).

The grammar lives in ``reconciler.model.cron``, the one parser the manifests' validator and the
backfill planner use too, so what ``validate`` accepts is exactly what this admin (and Admin) accepts.
"""

from __future__ import annotations

from reconciler.model.cron import go_error

# robfig/cron slices out of range on "TZ=<zone>" with no space after it; flyteadmin's recovery
# interceptor turns that panic into INTERNAL with an empty message (behaviour §0.1).
PANIC_PREFIX = "runtime error:"


def cron_error(spec: str) -> str | None:
    """The Go parser's error for ``spec``, or ``None`` when it parses. Never raises."""
    return go_error(spec)


def panics(error: str) -> bool:
    """Whether Admin would have panicked on this schedule rather than answered the error."""
    return error.startswith(PANIC_PREFIX)
