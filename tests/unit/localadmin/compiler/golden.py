"""The golden cases of tests/fixtures/compiled-workflows (recorded from a real flyteadmin v1.16.8) and the
normalisation their README prescribes before comparing.

Normalisation, and nothing more:
- closures: ``created_at`` is dropped; closures are compared as the JSON of ``MessageToJson`` (so the order of
  keys inside protobuf maps, which Go iterates at random, does not matter; list order does);
- error messages: every run of whitespace becomes one space and spaces next to ``:`` go (Go's text format
  puts one or two spaces between fields at random and no space after ``:``); comma lists inside ``[...]``
  are sorted (Go map iteration); the ``\\tError N:`` lines of a ``Collected Errors`` message are compared as a
  sorted list without their ``Error N:`` prefix.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import compiler_pb2
from google.protobuf import any_pb2, json_format
from google.protobuf.internal import decoder
from google.protobuf.message import Message

from reconciler.localadmin.compiler import LaunchPlanInterface

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "compiled-workflows"
KINDS: dict[str, type[Message]] = {
    "flyteidl.admin.TaskCreateRequest": task_pb2.TaskCreateRequest,
    "flyteidl.admin.WorkflowCreateRequest": workflow_pb2.WorkflowCreateRequest,
    "flyteidl.admin.LaunchPlanCreateRequest": launch_plan_pb2.LaunchPlanCreateRequest,
}


@cache
def cases() -> dict[str, dict]:
    return json.loads((FIXTURES / "cases.json").read_text())  # type: ignore[no-any-return]


def valid_cases() -> list[str]:
    return sorted(name for name, case in cases().items() if case["expect"] == "closure")


def invalid_cases() -> list[str]:
    return sorted(name for name, case in cases().items() if case["expect"] == "error")


def read_stream(path: Path) -> list[Message]:
    buf, pos, out = path.read_bytes(), 0, []
    while pos < len(buf):
        size, pos = decoder._DecodeVarint(buf, pos)  # type: ignore[attr-defined]
        wrapped = any_pb2.Any()
        wrapped.ParseFromString(buf[pos:pos + size])
        pos += size
        message = KINDS[wrapped.TypeName()]()
        wrapped.Unpack(message)
        out.append(message)
    return out


def request(case: str) -> workflow_pb2.WorkflowCreateRequest:
    return workflow_pb2.WorkflowCreateRequest.FromString((FIXTURES / f"{case}.request.pb").read_bytes())


def deps(case: str) -> list[Message]:
    return read_stream(FIXTURES / f"{case}.deps.pb")


def launch_plans(case: str) -> list[Message]:
    path = FIXTURES / f"{case}.launchplans.pb"
    return read_stream(path) if path.exists() else []


@cache
def golden_launch_plans() -> dict[str, launch_plan_pb2.LaunchPlan]:
    """Every launch plan real Admin returned, by name (all are version g1 of project goldenwf)."""
    found = {}
    for path in sorted(FIXTURES.glob("*.launchplans.json")):
        for entry in json.loads(path.read_text()):
            if "error" not in entry:
                plan = json_format.ParseDict(entry, launch_plan_pb2.LaunchPlan())
                found[plan.id.name] = plan
    return found


def registered(case: str) -> tuple[dict[str, compiler_pb2.CompiledTask], dict[str, LaunchPlanInterface]]:
    """What the case's dependencies leave in an admin, by name: the compiled tasks and, for launch plans, the
    interface the compiler sees (expected inputs/outputs as real Admin computed them)."""
    tasks, plans = {}, {}
    for dep in deps(case):
        if isinstance(dep, task_pb2.TaskCreateRequest):
            compiled = compiler_pb2.CompiledTask(template=dep.spec.template)
            compiled.template.id.CopyFrom(dep.id)
            tasks[dep.id.name] = compiled
        elif isinstance(dep, launch_plan_pb2.LaunchPlanCreateRequest):
            stored = golden_launch_plans()[dep.id.name]
            plans[dep.id.name] = LaunchPlanInterface(dep.id, stored.closure.expected_inputs,
                                                     stored.closure.expected_outputs)
    return tasks, plans


def golden_closure(case: str) -> dict:
    closure = json.loads((FIXTURES / f"{case}.closure.json").read_text())
    closure.pop("created_at", None)
    return closure  # type: ignore[no-any-return]


def closure_json(message: Message) -> dict:
    """A workflow closure as the golden files hold it, ``created_at`` dropped."""
    closure = json.loads(json_format.MessageToJson(message, preserving_proto_field_name=True, sort_keys=True))
    closure.pop("created_at", None)
    return closure  # type: ignore[no-any-return]


def golden_error(case: str) -> dict:
    return json.loads((FIXTURES / f"{case}.error.json").read_text())  # type: ignore[no-any-return]


def _sort_lists(text: str) -> str:
    return re.sub(r"\[([^\[\]]*,[^\[\]]*)\]", lambda m: "[" + ",".join(sorted(m.group(1).split(","))) + "]", text)


def normalise_message(message: str) -> tuple[str, list[str]]:
    """(the message with its error lines taken out, the sorted error lines), normalised."""
    head, *lines = message.split("\n\tError ")
    lines = sorted(re.sub(r"^\d+: ", "", line) for line in lines)

    def clean(text: str) -> str:
        text = re.sub(r"\s+", " ", text).strip()
        return _sort_lists(re.sub(r" ?: ?", ":", text))

    return clean(head), [clean(line) for line in lines]


def json_list(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text())  # type: ignore[no-any-return]
