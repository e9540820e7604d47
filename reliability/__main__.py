"""``python -m reliability [--full] [--families NAMES]``: run every reliability family (tests/reliability)
and rewrite docs/reliability.md from what the tests recorded (``tests/reliability/figures.py``).
``--families hostile`` runs only the families whose keys start with ``hostile`` and replaces only
their sections (and the template measurements) in the existing document.

Without ``--full`` the families run at their CI sizes (what every CI run does); ``--full`` runs the
documented sizes (50 chaos seeds on the M organisation, 20 kills per crash campaign, 200 property
examples). The counts in the document are sums of what the tests observed, never constants.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from reliability.templates import measure, render_table

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"

FAMILIES = {
    "chaos": ("Chaos", "test_chaos.py", "apply with 20 % of calls failed with UNAVAILABLE and 0–5 ms random latency "
              "(odd seeds also lose 5 % of replies after the call ran), re-run only after exit 3; then a clean plan "
              "must show no changes; faults count both kinds. One seed per run; an "
              "organisation of 10 projects × 3 domains in the full run, 3 in CI, the M organisation with "
              "RELIABILITY_CHAOS_PROJECTS=60"),
    "crash": ("Crash safety", "test_crash_and_concurrency.py", "SIGKILL of the apply process at seeded random "
              "write counts, during a first apply of an organisation and during a 60-run backfill; then one re-run"),
    "concurrency": ("Concurrency", "test_crash_and_concurrency.py", "two applies of the same manifests at once; a "
                    "saved plan applied after another apply changed its objects"),
    "hostile_input": ("Hostile input", "test_hostile_input.py", "alias bombs, deep nesting, 6 MiB and 50 MB files, "
                      "binary and non-UTF-8 files, duplicate keys, python tags, Jinja2 sandbox escapes and resource "
                      "bombs, includes, recursive macros, absurd values — 78 cases, each through `plan` and `apply`"),
    "hostile_input_second": ("Hostile input, second campaign", "test_hostile_input_second.py", "91 cases an "
                             "attacker or a careless user would write, none from the project's own manifests: "
                             "secrets through env(), --var and literal values; names that change the write level; "
                             "values Admin refuses after 'valid' (trailing newlines, Unicode digits in cron, NUL, "
                             "filter metacharacters); impossible dates, huge offsets and rates; template resource "
                             "bombs; symlinks out of the root, dangling and looping; CR, NEL and U+2028 line breaks; "
                             "NaN, never-firing schedules, private-use --var values, a missing --var-file. Each "
                             "through `validate`, `plan --out` and `apply` with a canary client secret in the "
                             "environment: exit 1, the right file:line, no traceback, no RPC, the canary in no output "
                             "or file"),
    "hostile_second_families": ("Second campaign by family", "test_hostile_input_second.py", "runs per family "
                                "(each case runs three commands)"),
    "hostile_exit_codes": ("Exit codes after a write", "test_hostile_input_exit_codes.py", "for every action type, "
                           "the admin refuses that type's RPC once the apply is writing: exit 3, never 1, and a "
                           "re-run converges"),
    "hostile_unavailable": ("Admin unreachable", "test_hostile_input_exit_codes.py", "120 project creations with "
                            "every write answered UNAVAILABLE: the apply stops after the consecutive-failure limit "
                            "and reports the rest as not attempted; a re-run applies all of them"),
    "properties": ("Properties", "test_properties.py", "hypothesis-generated organisations: apply then plan is empty; "
                   "two plans give byte-identical JSON; a saved plan round-trips"),
    "tampering": ("Saved-plan tampering", "test_plan_tampering.py", "edits of a real saved plan (project update "
                  "and archive, two launch plans registered and activated, backfill runs, an attribute row), most with "
                  "the digest recomputed as anyone can: unfingerprinted actions, an address disagreeing with its body, "
                  "a swapped or undecodable launch plan spec, removed fingerprints, shown values differing from sent "
                  "ones, backfill runs moved to another kickoff or launch plan, a "
                  "moved target, another format, the `--format json` view, a truncated file, and with "
                  "FLYTE_RECONCILER_PLAN_KEY set: unsigned, stripped, mis-signed and re-signed plans; each applied "
                  "with `apply --plan` and refused with no write RPC"),
    "secrets": ("Secrets", "test_secrets_everywhere.py", "a canary token and client secret; every command in every "
                "format, success and --debug failure paths; stdout, stderr, logs and written files scanned"),
}


def _aggregate(path: Path) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if path.exists():
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            family = entry.pop("family")
            if family.startswith("hostile_second_"):  # one table: runs per family of the second campaign
                entry = {family.removeprefix("hostile_second_"): entry.pop("runs", 0)}
                family = "hostile_second_families"
            for key, value in entry.items():
                totals[family][key] += value
    return {f: dict(c) for f, c in totals.items()}


def _render(totals: dict[str, dict[str, int]], *, full: bool, outcome: str, seconds: float,
            templates: list[str] | None = None) -> str:
    lines = [
        "# Reliability figures",
        "",
        f"Generated by `python -m reliability{' --full' if full else ''}` on {dt.date.today().isoformat()} "
        f"({platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}) "
        f"in {seconds / 60:.1f} min; pytest outcome: {outcome}. CI runs the same tests at smaller sizes on every "
        "change (`python -m reliability` without `--full` gives those figures).",
        "",
        "Every count is summed from what the tests observed (admin call counters, executions listed, kills "
        "sent); a test fails if a duplicate, a double-active launch plan, a leak or a write RPC for bad input "
        "appears, so the zeros below are asserted, not assumed.",
        "",
    ]
    for key, (title, file, what) in FAMILIES.items():
        counts = totals.get(key, {})
        lines += [f"## {title}", "", f"`tests/reliability/{file}`: {what}.", ""]
        if not counts:
            lines += ["Not run.", ""]
            continue
        lines += ["| measure | count |", "|---|---|"]
        lines += [f"| {name.replace('_', ' ')} | {value:,} |" for name, value in sorted(counts.items())]
        lines.append("")
    if templates:
        lines += ["## Template worst cases", "", *templates, ""]
    return "\n".join(lines)


def _sections(text: str) -> tuple[str, dict[str, str]]:
    """The document's preamble and its ``## Title`` sections (each with its heading), in order."""
    head, *parts = text.split("\n## ")
    return head, {part.split("\n", 1)[0]: "## " + part for part in parts}


