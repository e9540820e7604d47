"""Launch plans (flyteadmin-behaviour.md §3) over real gRPC: create validation order, input augmentation,
schedules, notifications, digests, activation, active lookups and lists."""

from __future__ import annotations

import grpc
import pytest
from core_helpers import (
    ST,
    D,
    P,
    activate,
    create_lp,
    create_workflow,
    error,
    fixed,
    ident,
    integer,
    lp_id,
    lp_request,
    seeded,
    string,
)
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2, schedule_pb2
from flyteidl.core import execution_pb2, identifier_pb2, interface_pb2, literals_pb2, types_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

INVALID = grpc.StatusCode.INVALID_ARGUMENT
ALL_BOUND = fixed(limit=integer(5), region=string("eu"))


def metadata(cron: str = "", rate: int | None = None, kickoff: str = "run_date", deprecated: str = "",
             **fields: object) -> launch_plan_pb2.LaunchPlanMetadata:
    schedule = schedule_pb2.Schedule(kickoff_time_input_arg=kickoff)
    if cron:
        schedule.cron_schedule.schedule = cron
    if rate is not None:
        schedule.rate.CopyFrom(schedule_pb2.FixedRate(value=rate, unit=schedule_pb2.HOUR))
    if deprecated:
        schedule.cron_expression = deprecated
    return launch_plan_pb2.LaunchPlanMetadata(schedule=schedule, **fields)


@pytest.fixture
def stub(fresh_stub: AdminServiceStub) -> AdminServiceStub:
    return seeded(fresh_stub)


def test_create_augments_unbound_inputs_and_starts_inactive(stub: AdminServiceStub) -> None:
    default = interface_pb2.Parameter(var=interface_pb2.Variable(type=types_pb2.LiteralType(simple=ST.INTEGER)),
                                      default=integer(10))
    create_lp(stub, fixed_inputs=fixed(region=string("eu")),
              default_inputs=interface_pb2.ParameterMap(parameters={"limit": default}))
    plan = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id()))
    assert plan.closure.state == launch_plan_pb2.INACTIVE
    params = plan.spec.default_inputs.parameters
    assert set(params) == {"limit", "run_date"}  # fixed inputs are not expected inputs
    assert params["limit"] == default
    assert params["run_date"].required and params["run_date"].var.description == "the run_date"
    assert params["run_date"].var.type.simple == ST.DATETIME
    assert plan.closure.expected_inputs == plan.spec.default_inputs
    assert set(plan.closure.expected_outputs.variables) == {"o"}
    assert plan.closure.created_at.seconds > 0 and plan.closure.updated_at == plan.closure.created_at
    assert plan.id == lp_id() and plan.id.org == ""


def test_identical_recreate_already_exists_and_different_content_invalid(stub: AdminServiceStub) -> None:
    create_lp(stub, fixed_inputs=ALL_BOUND)
    same = error(stub.CreateLaunchPlan, lp_request(fixed_inputs=ALL_BOUND))
    assert (same.code(), same.details()) == (grpc.StatusCode.ALREADY_EXISTS,
                                             "launch plan with identical structure already exists")
    different = error(stub.CreateLaunchPlan, lp_request(fixed_inputs=fixed(limit=integer(6))))
    assert different.code() == INVALID
    assert different.details().startswith("lp.daily launch plan with different structure already exists. (Please "
                                          "register a new version of the launch plan)")
    # the existing-version check comes after validation: an archived project wins even for an identical create
    stub.UpdateProject(project_pb2.Project(id=P, state=project_pb2.Project.ARCHIVED))
    assert error(stub.CreateLaunchPlan, lp_request(fixed_inputs=ALL_BOUND)).details() == f"project [{P}] is not active"


def _param(kind: int, default: literals_pb2.Literal | None = None, required: bool = False) -> interface_pb2.Parameter:
    param = interface_pb2.Parameter(var=interface_pb2.Variable(type=types_pb2.LiteralType(simple=kind)),
                                    required=required)
    if default is not None:
        param.default.CopyFrom(default)
    return param


