"""Tampering: edits of a saved plan, each refused by `apply --plan` with zero writes.

A real plan (project update, project archive, two launch plans registered and activated, backfill runs
launched, an attribute row written) is saved from the embedded admin, then edited the ways an attacker
or a careless hand would. Most edits are *resealed* — the digest recomputed, as anyone can — to show that the checks
behind the digest (what an action shows is what it sends, every address fingerprinted, the target
recorded) still refuse them; the signed cases show what only `FLYTE_RECONCILER_PLAN_KEY` stops. Every
case asserts exit 1, a message naming the problem, no traceback, and no write RPC at the admin.
"""

from __future__ import annotations

import base64
import copy
import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from reconciler.plan.integrity import KEY_VARIABLE, seal
from tests.reliability.figures import record

pytestmark = pytest.mark.integration

KEY = "tampering-suite-key"
OTHER_KEY = "some-other-key"

MANIFESTS = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: flytesnacks}
spec: {displayName: Flyte Snacks, description: Reviewed text, labels: {team: ml}}
---
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: analytics}
spec: {displayName: Analytics, description: Old numbers, state: archived}
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly_report}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "0 6 * * *", kickoffTimeInput: run_date}
  fixedInputs: {region: eu}
---
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: every_minute}
spec:
  workflow: {name: reports.daily_report, version: v1}
  schedule: {cron: "* * * * *", kickoffTimeInput: run_date}
  fixedInputs: {region: us}
---
apiVersion: flyte-reconciler/v1
kind: Backfill
metadata: {project: flytesnacks, domain: development, name: q1}
spec: {launchPlan: nightly_report, from: 2024-01-01T00:00:00Z, to: 2024-01-03T00:00:00Z, parallelism: 2}
---
apiVersion: flyte-reconciler/v1
kind: Attributes
metadata: {project: flytesnacks, domain: development}
spec:
  taskResources: {defaults: {cpu: 500m, memory: 1Gi}, limits: {cpu: "2", memory: 4Gi}}
