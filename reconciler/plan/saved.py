"""Reading a saved plan from outside: ``read_saved_plan(text, key=…, source=…)``.

In order, each failure a refusal that says what the file is and what to do: the text is a JSON
object; it is a saved plan (not the ``plan --format json`` document, not a plan of another format
version: the message names the version that wrote it); its digest holds, and its signature when a
key is set; its body is a valid plan; its actions show what they do and are all fingerprinted
(``consistency``). Pure: the caller reads the file and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from reconciler.errors import PlanIntegrityError
from reconciler.plan.consistency import problems_of
from reconciler.plan.integrity import unseal
from reconciler.plan.model import PLAN_FORMAT_VERSION, Plan

_REPLAN = "make a new one with `flyte-reconciler plan --out FILE`"
MAX_LISTED = 10


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    signed: bool


def _document(text: str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except RecursionError:  # nesting deeper than any plan: a hostile file, not a traceback
        raise PlanIntegrityError(f"{source} is not a saved plan: its JSON is nested too deeply",
                                 hint="pass the file written by `plan --out FILE`") from None
    except ValueError as exc:
        raise PlanIntegrityError(f"{source} is not a saved plan: it is not JSON ({exc})",
                                 hint=f"pass the file written by `plan --out FILE`, or {_REPLAN}") from exc
    if not isinstance(document, dict):
        raise PlanIntegrityError(f"{source} is not a saved plan: it holds a JSON {type(document).__name__}, "
                                 "not an object", hint="pass the file written by `plan --out FILE`")
    if "resource_changes" in document or isinstance(document.get("format_version"), str):
        raise PlanIntegrityError(f"{source} is the plan's JSON view (`plan --format json`), which is for reading, "
                                 "not a saved plan that can be applied",
                                 hint="save a plan with `flyte-reconciler plan --out FILE` and apply that file")
    return document


def _check_version(document: dict[str, Any], source: str) -> None:
    version = document.get("format_version")
    if version == PLAN_FORMAT_VERSION:
        return
    writer = document.get("tool_version")
    by = f"flyte-reconciler {writer}" if isinstance(writer, str) else "an unknown version of flyte-reconciler"
    if not isinstance(version, int) or isinstance(version, bool):
        raise PlanIntegrityError(f"{source} is not a saved plan: it has no plan format version",
                                 hint=f"pass the file written by `plan --out FILE`, or {_REPLAN}")
    raise PlanIntegrityError(f"{source} was written by {by} in plan format {version}; this version reads plan "
                             f"format {PLAN_FORMAT_VERSION} only",
                             hint=f"{_REPLAN} with this version (or apply it with the version that wrote it)")


def _validated(body: dict[str, Any], source: str) -> Plan:
    try:
        return Plan.model_validate(body)
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}" for e in exc.errors()[:MAX_LISTED]]
        raise PlanIntegrityError(f"{source} is not a valid saved plan:\n  " + "\n  ".join(lines),
                                 hint=_REPLAN) from None


def read_saved_plan(text: str, *, key: bytes | None, source: str) -> SavedPlan:
    document = _document(text, source)
    _check_version(document, source)
    body, signed = unseal(document, key)
    plan = _validated(body, source)
    problems = problems_of(plan)
    if problems:
        more = f"\n  … and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise PlanIntegrityError(f"{source} does not do what it shows; refusing it:\n  "
                                 + "\n  ".join(problems[:MAX_LISTED]) + more,
                                 hint=f"never edit a saved plan; {_REPLAN} and review it")
    return SavedPlan(plan, signed)
