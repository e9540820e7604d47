"""GitLab CI glue for flyte-reconciler (copy to ci/flyte_ci.py; see .gitlab-ci.yml next to it).

  record DIR --environment E --exit-code C --log-url U   write DIR/result.json after `plan --out DIR/plan.json`
  note RESULTS_DIR --expect E,E --commit SHA             upsert the ONE sticky merge-request note
  fetch-reviewed OUT --expect E,E                        download the plans reviewed for the merged commit
  refused ERROR_FILE --environment E                     tell the merge request its reviewed plan was refused

Only the standard library and the installed tool; the GitLab API is reached with
FLYTE_CI_GITLAB_TOKEN (never printed). The comment body is composed by the tool itself
(``reconciler.plan.render.comment``), so GitHub and GitLab show the same thing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from reconciler.plan.model import Plan
from reconciler.plan.render.comment import EnvironmentResult, sticky_comment

MARKER_PREFIX = "<!-- flyte-reconciler: sticky plan comment, part "


def _api(method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    url = f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}{path}"
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"PRIVATE-TOKEN": os.environ["FLYTE_CI_GITLAB_TOKEN"]})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    if path.endswith("/artifacts"):
        return raw
    return json.loads(raw) if raw else None


def record(directory: Path, environment: str, exit_code: int, log_url: str) -> int:
    planned = exit_code in (0, 2) and (directory / "plan.json").is_file()
    if not planned:
        (directory / "stderr.txt").replace(directory / "error.txt")
    result = {"environment": environment, "exit_code": exit_code, "log_url": log_url,
              "plan": "plan.json" if planned else None, "error": None if planned else "error.txt"}
    (directory / "result.json").write_text(json.dumps(result))
    return 0


def _read_result(path: Path) -> EnvironmentResult:
    record = json.loads(path.read_text())
    environment, log_url = record.get("environment") or "default", record.get("log_url")
    if record.get("plan") and record.get("exit_code") in (0, 2):
        return EnvironmentResult(environment, plan=Plan.from_json((path.parent / record["plan"]).read_text()),
                                 log_url=log_url)
    error = (path.parent / record["error"]).read_text() if record.get("error") else None
    return EnvironmentResult(environment, error=error, log_url=log_url)


def _expected(value: str) -> list[str]:
    return [e.strip() for e in value.split(",") if e.strip()]


def note(results_dir: Path, expect: str, commit: str) -> int:
    results = [_read_result(p) for p in sorted(results_dir.rglob("result.json"))] if results_dir.is_dir() else []
    seen = {r.environment for r in results}
    results += [EnvironmentResult(e, error="no plan result: the job failed before planning",
                                  log_url=os.environ.get("CI_PIPELINE_URL"))
                for e in _expected(expect) if e not in seen]
    parts = sticky_comment(results, commit=commit)
    mr = f"/merge_requests/{os.environ['CI_MERGE_REQUEST_IID']}/notes"
    ours: dict[int, int] = {}
    for existing in _api("GET", f"{mr}?per_page=100&sort=asc"):
        body = existing.get("body") or ""
        if body.startswith(MARKER_PREFIX):
            ours[int(body[len(MARKER_PREFIX):].split(" ", 1)[0])] = existing["id"]
    for index, body in enumerate(parts, start=1):
        if index in ours:
            _api("PUT", f"{mr}/{ours[index]}", {"body": body})
        else:
            _api("POST", mr, {"body": body})
    for index, note_id in ours.items():
        if index > len(parts):
            _api("DELETE", f"{mr}/{note_id}")
    return 0


def _merged_request() -> dict[str, Any]:
    sha = os.environ["CI_COMMIT_SHA"]
    for mr in _api("GET", f"/repository/commits/{sha}/merge_requests"):
        if mr.get("state") == "merged" and sha in (mr.get("merge_commit_sha"), mr.get("squash_commit_sha")):
            return dict(mr)
    raise SystemExit(f"Error: {sha} is not the merge commit of a merge request: no plan was reviewed for it, "
                     "so nothing is applied.")


def fetch_reviewed(out: Path, expect: str) -> int:
    mr = _merged_request()
    head = mr["sha"]
    pipelines = [p for p in _api("GET", f"/merge_requests/{mr['iid']}/pipelines") if p["sha"] == head]
    if not pipelines:
        raise SystemExit(f"Error: no pipeline planned {head} (merge request !{mr['iid']}); nothing is applied.")
    jobs = _api("GET", f"/pipelines/{pipelines[0]['id']}/jobs?per_page=100")
    for environment in _expected(expect):
        job = next((j for j in jobs if j["name"] == f"plan: [{environment}]"), None)
        if job is None:
            raise SystemExit(f"Error: the pipeline for {head} has no plan job for {environment}; nothing is applied.")
        with zipfile.ZipFile(io.BytesIO(_api("GET", f"/jobs/{job['id']}/artifacts"))) as archive:
            archive.extractall(out / "_artifacts" / environment)
        source = out / "_artifacts" / environment / "plans" / environment
        record = json.loads((source / "result.json").read_text())
        plan = Plan.from_json((source / "plan.json").read_text()) if record.get("plan") else None
        if plan is None:
            raise SystemExit(f"Error: the reviewed plan for {environment} failed; nothing is applied.")
        if (plan.environment or "") != environment:
            raise SystemExit(f"Error: the plan stored for {environment} was made for {plan.environment!r}; "
                             "nothing is applied.")
        source.replace(out / environment)
    (out / "merge-request").write_text(str(mr["iid"]))
    return 0


def refused(error_file: Path, environment: str) -> int:
    iid = (error_file.parent.parent / "merge-request").read_text().strip()
    error = error_file.read_text()[:6000].strip()
    body = "\n".join([
        f"### flyte-reconciler: the reviewed plan for `{environment}` was not applied", "",
        f"Merge commit {os.environ['CI_COMMIT_SHA']}. A stale plan is refused rather than re-planned: nothing "
        f"unreviewed was applied. Re-run the plan pipeline, review it and merge. [Job log]({os.environ['CI_JOB_URL']})",
        "", "```text", error, "```"])
    _api("POST", f"/merge_requests/{iid}/notes", {"body": body})
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="GitLab CI glue for flyte-reconciler")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("record")
    p.add_argument("directory", type=Path)
    p.add_argument("--environment", required=True)
    p.add_argument("--exit-code", type=int, required=True)
    p.add_argument("--log-url", default="")
    p = commands.add_parser("note")
    p.add_argument("results_dir", type=Path)
    p.add_argument("--expect", default="")
    p.add_argument("--commit", default="")
    p = commands.add_parser("fetch-reviewed")
    p.add_argument("out", type=Path)
    p.add_argument("--expect", required=True)
    p = commands.add_parser("refused")
    p.add_argument("error_file", type=Path)
    p.add_argument("--environment", required=True)
    args = parser.parse_args(argv)
    if args.command == "record":
        return record(args.directory, args.environment, args.exit_code, args.log_url)
    if args.command == "note":
        return note(args.results_dir, args.expect, args.commit)
    if args.command == "fetch-reviewed":
        return fetch_reviewed(args.out, args.expect)
    return refused(args.error_file, args.environment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
