"""Building the exact LaunchPlanSpec from a manifest spec and a hand-made workflow interface."""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.admin import launch_plan_pb2, schedule_pb2
from flyteidl.core import identifier_pb2, interface_pb2, types_pb2
from google.protobuf.json_format import MessageToDict, ParseDict

from reconciler.admin.convert import launch_plan_spec_body
from reconciler.admin.launchplans import WorkflowInfo, build_launch_plan_spec
from reconciler.admin.literals import LiteralError, to_literal
from reconciler.errors import PlanError
from reconciler.model.launchplan_version import derive_version

ADDRESS = "launchplan/flytesnacks/production/daily_report"
WF_ID = identifier_pb2.Identifier(resource_type=identifier_pb2.WORKFLOW, project="flytesnacks",
                                  domain="production", name="reports.daily_report", version="v1")
TYPES = {"run_date": types_pb2.DATETIME, "region": types_pb2.STRING, "limit": types_pb2.INTEGER,
         "dry_run": types_pb2.BOOLEAN}


def _interface() -> interface_pb2.TypedInterface:
    variables = {name: interface_pb2.Variable(type=types_pb2.LiteralType(simple=simple), description=name)
                 for name, simple in TYPES.items()}
    return interface_pb2.TypedInterface(inputs=interface_pb2.VariableMap(variables=variables))


def _default_launch_plan() -> launch_plan_pb2.LaunchPlanSpec:
    """What ``pyflyte register`` creates: the Python defaults, run_date required."""
    interface = _interface()
    spec = launch_plan_pb2.LaunchPlanSpec(workflow_id=WF_ID)
    defaults = {"region": "us", "limit": 100, "dry_run": False}
    for name, var in interface.inputs.variables.items():
        param = interface_pb2.Parameter(var=var)
        if name in defaults:
            param.default.CopyFrom(to_literal(defaults[name], var.type, name))
        else:
            param.required = True
        spec.default_inputs.parameters[name].CopyFrom(param)
    return spec


WORKFLOW = WorkflowInfo(id=WF_ID, interface=_interface(), default_launch_plan=_default_launch_plan())


def build(spec: dict[str, Any], workflow: WorkflowInfo = WORKFLOW) -> tuple[launch_plan_pb2.LaunchPlanSpec,
                                                                          dict[str, Any]]:
    return build_launch_plan_spec(ADDRESS, {"workflow": {"name": "reports.daily_report", "version": "v1"}, **spec},
                                  workflow, source="lp.yaml:3")


FULL = {
    "schedule": {"cron": "0 6 * * *", "kickoffTimeInput": "run_date"},
    "fixedInputs": {"region": "eu"},
    "defaultInputs": {"limit": 500},
    "notifications": [{"phases": ["failed", "timed_out"], "email": ["oncall@example.com"]},
                      {"phases": ["succeeded"], "slack": ["#reports"]},
                      {"phases": ["aborted"], "pagerDuty": ["svc"]}],
    "labels": {"team": "bi"}, "annotations": {"owner": "bi@example.com"},
    "serviceAccount": "reports", "iamRole": "arn:aws:iam::1:role/reports",
    "rawOutputDataPrefix": "s3://bucket/raw", "maxParallelism": 4, "interruptible": True, "overwriteCache": True,
    "envs": {"MODE": "prod"}, "qualityOfService": {"tier": "high"},
}


def test_full_manifest_body() -> None:
    _, body = build(FULL)
    assert body == {
        "workflow": {"project": "flytesnacks", "domain": "production", "name": "reports.daily_report",
                     "version": "v1"},
        "defaultInputs": {
            "dry_run": {"type": "bool", "required": False, "default": False},
            "limit": {"type": "int", "required": False, "default": 500},
            "run_date": {"type": "datetime", "required": True, "default": None},
        },
        "fixedInputs": {"region": "eu"},
        "schedule": {"cron": "0 6 * * *", "kickoffTimeInput": "run_date"},
        "notifications": [{"phases": ["aborted"], "pagerDuty": ["svc"]},
                          {"phases": ["failed", "timed_out"], "email": ["oncall@example.com"]},
                          {"phases": ["succeeded"], "slack": ["#reports"]}],
        "labels": {"team": "bi"}, "annotations": {"owner": "bi@example.com"},
        "serviceAccount": "reports", "iamRole": "arn:aws:iam::1:role/reports",
        "rawOutputDataPrefix": "s3://bucket/raw", "maxParallelism": 4, "interruptible": True,
        "overwriteCache": True, "envs": {"MODE": "prod"}, "qualityOfService": {"tier": "high"},
    }


def test_message_placement_follows_flytekit() -> None:
    spec, _ = build(FULL)
    schedule = spec.entity_metadata.schedule
    assert schedule.HasField("cron_schedule") and schedule.cron_schedule.schedule == "0 6 * * *"
    assert schedule.cron_expression == ""  # deprecated: the native scheduler refuses to activate it
    assert schedule.kickoff_time_input_arg == "run_date"
    assert len(spec.entity_metadata.notifications) == 3
    assert spec.security_context.run_as.k8s_service_account == "reports"
    assert spec.security_context.run_as.iam_role == "arn:aws:iam::1:role/reports"
    assert spec.interruptible.value is True and spec.HasField("interruptible")
    assert "region" not in spec.default_inputs.parameters  # fixed inputs are not expected inputs


