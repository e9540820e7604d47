"""Compose the sticky pull-request comment from the plan results of every environment.

Usage: python sticky_comment.py RESULTS_DIR --out comment.json [--commit SHA] [--expect ENV,ENV --log-url URL]

RESULTS_DIR holds, at any depth, one ``result.json`` per environment, as the action's ``plan``
command writes it: {"environment", "exit_code", "log_url", "plan": file or null, "error": file or
null}, file names relative to the result.json. The output is a JSON list of comment bodies (one,
unless the plans exceed GitHub's comment size), each starting with its part marker; the workflow
posts part 1 as the sticky comment. An ``--expect``ed environment without a result (its job failed
before planning) is shown as failed, never left out. Also used by examples/gitlab.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reconciler.plan.model import Plan
from reconciler.plan.render.comment import EnvironmentResult, sticky_comment


def _read_result(path: Path) -> EnvironmentResult:
    record = json.loads(path.read_text())
    environment = record.get("environment") or "default"
    log_url = record.get("log_url")
    if record.get("plan") and record.get("exit_code") in (0, 2):
        plan_file = path.parent / record["plan"]
        return EnvironmentResult(environment, plan=Plan.from_json(plan_file.read_text()), log_url=log_url)
    error = (path.parent / record["error"]).read_text() if record.get("error") else None
    return EnvironmentResult(environment, error=error, log_url=log_url)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--commit", default=None)
    parser.add_argument("--expect", default="", help="comma-separated environments that must appear")
    parser.add_argument("--log-url", default=None, help="the run's log, for environments without a result")
    args = parser.parse_args(argv)
    results = [_read_result(p) for p in sorted(args.results_dir.rglob("result.json"))] \
        if args.results_dir.is_dir() else []
    seen = {r.environment for r in results}
    for environment in filter(None, (e.strip() for e in args.expect.split(","))):
        if environment not in seen:
            results.append(EnvironmentResult(environment, log_url=args.log_url,
                                             error="no plan result was uploaded: the job failed before planning"))
    if not results:
        print(f"Error: no result.json under {args.results_dir}; did the plan jobs upload their results?",
              file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(sticky_comment(results, commit=args.commit)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
