"""Worst-case templates, measured: each is loaded (rendered and validated, as `validate` does) in its
own process, and the time of the load and the peak memory of the process are recorded for
docs/reliability.md. The target (issue 19): every one refused, in under 2 s and 300 MB.

Measured here rather than asserted in a test: timings on a shared CI runner are not a test result.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

TARGET_SECONDS = 2.0
TARGET_MB = 300

_PROJECT = ("apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: flytesnacks}\n"
            'spec: {displayName: x, description: "EXPR"}\n')

WORST_CASES = {
    "`~` doubling of a 1 MB string, 12 times": "{% set ns = namespace(s='a' * 1000000) %}"
                                                "{% for i in range(12) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "`+` doubling of a 1 MB string, 12 times": "{% set ns = namespace(s='a' * 1000000) %}"
                                                "{% for i in range(12) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "`'%99999999999s' % 'x'`": "{{ '%99999999999s' % 'x' }}",
    "`'{:>99999999999}'.format('x')`": "{{ '{:>99999999999}'.format('x') }}",
    "`'{:>{}}'.format('x', 99999999)`": "{{ '{:>{}}'.format('x', 99999999) }}",
    "nested empty loops, `range(99999)` twice": "{% for i in range(99999) %}{% for j in range(99999) %}"
                                                 "{% endfor %}{% endfor %}",
    "nested loops printing, `range(99999)` twice": "{% for i in range(99999) %}{% for j in range(99999) %}x"
                                                    "{% endfor %}{% endfor %}",
    "30,000 × 1 MB of output": "{% for i in range(30000) %}{{ 'x' * 999999 }}{% endfor %}",
    "`'a' * 10**10`": "{{ 'a' * 10**10 }}",
    "`(((10**64)**64)**64)**64`": "{{ (((10**64)**64)**64)**64 }}",
}


def measure() -> list[dict[str, object]]:
    """One row per worst case. RUSAGE_CHILDREN keeps the largest child a process ever waited for, so each
    case gets a fresh measuring process whose only child is the CLI."""
    rows = []
    for title, expression in WORST_CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            probe = subprocess.run([sys.executable, "-c", _PROBE, expression, tmp], capture_output=True, text=True,
                                   check=False)
            seconds, peak_kb, exit_code, message = probe.stdout.strip().split("\t", 3) if probe.stdout.strip() \
                else ("nan", "0", "-1", probe.stderr[-200:])
            rows.append({"case": title, "seconds": float(seconds), "peak_mb": int(peak_kb) / 1024,
                         "exit": int(exit_code), "message": message})
    return rows


# Runs in a fresh process: loads the manifest package, then times loading the one manifest (render, YAML,
# validation: everything `validate` does) and reports the process's peak RSS (its imports included).
_PROBE = """
import resource, sys, time
from pathlib import Path
from reconciler.errors import ManifestError
from reconciler.manifests import load_config, load_manifests
expression, work = sys.argv[1], Path(sys.argv[2])
(work / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\\n")
(work / "m.yaml").write_text("apiVersion: flyte-reconciler/v1\\nkind: Project\\nmetadata: {name: flytesnacks}\\n"
                             'spec: {displayName: x, description: "' + expression + '"}\\n')
started = time.monotonic()
try:
    load_manifests([str(work)], config=load_config(None, [str(work)]))
    code, line = 0, "accepted"
except ManifestError as exc:
    code, line = 1, exc.problems[0].render().split("m.yaml:", 1)[-1]
seconds = time.monotonic() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{seconds:.3f}\\t{peak}\\t{code}\\t{line}")
"""


def render_table(rows: list[dict[str, object]]) -> list[str]:
    lines = [f"Each case loaded as `validate` does (render, YAML, validation) in a fresh process; time: the load "
             "alone, peak memory: the whole process, its imports included. Target: refused with its line, under "
             f"{TARGET_SECONDS:.0f} s and {TARGET_MB} MB.", "",
             "| worst case | outcome | time | peak memory | within target |", "|---|---|---|---|---|"]
    for row in rows:
        refused = row["exit"] == 1 and str(row["message"]).startswith("4:")
        within = refused and float(row["seconds"]) < TARGET_SECONDS and float(row["peak_mb"]) < TARGET_MB  # type: ignore[arg-type]
        outcome = f"refused at line 4: {str(row['message'])[3:90].strip()}…" if refused else f"exit {row['exit']}"
        lines.append(f"| {row['case']} | {outcome.replace('|', '/')} | {float(row['seconds']):.2f} s "  # type: ignore[arg-type]
                     f"| {float(row['peak_mb']):.0f} MB | {'yes' if within else 'NO'} |")  # type: ignore[arg-type]
    return lines
