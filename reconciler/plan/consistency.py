"""A saved plan must not be able to show one thing and do another: pure checks of its actions.

What an action *sends* (its typed fields: ids, version, value, spec) and what it *shows* (its
address, ``before``/``after`` and field changes) are two views of one write; here each action's
shown parts are derived again from what it sends and compared. Every action's address (and every
row a deletion sweeps) must also carry a fingerprint, so the freshness check re-reads it before
anything is written. The one check that needs protobuf — that a launch plan's serialized spec
decodes to the ``after`` shown — lives at the admin edge (``reconciler.admin.plan_payloads``).

Returns problems as text; ``reconciler.plan.saved`` turns them into one refusal. No I/O.
"""

from __future__ import annotations

import datetime as dt

from reconciler.backfill.names import (
    LABEL_BACKFILL,
    LABEL_KICKOFF,
    backfill_label,
    execution_name,
    kickoff_label,
    run_name_pattern,
    split_attempt,
)
from reconciler.model.address import Address, AddressError
from reconciler.plan import actions as A
from reconciler.plan.comparable import quantity_value
from reconciler.plan.diff import diff_bodies
from reconciler.plan.model import Plan
from reconciler.plan.run_consistency import run_action_problems

_CHANGE_PREFIX = {"register_launch_plan": "spec"}
_DIFFED_TYPES = frozenset({"update_project", "archive_project", "update_metadata", "register_launch_plan",
                           "update_attributes"})


def _expected_address(action: A.Action) -> Address | None:
    """The address the action's own fields name (None: the address is checked another way).
    Raises ``AddressError`` when those fields cannot form an address (a name with '/')."""
    match action:
        case A.CreateProject() | A.UpdateProject() | A.ArchiveProject():
            body = action.after if isinstance(action.after, dict) else {}
            return Address.of_project(str(body.get("id", "")))
        case A.UpdateMetadata():
            make = Address.of_workflow if action.resource_type == "workflow" else Address.of_launch_plan
            return make(action.project, action.domain, action.name)
        case A.RegisterLaunchPlan() | A.ActivateLaunchPlan() | A.DeactivateLaunchPlan():
            return Address.of_launch_plan(action.project, action.domain, action.name)
        case A.UpdateAttributes() | A.DeleteAttributes():
            return Address.of_attributes(action.project, action.domain, action.workflow, action.attr_type)
    return None


def _launch_problems(action: A.LaunchExecution, address: Address) -> list[str]:
    """A run's name and labels are derived from its backfill and kickoff: an edit of one shows."""
    text = str(address)
    try:
        kickoff = dt.datetime.fromisoformat(action.kickoff)
        expected = execution_name(text, kickoff)
    except ValueError as exc:
        return [f"{action.address}: kickoff {action.kickoff!r} is not a time-zoned instant ({exc})"]
    problems = []
    if action.name != expected:
        problems.append(f"{action.address}: run name {action.name} is not the run of kickoff {action.kickoff}")
    if (action.labels.get(LABEL_BACKFILL), action.labels.get(LABEL_KICKOFF)) != (backfill_label(text),
                                                                                  kickoff_label(kickoff)):
        problems.append(f"{action.address}: the labels of run {action.name} name another backfill or kickoff")
    if action.launch_plan != address.launch_plan:
        problems.append(f"{action.address}: the run launches launch plan {action.launch_plan}, "
                        f"not {address.launch_plan}")
    if action.after != {"name": action.name, "inputs": action.inputs}:
        problems.append(f"{action.address}: the run shown differs from the run launched ({action.name})")
    return problems


def _backfill_problems(action: A.LaunchExecution | A.RecoverExecution | A.TerminateExecution,
                       address: Address) -> list[str]:
    if address.kind != "backfill":
        return [f"{action.address}: a {action.type} action must be on a backfill address"]
    problems = []
    if (action.project, action.domain) != (address.project, address.domain):
        problems.append(f"{action.address}: the {action.type} is sent to {action.project}/{action.domain}, "
                        f"not {address.project}/{address.domain}")
    runs_of_this_backfill = run_name_pattern(str(address))
    if isinstance(action, A.LaunchExecution):
        problems.extend(_launch_problems(action, address))
    elif isinstance(action, A.RecoverExecution):
        base, attempt = split_attempt(action.name)
        if attempt < 1 or base != split_attempt(action.original)[0] or not runs_of_this_backfill.match(action.name):
            problems.append(f"{action.address}: {action.name} is not a recovery of {action.original} in this "
                            "backfill")
        if action.after != {"name": action.name}:
            problems.append(f"{action.address}: the recovery shown differs from the one sent ({action.name})")
    else:
        if not runs_of_this_backfill.match(action.name):
            problems.append(f"{action.address}: run {action.name} does not belong to this backfill")
        if action.before != {"name": action.name}:
            problems.append(f"{action.address}: the run shown differs from the run terminated ({action.name})")
    return problems