def _refresh(old: str, new: str, titles: list[str], note: str) -> str:
    """``old`` with the sections named in ``titles`` replaced by (or extended with) those of ``new``."""
    head, sections = _sections(old)
    head = "\n".join(line for line in head.splitlines() if not line.startswith("Refreshed by `python -m reliability"))
    _new_head, fresh = _sections(new)
    for title in titles:
        sections[title] = fresh[title]
    body = [section.rstrip("\n") + "\n" for section in sections.values()]
    return head.rstrip("\n") + "\n\n" + note + "\n\n" + "\n".join(body)


def _selected(names: str | None) -> list[str]:
    """Family keys named (or prefixed) by a comma-separated list, e.g. ``hostile``; all without a list."""
    if not names:
        return list(FAMILIES)
    chosen = [key for key in FAMILIES if any(key.startswith(n.strip()) for n in names.split(","))]
    if not chosen:
        raise SystemExit(f"no family matches {names!r} (families: {', '.join(FAMILIES)})")
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the documented sizes (slow: tens of minutes)")
    parser.add_argument("--families", metavar="NAMES",
                        help="run only these families (comma-separated keys or prefixes, e.g. hostile) and refresh "
                             "only their sections of the existing document")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    families = _selected(args.families)
    files = sorted({f"tests/reliability/{FAMILIES[key][1]}" for key in families})
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.jsonl"
        env = {**os.environ, "RELIABILITY_FIGURES": str(figures)}
        if args.full:
            env["RELIABILITY_FULL"] = "1"
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
                              cwd=ROOT, env=env)
        seconds = time.monotonic() - started
        outcome = "all passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        measured = "hostile_input" in families  # resource bounds: measured here, never asserted by a timed test
        templates = render_table(measure()) if measured else None
        text = _render(_aggregate(figures), full=args.full, outcome=outcome, seconds=seconds, templates=templates)
        if args.families and args.out.exists():
            titles = [FAMILIES[key][0] for key in families] + (["Template worst cases"] if measured else [])
            note = (f"Refreshed by `python -m reliability --families {args.families}{' --full' if args.full else ''}` "
                    f"on {dt.date.today().isoformat()} in {seconds / 60:.1f} min (pytest outcome: {outcome}): "
                    f"{', '.join(titles)}; the other sections are from the run named above.")
            text = _refresh(args.out.read_text(), text, titles, note)
        args.out.write_text(text)
    print(f"wrote {args.out}")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
