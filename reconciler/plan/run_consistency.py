"""Saved-plan checks of run actions (pure): a ``launch_run`` or ``terminate_run`` in a plan file acts on
its own run only. The execution name is derived from the run's address and generation, the run label is
the address's name, and a termination stays inside the run; an edit of any of them shows here. (That the
serialized ExecutionSpec and inputs are what ``after`` shows is checked at the admin edge:
``reconciler.admin.runs.run_payload_problems``.)
"""

from __future__ import annotations

import re

from reconciler.model.address import Address
from reconciler.plan import actions as A
from reconciler.plan.run_names import PREFIX, execution_name, name_part


def run_action_problems(action: A.LaunchRun | A.TerminateRun, address: Address) -> list[str]:
    if address.kind != "run":
        return [f"{action.address}: a {action.type} action must be on a run address"]
    problems = []
    if (action.project, action.domain) != (address.project, address.domain):
        problems.append(f"{action.address}: the {action.type} is sent to {action.project}/{action.domain}, "
                        f"not {address.project}/{address.domain}")
    if isinstance(action, A.LaunchRun):
        base = execution_name(str(address), action.generation)
        if not re.fullmatch(rf"{re.escape(base)}(-c[0-9a-f]{{6}})?", action.name):
            problems.append(f"{action.address}: {action.name} is not the execution of generation "
                            f"{action.generation} of this run")
        if action.run_label != address.name:
            problems.append(f"{action.address}: the execution would be labelled as run {action.run_label}")
        if not isinstance(action.after, dict) or (action.after.get("execution"), action.after.get("generation")) \
                != (action.name, action.generation):
            problems.append(f"{action.address}: the run shown differs from the run launched ({action.name})")
    else:
        own = f"{PREFIX}{name_part(str(address.name))}-g"
        if not action.name.startswith(own):
            problems.append(f"{action.address}: execution {action.name} does not belong to this run")
        if not isinstance(action.before, dict) or action.before.get("execution") != action.name:
            problems.append(f"{action.address}: the execution shown differs from the one terminated ({action.name})")
    return problems