@pytest.mark.parametrize(("spec", "code", "message"), [
    ({"wf_version": "v9"}, grpc.StatusCode.NOT_FOUND, "missing entity of type WORKFLOW with identifier "),
    ({"labels": common_pb2.Labels(values={"k": "#"})}, INVALID, "invalid label value [#]: [a valid label"),
    ({"fixed_inputs": fixed(nope=string("x"))}, INVALID, "unexpected fixed_input nope"),
    ({"fixed_inputs": literals_pb2.LiteralMap(literals={"region": literals_pb2.Literal()})}, INVALID,
     "missing valid literal in fixed_inputs region"),
    ({"fixed_inputs": fixed(limit=string("x"))}, INVALID,
     "invalid fixed_input wrong type limit, expected simple:INTEGER, got simple:STRING instead"),
    ({"default_inputs": interface_pb2.ParameterMap(parameters={"limit": interface_pb2.Parameter()})}, INVALID,
     "The Variable component of the Parameter limit in default_inputs either is missing, or has a missing Type"),
    ({"default_inputs": interface_pb2.ParameterMap(parameters={"limit": _param(ST.INTEGER)})}, INVALID,
     "Invalid variable limit in default_inputs - variable has neither default, nor is required. One must be "
     "specified"),
    ({"default_inputs": interface_pb2.ParameterMap(parameters={"limit": _param(ST.INTEGER, string("x"))})},
     INVALID, "Type mismatch for Parameter limit in default_inputs has type simple:INTEGER, expected simple:STRING"),
    ({"default_inputs": interface_pb2.ParameterMap(parameters={"extra": _param(ST.INTEGER, required=True)})},
     INVALID, "unexpected default_input extra"),
    ({"default_inputs": interface_pb2.ParameterMap(parameters={"limit": _param(ST.STRING, string("x"))})},
     INVALID, "invalid default_input wrong type limit, expected simple:STRING, got simple:INTEGER instead"),
    ({"entity_metadata": metadata(cron="@daily", kickoff="")}, INVALID,
     "Cannot create a launch plan with a schedule if there is an unbound required input. ["),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": metadata(cron="@daily", kickoff="limit")}, INVALID,
     "Cannot create a launch plan with a schedule if there is an unbound required input. [run_date] is required"),
    ({"fixed_inputs": fixed(limit=integer(1), region=string("eu"), run_date=literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(datetime={"seconds": 1})))),
      "entity_metadata": metadata(cron="@daily", kickoff="run_date")}, INVALID,
     "Cannot create a schedule with a KickoffTimeInputArg that does not point to a free input. [run_date] is not "
     "free or does not exist."),
    ({"fixed_inputs": fixed(run_date=literals_pb2.Literal(scalar=literals_pb2.Scalar(
        primitive=literals_pb2.Primitive(datetime={"seconds": 1}))), region=string("eu")),
      "entity_metadata": metadata(cron="@daily", kickoff="limit")}, INVALID,
     "KickoffTimeInputArg must reference a datetime input. [limit] is a [simple: INTEGER\n]"),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": metadata(cron="0 0 6 * * ?")}, INVALID,
     "Invalid cron expression: expected exactly 5 fields, found 6: [0 0 6 * * ?]"),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": metadata(cron="0 6 * * 7")}, INVALID,
     "Invalid cron expression: end of range (7) above maximum (6): 7"),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": metadata(cron="0 6 L * *")}, INVALID,
     'Invalid cron expression: failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": metadata(cron="@fortnightly")}, INVALID,
     "Invalid cron expression: unrecognized descriptor: @fortnightly"),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": metadata(cron="TZ=Mars/Olympus 0 6 * * *")}, INVALID,
     "Invalid cron expression: provided bad location Mars/Olympus"),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": launch_plan_pb2.LaunchPlanMetadata(
        notifications=[common_pb2.Notification(phases=[execution_pb2.WorkflowExecution.FAILED])])}, INVALID,
     "invalid value for notification type"),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": launch_plan_pb2.LaunchPlanMetadata(
        notifications=[common_pb2.Notification(phases=[execution_pb2.WorkflowExecution.FAILED],
                                               email=common_pb2.EmailNotification())])}, INVALID, "missing recipients"),
    ({"fixed_inputs": ALL_BOUND, "entity_metadata": launch_plan_pb2.LaunchPlanMetadata(
        notifications=[common_pb2.Notification(phases=[execution_pb2.WorkflowExecution.RUNNING],
                                               slack=common_pb2.SlackNotification(recipients_email=["a@b"]))])},
     INVALID, "invalid value for phase"),
])
def test_create_validation(stub: AdminServiceStub, spec: dict[str, object], code: grpc.StatusCode,
                           message: str) -> None:
    wf_version = str(spec.pop("wf_version", "v1"))
    rejected = error(stub.CreateLaunchPlan, lp_request(wf_version=wf_version, **spec))
    assert rejected.code() == code
    assert rejected.details().startswith(message)