"""


@dataclass(frozen=True)
class Edit:
    name: str
    change: Callable[[dict[str, Any]], Any]  # edits the document in place; may return a replacement text
    expect: str  # a fragment of the refusal
    # After the edit: DIGEST recomputes the digest and drops the signature (what anyone can do), KEEP_SIGNATURE
    # recomputes the digest and leaves the old signature, NONE writes the edited body as it is, and any other
    # value re-signs the whole body with that key.
    reseal: str = "digest"
    signed: bool = False  # the plan was saved with KEY set
    apply_key: str | None = None  # FLYTE_RECONCILER_PLAN_KEY at apply time


DIGEST, KEEP_SIGNATURE, NONE = "digest", "keep-signature", "none"


def _action(doc: dict[str, Any], action_type: str, address_part: str = "") -> dict[str, Any]:
    return next(a for a in doc["actions"] if a["type"] == action_type and address_part in a["address"])


def _add_unfingerprinted(doc: dict[str, Any]) -> None:
    doc["actions"].append({"type": "update_attributes", "address": "attributes/flytesnacks/-/-/execution_queue",
                           "reason": "added", "before": None, "after": {"value": ["evil"]}, "changes": [],
                           "project": "flytesnacks", "domain": None, "workflow": None,
                           "attr_type": "execution_queue", "value": ["evil"]})


def _rename_project(doc: dict[str, Any]) -> None:
    update = _action(doc, "update_project", "flytesnacks")
    update["after"]["id"] = "analytics"  # the address still says project/flytesnacks


def _swap_spec(doc: dict[str, Any]) -> None:
    nightly = _action(doc, "register_launch_plan", "nightly_report")
    nightly["spec"] = _action(doc, "register_launch_plan", "every_minute")["spec"]


def _garble_spec(doc: dict[str, Any]) -> None:
    _action(doc, "register_launch_plan", "nightly_report")["spec"] = base64.b64encode(b"\xff\x00junk").decode()


def _drop_archive_fingerprints(doc: dict[str, Any]) -> None:
    doc["fingerprints"].pop(_action(doc, "archive_project")["address"])


def _value_only(doc: dict[str, Any]) -> None:
    _action(doc, "update_attributes")["value"]["limits"]["memory"] = "400Gi"


def _body_and_after(doc: dict[str, Any]) -> None:  # the field changes still show the reviewed text
    _action(doc, "update_project", "flytesnacks")["after"]["description"] = "Text nobody reviewed"


def _activate_other(doc: dict[str, Any]) -> None:
    _action(doc, "activate_launch_plan", "nightly_report")["version"] = "someone-elses-version"


def _move_kickoff(doc: dict[str, Any]) -> None:  # the run's name still shows the reviewed day
    launch = _action(doc, "launch_execution")
    launch["kickoff"] = "2020-01-01T06:00:00+00:00"
    launch["inputs"]["run_date"] = launch["after"]["inputs"]["run_date"] = "2020-01-01T06:00:00Z"


def _launch_other(doc: dict[str, Any]) -> None:
    _action(doc, "launch_execution")["launch_plan"] = "every_minute"


def _retarget(doc: dict[str, Any]) -> None:
    doc["target"]["endpoint"] = "flyte.attacker.example.com:443"


def _old_format(doc: dict[str, Any]) -> None:
    doc["format_version"] = 1


def _json_view(doc: dict[str, Any]) -> str:
    return json.dumps({"format_version": "1.0", "resource_changes": [], "summary": {}})


def _truncate(doc: dict[str, Any]) -> str:
    return json.dumps(seal(doc), indent=2)[:500]


def _drop_digest(doc: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in doc.items() if k not in ("digest", "signature")})


EDITS = [
    Edit("value edited, digest not recomputed", _value_only, "digest does not match", reseal=NONE),
    Edit("digest removed", _drop_digest, "has no digest"),
    Edit("action added for an object never fingerprinted", _add_unfingerprinted, "never fingerprinted"),
    Edit("address says one project, body renames another", _rename_project, "writes project/analytics"),
    Edit("register spec swapped for another launch plan's", _swap_spec, "is not the spec the plan shows"),
    Edit("register spec replaced by undecodable bytes", _garble_spec, "cannot be decoded"),
    Edit("archive action with its fingerprint removed", _drop_archive_fingerprints, "never fingerprinted"),
    Edit("attribute value sent differs from the one shown", _value_only, "value shown differs"),
    Edit("project body edited, field changes left", _body_and_after, "field changes shown"),
    Edit("activation of another version", _activate_other, "activation shown differs"),
    Edit("backfill run moved to another kickoff", _move_kickoff, "is not the run of kickoff"),
    Edit("backfill run launched from another launch plan", _launch_other, "launches launch plan every_minute"),
    Edit("recorded target moved to another endpoint", _retarget, "was made for"),
    Edit("format version rewritten", _old_format, "plan format 1"),
    Edit("plan --format json document given", _json_view, "not a saved plan"),
    Edit("truncated file", _truncate, "not JSON"),
    Edit("signed plan edited, digest recomputed, signature kept", _body_and_after, "signature does not match",
         reseal=KEEP_SIGNATURE, signed=True, apply_key=KEY),
    Edit("signature stripped from a signed plan", lambda doc: None, "is not signed", signed=True, apply_key=KEY),
    Edit("unsigned plan where a key is required", lambda doc: None, "is not signed", reseal=NONE, apply_key=KEY),
    Edit("edited and re-signed with another key", _body_and_after, "signature does not match", reseal=OTHER_KEY,
         apply_key=KEY),
]


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalAdmin, dict[bool, dict[str, Any]], Path]]:
    tmp = tmp_path_factory.mktemp("tampering")
    root = tmp / "repo"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks, analytics], domains: [development]}\n")
    (root / "org.yaml").write_text(textwrap.dedent(MANIFESTS))
    with LocalAdmin.start(db_path=tmp / "admin.db", port=0, seed_samples=True) as admin:
        connect = ["--endpoint", admin.address, "--insecure"]
        plans = {}
        for signed in (False, True):
            out = tmp / f"plan-{signed}.json"
            env = {KEY_VARIABLE: KEY} if signed else {}
            made = CliRunner().invoke(cli, ["plan", str(root), *connect, "--out", str(out)], env=env)
            assert made.exit_code == 0, made.output
            plans[signed] = json.loads(out.read_text())
        yield admin, plans, tmp


def _apply(path: Path, admin: LocalAdmin, key: str | None) -> Any:
    env = {KEY_VARIABLE: key} if key else {KEY_VARIABLE: ""}
    return CliRunner().invoke(cli, ["apply", "--plan", str(path), "--endpoint", admin.address, "--insecure",
                                    "--auto-approve"], env=env)


@pytest.mark.parametrize("edit", EDITS, ids=[e.name for e in EDITS])
def test_an_edited_saved_plan_is_refused_with_zero_writes(setting, edit: Edit, tmp_path: Path) -> None:
    admin, plans, _ = setting
    doc = copy.deepcopy(plans[edit.signed])
    replaced = edit.change(doc)
    if isinstance(replaced, str):
        text = replaced
    elif edit.reseal == NONE:
        text = json.dumps(doc)
    elif edit.reseal == DIGEST:
        text = json.dumps(seal(doc))
    elif edit.reseal == KEEP_SIGNATURE:
        text = json.dumps({**seal(doc), "signature": doc["signature"]})
    else:
        text = json.dumps(seal(doc, edit.reseal.encode()))
    path = tmp_path / "edited.json"
    path.write_text(text)
    writes = admin.write_calls()
    result = _apply(path, admin, edit.apply_key)
    refused = result.exit_code == 1 and admin.write_calls() == writes
    record("tampering", edits=1, refused=int(refused), writes=admin.write_calls() - writes)
    assert result.exit_code == 1, result.output
    assert edit.expect in result.output, result.output
    assert "Traceback" not in result.output and "validation error" not in result.output
    assert admin.write_calls() == writes  # nothing of the edited plan reached Admin


def test_the_untouched_plans_pass_and_the_signed_one_applies(setting, tmp_path: Path) -> None:
    """The baseline, run last: the same plans unedited pass every check; the signed one applies with its key,
    and exactly its actions reach Admin."""
    admin, plans, _ = setting
    for signed, doc in plans.items():
        path = tmp_path / f"as-saved-{signed}.json"
        path.write_text(json.dumps(doc))
        shown = CliRunner().invoke(cli, ["show", str(path)], env={KEY_VARIABLE: KEY if signed else ""})
        assert shown.exit_code == 0, shown.output
        assert "register version" in shown.output and "archive project" in shown.output
    writes = admin.write_calls()
    applied = _apply(tmp_path / "as-saved-True.json", admin, KEY)
    assert applied.exit_code == 0, applied.output
    assert admin.write_calls() - writes == len(plans[True]["actions"])
