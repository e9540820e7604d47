"""Fidelity of the embedded admin's core to flyteadmin v1.16.8, over real gRPC on loopback
(projects §1, named entities §5, launch plans §3, filters and pagination §7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2, schedule_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from reconciler.localadmin import LocalAdmin

P, D = "flytesnacks", "development"


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, seed_samples=True) as running:
        yield running


@pytest.fixture
def stub(admin: LocalAdmin) -> Iterator[AdminServiceStub]:
    with grpc.insecure_channel(admin.address) as channel:
        yield AdminServiceStub(channel)


def error(call, request) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value


def lp_id(name: str, version: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=P, domain=D, name=name,
                                     version=version)


def wf_id(name: str = "reports.daily_report", version: str = "v1") -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.WORKFLOW, project=P, domain=D, name=name,
                                     version=version)


def string(value: str) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value)))


def create_lp(stub: AdminServiceStub, name: str, version: str, **spec: object) -> None:
    stub.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(
        id=lp_id(name, version), spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf_id(), **spec)))


# -- projects ---------------------------------------------------------------------------------------
def test_register_project_validation_order_and_duplicates(stub: AdminServiceStub) -> None:
    missing_name = error(stub.RegisterProject, project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="x")))
    assert missing_name.code() == grpc.StatusCode.INVALID_ARGUMENT and missing_name.details() == "missing project_name"
    bad_id = error(stub.RegisterProject, project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id="Bad_Id", name="n")))
    assert bad_id.details().startswith("invalid project id [Bad_Id]")
    bad_label = error(stub.RegisterProject, project_pb2.ProjectRegisterRequest(project=project_pb2.Project(
        id="ok", name="n", labels=common_pb2.Labels(values={"foo": "#bar"}))))
    assert bad_label.details().startswith("invalid label value [#bar]")
    dup = error(stub.RegisterProject, project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=P, name="x")))
    assert dup.code() == grpc.StatusCode.ALREADY_EXISTS


def test_update_project_always_writes_state_and_cannot_clear_strings(stub: AdminServiceStub) -> None:
    stub.UpdateProject(project_pb2.Project(id=P, name="Named", description="described",
                                           labels=common_pb2.Labels(values={"a": "b"}),
                                           state=project_pb2.Project.ARCHIVED))
    stub.UpdateProject(project_pb2.Project(id=P))  # no state: un-archives; empty strings are not written
    project = stub.GetProject(project_pb2.ProjectGetRequest(id=P))
    assert (project.name, project.description, project.state) == ("Named", "described", project_pb2.Project.ACTIVE)
    assert dict(project.labels.values) == {"a": "b"}  # labels absent → unchanged
    missing = error(stub.UpdateProject, project_pb2.Project(id="nope", name="x"))
    assert missing.code() == grpc.StatusCode.NOT_FOUND and missing.details() == "project [nope] not found"


def test_archived_projects_are_hidden_unless_filtered(stub: AdminServiceStub) -> None:
    stub.UpdateProject(project_pb2.Project(id="analytics", state=project_pb2.Project.ARCHIVED))
    ids = [p.id for p in stub.ListProjects(project_pb2.ProjectListRequest()).projects]
    assert ids == [P]
    filtered = stub.ListProjects(project_pb2.ProjectListRequest(filters="eq(state,1)")).projects
    assert [p.id for p in filtered] == ["analytics"]
    domains = [d.id for d in stub.GetDomains(project_pb2.GetDomainRequest()).domains]
    assert domains == ["development", "staging", "production"]


def test_inactive_project_gates_creates_with_typed_detail(stub: AdminServiceStub) -> None:
    stub.UpdateProject(project_pb2.Project(id=P, state=project_pb2.Project.ARCHIVED))
    rejected = error(stub.CreateLaunchPlan, launch_plan_pb2.LaunchPlanCreateRequest(
        id=lp_id("x", "v1"), spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf_id())))
    assert rejected.details() == f"project [{P}] is not active"
    trailers = dict(rejected.trailing_metadata() or ())
    assert b"flyteidl.admin.InactiveProject" in trailers.get("grpc-status-details-bin", b"")


# -- launch plans -----------------------------------------------------------------------------------
def test_launch_plan_create_augments_inputs_and_starts_inactive(stub: AdminServiceStub) -> None:
    fixed = literals_pb2.LiteralMap(literals={"region": string("eu")})
    create_lp(stub, "lp", "v1", fixed_inputs=fixed)
    plan = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id("lp", "v1")))
    assert plan.closure.state == launch_plan_pb2.INACTIVE
    params = plan.spec.default_inputs.parameters
    assert set(params) == {"run_date", "limit", "dry_run"}  # unbound workflow inputs added as required
    assert all(p.required for p in params.values())
    assert plan.closure.expected_inputs == plan.spec.default_inputs
    same = error(lambda r: create_lp(stub, "lp", "v1", fixed_inputs=fixed), None)
    assert same.code() == grpc.StatusCode.ALREADY_EXISTS
    different = error(lambda r: create_lp(stub, "lp", "v1"), None)
    assert different.code() == grpc.StatusCode.INVALID_ARGUMENT and "different structure" in different.details()


def test_launch_plan_validation_messages(stub: AdminServiceStub) -> None:
    unexpected = error(lambda r: create_lp(stub, "lp", "v1", fixed_inputs=literals_pb2.LiteralMap(
        literals={"nope": string("x")})), None)
    assert unexpected.details() == "unexpected fixed_input nope"
    unbound = error(lambda r: create_lp(stub, "lp", "v1", entity_metadata=launch_plan_pb2.LaunchPlanMetadata(
        schedule=schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule="@daily")))), None)
    assert "unbound required input" in unbound.details()
    bound = {"region": string("eu"), "limit": literals_pb2.Literal(scalar=literals_pb2.Scalar(
        primitive=literals_pb2.Primitive(integer=1))), "dry_run": literals_pb2.Literal(scalar=literals_pb2.Scalar(
        primitive=literals_pb2.Primitive(boolean=True)))}
    six = error(lambda r: create_lp(stub, "lp", "v1", fixed_inputs=literals_pb2.LiteralMap(
        literals=bound), entity_metadata=launch_plan_pb2.LaunchPlanMetadata(
        schedule=schedule_pb2.Schedule(kickoff_time_input_arg="run_date",
                                       cron_schedule=schedule_pb2.CronSchedule(schedule="0 0 6 * * ?")))), None)
    assert six.details().startswith("Invalid cron expression: expected exactly 5 fields, found 6")
    missing_wf = error(stub.CreateLaunchPlan, launch_plan_pb2.LaunchPlanCreateRequest(
        id=lp_id("lp", "v1"), spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf_id(version="v9"))))
    assert missing_wf.code() == grpc.StatusCode.NOT_FOUND


def test_activation_switches_versions_atomically_and_lookups(stub: AdminServiceStub) -> None:
    none_active = error(stub.GetActiveLaunchPlan, launch_plan_pb2.ActiveLaunchPlanRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp")))
    assert none_active.code() == grpc.StatusCode.NOT_FOUND
    assert none_active.details() == f"No active launch plan could be found: {P}:{D}:lp"
    listed = stub.ListActiveLaunchPlans(launch_plan_pb2.ActiveLaunchPlanListRequest(project=P, domain=D, limit=10))
    assert list(listed.launch_plans) == []
    create_lp(stub, "lp", "v1", default_inputs=interface_pb2.ParameterMap())
    create_lp(stub, "lp", "v2", fixed_inputs=literals_pb2.LiteralMap(literals={"region": string("us")}))
    for version in ("v1", "v1", "v2"):  # re-activating the active version succeeds
        stub.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id("lp", version),
                                                                      state=launch_plan_pb2.ACTIVE))
    active = stub.ListActiveLaunchPlans(launch_plan_pb2.ActiveLaunchPlanListRequest(project=P, domain=D, limit=10))
    assert [p.id.version for p in active.launch_plans] == ["v2"]
    stub.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id("lp", "v1"),
                                                                  state=launch_plan_pb2.INACTIVE))  # idempotent
    missing = error(stub.UpdateLaunchPlan, launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id("lp", "v9"),
                                                                                   state=launch_plan_pb2.ACTIVE))
    assert missing.code() == grpc.StatusCode.NOT_FOUND


def test_list_launch_plans_filters_sort_and_offset_tokens(stub: AdminServiceStub) -> None:
    for version in ("a", "b", "c"):
        create_lp(stub, "lp", version, fixed_inputs=literals_pb2.LiteralMap(literals={"region": string(version)}))
    stub.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id("lp", "b"), state=launch_plan_pb2.ACTIVE))

    def page(token: str = "", filters: str = "") -> launch_plan_pb2.LaunchPlanList:
        return stub.ListLaunchPlans(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp"), limit=2, token=token,
            filters=filters, sort_by=common_pb2.Sort(key="version", direction=common_pb2.Sort.ASCENDING)))

    first = page()
    assert [p.id.version for p in first.launch_plans] == ["a", "b"] and first.token == "2"
    second = page(first.token)
    assert [p.id.version for p in second.launch_plans] == ["c"] and second.token == ""
    assert [p.id.version for p in page(filters="eq(state,1)").launch_plans] == ["b"]
    assert [p.id.version for p in page(filters="value_in(version,a;c)+ne(state,1)").launch_plans] == ["a", "c"]
    assert [p.id.version for p in page(filters="eq(workflow.name,reports.daily_report)+eq(version,c)")
            .launch_plans] == ["c"]
    for bad, message in (("eq(version)", "invalid value for filters"), ("foo(version,a)",
                         "unrecognized filter function: foo"), ("eq(nope,a)", "'l.nope' is invalid filter")):
        assert error(lambda r, bad=bad: page(filters=bad), None).details() == message
    assert error(lambda r: page(token="x"), None).details() == "invalid pagination token x for ListLaunchPlans"


# -- named entities -------------------------------------------------------------------------------
def test_named_entity_updates_need_an_entity_and_never_clear_descriptions(stub: AdminServiceStub) -> None:
    ident = common_pb2.NamedEntityIdentifier(project=P, domain=D, name="ml.evaluate")

    def update(description: str, state: int = 0) -> None:
        stub.UpdateNamedEntity(common_pb2.NamedEntityUpdateRequest(
            resource_type=identifier_pb2.WORKFLOW, id=ident,
            metadata=common_pb2.NamedEntityMetadata(description=description, state=state)))

    update("evaluates", common_pb2.NAMED_ENTITY_ARCHIVED)
    update("")  # later writes: state always, description only when non-empty
    entity = stub.GetNamedEntity(common_pb2.NamedEntityGetRequest(resource_type=identifier_pb2.WORKFLOW, id=ident))
    assert (entity.metadata.description, entity.metadata.state) == ("evaluates", common_pb2.NAMED_ENTITY_ACTIVE)
    missing = error(stub.UpdateNamedEntity, common_pb2.NamedEntityUpdateRequest(
        resource_type=identifier_pb2.WORKFLOW, id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="nope"),
        metadata=common_pb2.NamedEntityMetadata(description="x")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND and missing.details() == "entry not found"
    listed = stub.ListNamedEntities(common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, project=P, domain=D, limit=100))
    assert {e.id.name for e in listed.entities} == {"reports.daily_report", "etl.ingest", "ml.train_model",
                                                    "ml.evaluate", "ops.cleanup"}


def test_state_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "persist.db"
    with LocalAdmin.start(db_path=db, port=0, seed_samples=True) as first, grpc.insecure_channel(first.address) as ch:
        AdminServiceStub(ch).UpdateProject(project_pb2.Project(id=P, name="Persisted"))
    with LocalAdmin.start(db_path=db, port=0) as second, grpc.insecure_channel(second.address) as ch:
        assert AdminServiceStub(ch).GetProject(project_pb2.ProjectGetRequest(id=P)).name == "Persisted"