def test_create_identifier_checks_come_in_flyteadmin_order(stub: AdminServiceStub) -> None:
    assert error(stub.CreateLaunchPlan, launch_plan_pb2.LaunchPlanCreateRequest(id=lp_id())).details() == "missing id"
    no_type = lp_request()
    no_type.id.resource_type = identifier_pb2.UNSPECIFIED  # not filled in for Create
    assert error(stub.CreateLaunchPlan, no_type).details().startswith("unexpected resource type unspecified")
    wf_type = lp_request()
    wf_type.spec.workflow_id.resource_type = identifier_pb2.TASK
    assert error(stub.CreateLaunchPlan, wf_type).details().startswith("unexpected resource type task")
    other_project = lp_request()
    other_project.id.project = "nope"  # the workflow is found first, then the launch plan's project is checked
    assert error(stub.CreateLaunchPlan, other_project).details().startswith(
        "failed to validate that project [nope] and domain")


@pytest.mark.parametrize("cron", ["@daily", "@every 1h30m", "0 6 * * MON-FRI", "*/15 * ? JAN,jul *",
                                  "TZ=Europe/Berlin 0 6 * * *", "CRON_TZ=UTC 5 4 1-10/2 * 0"])
def test_schedules_that_flyteadmin_accepts(stub: AdminServiceStub, cron: str) -> None:
    create_lp(stub, fixed_inputs=ALL_BOUND, entity_metadata=metadata(cron=cron))
    plans = stub.ListLaunchPlans(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=5, filters="eq(schedule_type,CRON)"))
    assert [p.spec.entity_metadata.schedule.cron_schedule.schedule for p in plans.launch_plans] == [cron]


def test_fixed_rate_is_not_validated_and_a_required_kickoff_input_is_allowed(stub: AdminServiceStub) -> None:
    create_lp(stub, fixed_inputs=ALL_BOUND, entity_metadata=metadata(rate=0))
    rate = stub.ListLaunchPlans(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=5, filters="eq(schedule_type, RATE)"))
    assert [p.id.name for p in rate.launch_plans] == ["lp.daily"]
    plan = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id()))
    assert plan.spec.default_inputs.parameters["run_date"].required


def test_activation_is_one_switch_and_idempotent(stub: AdminServiceStub) -> None:
    for version, limit in (("v1", 1), ("v2", 2)):
        create_lp(stub, version=version, fixed_inputs=fixed(limit=integer(limit)))
    none = error(stub.GetActiveLaunchPlan, launch_plan_pb2.ActiveLaunchPlanRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp.daily")))
    assert (none.code(), none.details()) == (grpc.StatusCode.NOT_FOUND,
                                             f"No active launch plan could be found: {P}:{D}:lp.daily")
    active_list = launch_plan_pb2.ActiveLaunchPlanListRequest(project=P, domain=D, limit=10)
    assert list(stub.ListActiveLaunchPlans(active_list).launch_plans) == []
    activate(stub, "lp.daily", "v1")
    activate(stub, "lp.daily", "v1")  # re-activating the active version succeeds
    activate(stub, "lp.daily", "v2")  # deactivates v1 in the same transaction
    states = {p.id.version: p.closure.state for p in stub.ListLaunchPlans(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp.daily"), limit=10)).launch_plans}
    assert states == {"v1": launch_plan_pb2.INACTIVE, "v2": launch_plan_pb2.ACTIVE}
    got = stub.GetActiveLaunchPlan(launch_plan_pb2.ActiveLaunchPlanRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp.daily")))
    assert got.id.version == "v2" and got.closure.state == launch_plan_pb2.ACTIVE
    assert [p.id.version for p in stub.ListActiveLaunchPlans(active_list).launch_plans] == ["v2"]
    activate(stub, "lp.daily", "v1", launch_plan_pb2.INACTIVE)  # deactivating an inactive version succeeds
    activate(stub, "lp.daily", "v2", launch_plan_pb2.INACTIVE)
    assert list(stub.ListActiveLaunchPlans(active_list).launch_plans) == []
    missing = error(lambda r: activate(stub, "lp.daily", "v9"), None)
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    assert missing.details().startswith("missing entity of type LAUNCH_PLAN with identifier ")
    bad_state = error(stub.UpdateLaunchPlan, launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id(), state=5))
    assert bad_state.code() == INVALID
    assert bad_state.details().startswith("Unrecognized launch plan state 5 for update for launch plan [")
    assert error(stub.ListActiveLaunchPlans, launch_plan_pb2.ActiveLaunchPlanListRequest(
        project=P, domain=D)).details() == "invalid value for limit"


def test_activation_is_not_gated_by_project_state(stub: AdminServiceStub) -> None:
    create_lp(stub, fixed_inputs=ALL_BOUND)
    stub.UpdateProject(project_pb2.Project(id=P, state=project_pb2.Project.ARCHIVED))
    activate(stub, "lp.daily", "v1")
    assert stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id())).closure.state == launch_plan_pb2.ACTIVE


def test_deprecated_cron_expression_cannot_be_activated(stub: AdminServiceStub) -> None:
    create_lp(stub, fixed_inputs=ALL_BOUND, entity_metadata=metadata(deprecated="0 6 * * *"))
    failed = error(lambda r: activate(stub, "lp.daily", "v1"), None)
    assert failed.code() == grpc.StatusCode.INTERNAL
    assert failed.details().startswith("failed adding schedule for unknown schedule expression type")
    assert stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id())).closure.state == launch_plan_pb2.INACTIVE