def test_defaults_come_from_the_manifest_then_the_default_launch_plan_then_required() -> None:
    spec, _ = build({"defaultInputs": {"limit": 7}})
    params = spec.default_inputs.parameters
    assert params["limit"].default.scalar.primitive.integer == 7
    assert params["region"].default.scalar.primitive.string_value == "us"  # from the default launch plan
    assert params["run_date"].required and not params["run_date"].HasField("default")
    # The augmentation Admin would do itself: the whole workflow Variable for every free input.
    assert all(params[n].var == WORKFLOW.interface.inputs.variables[n] for n in params)


def test_without_a_default_launch_plan_every_unset_input_is_required() -> None:
    spec, body = build({}, WorkflowInfo(id=WF_ID, interface=_interface()))
    assert all(p["required"] for p in body["defaultInputs"].values())
    assert len(spec.default_inputs.parameters) == 4


def test_rate_schedule() -> None:
    spec, body = build({"schedule": {"rate": {"value": 6, "unit": "hour"}}, "fixedInputs": {
        "run_date": "2024-01-01T00:00:00Z"}})
    assert spec.entity_metadata.schedule.rate == schedule_pb2.FixedRate(value=6, unit=schedule_pb2.HOUR)
    assert body["schedule"] == {"rate": {"value": 6, "unit": "hour"}, "kickoffTimeInput": None}
    assert body["fixedInputs"] == {"run_date": "2024-01-01T00:00:00Z"}


def test_unbound_required_input_with_a_schedule_is_a_plan_error() -> None:
    with pytest.raises(PlanError) as info:
        build({"schedule": {"cron": "0 6 * * *"}})
    message = str(info.value)
    assert ADDRESS in message and "lp.yaml:3" in message and "spec.schedule" in message and "run_date" in message


@pytest.mark.parametrize(("kickoff", "extra", "expected"), [
    ("missing", {}, "is not a free input"),
    ("run_date", {"fixedInputs": {"run_date": "2024-01-01"}}, "is not a free input"),
    ("limit", {}, "must be a datetime"),
])
def test_kickoff_input_must_be_a_free_datetime(kickoff: str, extra: dict[str, Any], expected: str) -> None:
    with pytest.raises(PlanError, match=expected) as info:
        build({"schedule": {"cron": "@daily", "kickoffTimeInput": kickoff}, **extra})
    assert "spec.schedule.kickoffTimeInput" in str(info.value)


def test_unknown_input_names_the_manifest_field() -> None:
    with pytest.raises(PlanError, match=r"spec\.fixedInputs\.regoin: .*has no input 'regoin'"):
        build({"fixedInputs": {"regoin": "eu"}})


def test_type_mismatch_names_the_manifest_field() -> None:
    with pytest.raises(LiteralError) as info:
        build({"defaultInputs": {"limit": "many"}})
    assert "spec.defaultInputs.limit" in str(info.value) and "expected an integer" in str(info.value)
    assert info.value.hint == "give a value of type int"


def test_same_manifest_same_bytes_and_json_round_trip() -> None:
    first, body = build(FULL)
    second, _ = build(dict(reversed(list(FULL.items()))))
    assert first.SerializeToString(deterministic=True) == second.SerializeToString(deterministic=True)
    # The writer registers the spec from its JSON form (plan files carry JSON): nothing is lost.
    again = ParseDict(MessageToDict(first, preserving_proto_field_name=True), launch_plan_pb2.LaunchPlanSpec())
    assert again == first and launch_plan_spec_body(again) == body


def test_absent_optional_fields_stay_absent() -> None:
    spec, body = build({})
    assert spec.HasField("entity_metadata")  # always sent, as flytekit does
    assert not spec.entity_metadata.HasField("schedule")
    for field in ("labels", "annotations", "security_context", "raw_output_data_config",
                  "interruptible", "envs", "quality_of_service"):
        assert not spec.HasField(field), field
    assert body["schedule"] is None and body["notifications"] == [] and body["interruptible"] is None


# -- version derivation (pure) -------------------------------------------------------------------
WF = ("flytesnacks", "production", "reports.daily_report", "v1")


def test_version_is_deterministic_and_ignores_key_order() -> None:
    a = derive_version({"fixedInputs": {"a": 1, "b": 2}, "labels": {"x": "y"}}, WF)
    b = derive_version({"labels": {"x": "y"}, "fixedInputs": {"b": 2, "a": 1}}, WF)
    assert a == b and a.startswith("r-") and len(a) == 18


def test_version_ignores_mutable_fields_and_follows_content_and_workflow() -> None:
    base = {"workflow": {"name": "reports.daily_report", "version": "latest"}, "fixedInputs": {"region": "eu"}}
    version = derive_version(base, WF)
    assert derive_version({**base, "active": False, "description": "x", "version": None}, WF) == version
    assert derive_version({**base, "fixedInputs": {"region": "us"}}, WF) != version
    assert derive_version(base, (*WF[:3], "v2")) != version  # `latest` resolving elsewhere is a new version