def _address_problems(action: A.Action) -> list[str]:
    """The action's address is an address, and the one its own fields write to."""
    try:
        address = Address.parse(action.address)
    except AddressError as exc:
        return [f"{action.address}: not an address ({exc})"]
    try:
        expected = _expected_address(action)
    except AddressError as exc:
        return [f"{action.address}: the {action.type} action's fields name no address ({exc})"]
    if expected is not None and expected != address:
        return [f"{action.address}: the {action.type} action writes {expected}"]
    if isinstance(action, A.LaunchExecution | A.RecoverExecution | A.TerminateExecution):
        return _backfill_problems(action, address)
    if isinstance(action, A.LaunchRun | A.TerminateRun):
        return run_action_problems(action, address)
    return []


def _shown_matches_sent(action: A.Action) -> list[str]:
    where = action.address
    match action:
        case A.CreateProject():
            if action.before is not None:
                return [f"{where}: a project creation cannot have a `before`"]
        case A.ArchiveProject():
            if not isinstance(action.after, dict) or action.after.get("state") != "archived":
                return [f"{where}: an archive action must write state: archived"]
        case A.UpdateMetadata():
            after = action.after if isinstance(action.after, dict) else {}
            if after.get("description") != action.description or after.get("state", action.state) != action.state:
                return [f"{where}: the metadata shown differs from the metadata sent"]
        case A.ActivateLaunchPlan():
            if action.after != {"activeVersions": [action.version]}:
                return [f"{where}: the activation shown differs from version {action.version} that is activated"]
        case A.DeactivateLaunchPlan():
            before = (action.before or {}).get("activeVersions", []) if isinstance(action.before, dict) else []
            after = (action.after or {}).get("activeVersions", []) if isinstance(action.after, dict) else []
            if action.version not in before or action.version in after:
                return [f"{where}: the deactivation shown does not deactivate version {action.version}"]
        case A.UpdateAttributes():
            if action.after != {"value": action.value}:
                return [f"{where}: the attribute value shown differs from the value written"]
        case A.DeleteAttributes():
            if action.after is not None:
                return [f"{where}: a deletion cannot have an `after`"]
            if any(not s.startswith(f"attributes/{action.project}/") or not s.endswith(f"/{action.attr_type}")
                   for s in action.swept):
                return [f"{where}: rows swept by this deletion must be {action.attr_type} rows of {action.project}"]
    return []


def _changes_match(action: A.Action) -> list[str]:
    """The field changes shown are exactly the differences between ``before`` and ``after``."""
    if action.type not in _DIFFED_TYPES:
        return [] if not action.changes else [f"{action.address}: a {action.type} action carries no field changes"]
    expected = diff_bodies(action.before, action.after, prefix=_CHANGE_PREFIX.get(action.type, ""))
    if isinstance(action, A.UpdateAttributes) and action.attr_type == "task_resource":
        # The planner hides a quantity respelled to the same amount (1Gi → 1024Mi).
        expected = tuple(c for c in expected
                         if not (c.op == "change" and quantity_value(c.old) == quantity_value(c.new)))
    if tuple(action.changes) != tuple(expected):
        return [f"{action.address}: the field changes shown for {action.type} are not the difference between its "
                "`before` and `after`"]
    return []


def _target_problems(plan: Plan) -> list[str]:
    target = plan.target
    if target is None:  # `apply --plan` refuses a plan without a target; `show` can still render it
        return []
    problems = []
    if plan.environment != target.environment:
        problems.append(f"the plan shows environment {plan.environment!r} but was made for {target.environment!r}")
    shown = "sandbox" if target.sandbox else target.endpoint
    if plan.endpoint != shown:
        problems.append(f"the plan shows endpoint {plan.endpoint!r} but was made for {shown!r}")
    return problems


def problems_of(plan: Plan) -> list[str]:
    """Every way the plan's shown parts disagree with what it would do (empty: consistent)."""
    problems = _target_problems(plan)
    for text in plan.fingerprints:  # re-read by address before the first write: each must be one
        try:
            Address.parse(text)
        except AddressError as exc:
            problems.append(f"fingerprint {text!r}: not an address ({exc})")
    for action in plan.actions:
        problems.extend(_address_problems(action))
        problems.extend(_shown_matches_sent(action))
        problems.extend(_changes_match(action))
        for address in (action.address, *getattr(action, "swept", ())):
            if address not in plan.fingerprints:
                problems.append(f"{address}: the plan acts on it but never fingerprinted it, so it cannot be "
                                "checked for changes before the write")
    return list(dict.fromkeys(problems))