def test_list_launch_plans_filters_sort_pages_and_ids(stub: AdminServiceStub) -> None:
    create_workflow(stub, "wf.other", tasks=[], inputs={})
    for version in ("a", "b", "c"):
        create_lp(stub, version=version, fixed_inputs=fixed(limit=integer(ord(version))))
    create_lp(stub, "lp.other", "a", wf="wf.other")
    activate(stub, "lp.daily", "b")
    ascending = common_pb2.Sort(key="version", direction=common_pb2.Sort.ASCENDING)

    def listed(name: str = "", **request: object) -> launch_plan_pb2.LaunchPlanList:
        return stub.ListLaunchPlans(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name=name), **request))

    first = listed("lp.daily", limit=2, sort_by=ascending)
    assert ([p.id.version for p in first.launch_plans], first.token) == (["a", "b"], "2")
    second = listed("lp.daily", limit=2, sort_by=ascending, token="2")
    assert ([p.id.version for p in second.launch_plans], second.token) == (["c"], "")
    assert [p.id.version for p in listed("lp.daily", limit=9, filters="eq(state, 1)").launch_plans] == ["b"]
    assert {p.id.version for p in listed("lp.daily", limit=9, filters="ne(state,1)").launch_plans} == {"a", "c"}
    assert [p.id.name for p in listed(limit=9, filters="eq(workflow.name,wf.other)").launch_plans] == ["lp.other"]
    assert [p.id.name for p in listed(limit=9, filters="eq(schedule_type,NONE)+value_in(name,lp.other;x)")
            .launch_plans] == ["lp.other"]
    newest = listed("lp.daily", limit=1, sort_by=common_pb2.Sort(key="created_at"))  # flytectl's "latest"
    assert newest.launch_plans[0].id.version == "c"
    for request, message in (
            ({"limit": 0}, "invalid value for limit"),
            ({"limit": 1, "filters": "eq(task.name,x)"}, "'t' entity is not allowed in filters"),
            ({"limit": 1, "filters": "eq(nope,x)"}, "'l.nope' is invalid filter"),
            ({"limit": 1, "filters": "eq(workflow.nope,x)"}, "'w.nope' is invalid filter"),
            ({"limit": 1, "filters": "foo(version,x)"}, "unrecognized filter function: foo"),
            ({"limit": 1, "filters": "eq(version)"}, "invalid value for filters"),
            ({"limit": 1, "filters": " eq(version,a)"}, "unrecognized filter function:  eq"),
            ({"limit": 1, "sort_by": common_pb2.Sort(key="nope")}, "invalid sort key 'nope'"),
            ({"limit": 1, "sort_by": common_pb2.Sort(key="name", direction=7)}, "invalid sort order specified: 7"),
            ({"limit": 1, "token": "x"}, "invalid pagination token x for ListLaunchPlans")):
        rejected = error(lambda r, q=request: listed(**q), None)
        assert (rejected.code(), rejected.details()) == (INVALID, message)
    ids = stub.ListLaunchPlanIds(common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=1,
                                                                             filters="eq(name,x)"))
    assert ([i.name for i in ids.entities], ids.token) == (["lp.daily"], "1")
    rest = stub.ListLaunchPlanIds(common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=1, token="1"))
    assert [i.name for i in rest.entities] == ["lp.other"]
    assert error(stub.ListLaunchPlanIds, common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D)).details() \
        == "missing and/or invalid parameters: limit"


def test_workflow_may_live_in_another_project(stub: AdminServiceStub) -> None:
    stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="other", name="Other")))
    request = lp_request(fixed_inputs=ALL_BOUND)
    request.id.project = "other"
    stub.CreateLaunchPlan(request)
    plan = stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=ident(identifier_pb2.LAUNCH_PLAN, "lp.daily",
                                                                   project="other")))
    assert plan.spec.workflow_id.project == P
