"""Offline review: the semantic difference between the desired states of two manifest revisions.

No Admin is contacted (for pull requests from forks, where no credentials exist). Launch plans are
compared by their manifest spec and their content-derived version (a new version means a
registration on apply); backfills by their range and settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.manifests import LoadedManifests
from reconciler.manifests.desired import simple_resources
from reconciler.model.address import kind_of
from reconciler.model.launchplan_version import derive_version
from reconciler.plan.actions import FieldChange
from reconciler.plan.diff import diff_bodies


@dataclass(frozen=True)
class ReviewChange:
    address: str
    change: str  # added | removed | changed
    changes: tuple[FieldChange, ...] = ()
    note: str = ""


def desired_bodies(loaded: LoadedManifests) -> dict[str, dict[str, Any]]:
    bodies = {r.address: dict(r.body) for r in simple_resources(loaded)}
    for doc in loaded.documents:
        if doc.kind == "LaunchPlan":
            meta = doc.model.metadata
            spec = doc.model.spec.model_dump(mode="json", exclude_none=True)
            wf = spec["workflow"]
            version = spec.get("version")
            if version is None and wf.get("version", "latest") != "latest":
                version = derive_version(spec, (wf.get("project", meta.project), wf.get("domain", meta.domain),
                                                wf["name"], wf["version"]))
            bodies[doc.address] = {"version": version or "(resolved at plan time)", "active": spec.get("active", True),
                                   "spec": {k: v for k, v in spec.items() if k not in ("version", "active")}}
        elif doc.kind in ("Backfill", "Run"):
            bodies[doc.address] = doc.model.spec.model_dump(mode="json", by_alias=True)
    return bodies


def review(base: LoadedManifests | None, head: LoadedManifests) -> list[ReviewChange]:
    before = desired_bodies(base) if base is not None else {}
    after = desired_bodies(head)
    result = []
    for address in sorted(set(before) | set(after)):
        if address not in before:
            result.append(ReviewChange(address, "added"))
        elif address not in after:
            result.append(ReviewChange(address, "removed", note="no longer managed (removed only with prune)"))
        else:
            changes = diff_bodies(before[address], after[address])
            if changes:
                note = ""
                if kind_of(address) == "launchplan" and before[address]["version"] != after[address]["version"]:
                    note = f"new launch plan version {after[address]['version']} will be registered and activated"
                result.append(ReviewChange(address, "changed", changes, note))
    return result


def render_review(changes: list[ReviewChange], *, markdown: bool, base: str, head: str) -> str:
    if not changes:
        return f"No differences in the desired state between {base} and {head}."
    symbols = {"added": "+", "removed": "-", "changed": "~"}
    counts = {k: sum(1 for c in changes if c.change == k) for k in symbols}
    lines = []
    if markdown:
        lines += [f"### Desired-state changes {base} → {head}", "",
                  f"**{counts['added']} added, {counts['changed']} changed, {counts['removed']} removed**", "",
                  "```diff"]
    else:
        lines.append(f"Desired-state changes {base} → {head}:")
    for change in changes:
        lines.append(f"{symbols[change.change]} {change.address}" + (f"  # {change.note}" if change.note else ""))
        for field in change.changes:
            if field.op == "change":
                lines.append(f"    {field.path}: {field.old!r} → {field.new!r}")
            elif field.op == "add":
                lines.append(f"    {field.path}: + {field.new!r}")
            else:
                lines.append(f"    {field.path}: - {field.old!r}")
    if markdown:
        lines.append("```")
    else:
        lines.append(f"\n{counts['added']} added, {counts['changed']} changed, {counts['removed']} removed.")
    return "\n".join(lines)
