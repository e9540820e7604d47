"""Tasks, workflows and named entities (flyteadmin-behaviour.md §2, §5) over real gRPC."""

from __future__ import annotations

import grpc
import pytest
from core_helpers import (
    D,
    P,
    create_lp,
    create_task,
    create_workflow,
    details,
    error,
    ident,
    register_project,
    seeded,
    task_template,
)
from flyteidl.admin import common_pb2, description_entity_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, tasks_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

INVALID = grpc.StatusCode.INVALID_ARGUMENT
TASK, WORKFLOW, LAUNCH_PLAN = identifier_pb2.TASK, identifier_pb2.WORKFLOW, identifier_pb2.LAUNCH_PLAN


def task_request(id_: identifier_pb2.Identifier | None, template: tasks_pb2.TaskTemplate | None
                 ) -> task_pb2.TaskCreateRequest:
    request = task_pb2.TaskCreateRequest()
    if id_ is not None:
        request.id.CopyFrom(id_)
    if template is not None:
        request.spec.template.CopyFrom(template)
    return request


def resources(requests: dict[int, str], limits: dict[int, str]) -> tasks_pb2.Resources:
    R = tasks_pb2.Resources
    return R(requests=[R.ResourceEntry(name=k, value=v) for k, v in requests.items()],
             limits=[R.ResourceEntry(name=k, value=v) for k, v in limits.items()])


CPU, GPU, MEM = tasks_pb2.Resources.CPU, tasks_pb2.Resources.GPU, tasks_pb2.Resources.MEMORY


@pytest.mark.parametrize(("request_", "message"), [
    (task_request(None, task_template()), "missing id"),
    (task_request(ident(WORKFLOW, "t"), task_template()),
     f'unexpected resource type workflow for identifier [resource_type:WORKFLOW project:"{P}" domain:"{D}" '
     'name:"t" version:"v1"], expected task instead'),  # Go protobuf text, as flyteadmin prints %v
    (task_request(ident(TASK, "t", version=""), task_template()), "missing version"),
    (task_request(ident(TASK, "t", project="nope"), task_template()),
     "failed to validate that project [nope] and domain [development] are registered, err: [project [nope] not found]"),
    (task_request(ident(TASK, "t"), None), "missing spec"),
    (task_request(ident(TASK, "t"), task_template(type="")), "missing type"),
    (task_request(ident(TASK, "t"), task_template(metadata=None)), "missing metadata"),
    (task_request(ident(TASK, "t"), task_template(
        metadata=tasks_pb2.TaskMetadata(runtime=tasks_pb2.RuntimeMetadata(flavor="python")))),
     "missing runtime version"),
    (task_request(ident(TASK, "t"), task_template(interface=None)), "missing typed interface"),
    (task_request(ident(TASK, "t"), task_template(image="")), "missing image"),
    (task_request(ident(TASK, "t"), task_template(container=tasks_pb2.Container(
        image="i", resources=resources({CPU: "2"}, {CPU: "1"})))),
     "Requested CPU default [2] is greater than the limit [1]. Please fix your configuration"),
    (task_request(ident(TASK, "t"), task_template(container=tasks_pb2.Container(
        image="i", resources=resources({MEM: "lots"}, {})))),
     "Parsing of MEMORY request failed for value lots - reason  quantities must match the regular expression "
     "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'. Please follow K8s conventions for resources "
     "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"),
])
def test_create_task_validation_order(fresh_stub: AdminServiceStub, request_: task_pb2.TaskCreateRequest,
                                      message: str) -> None:
    register_project(fresh_stub)
    rejected = error(fresh_stub.CreateTask, request_)
    assert (rejected.code(), rejected.details()) == (INVALID, message)


def test_task_resources_that_pass_and_sidecars_skip_container_checks(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    create_task(fresh_stub, "ok", container=tasks_pb2.Container(image="i", resources=resources(
        {CPU: "500m", MEM: "1Gi", GPU: "1"}, {CPU: "1", MEM: "2Gi", GPU: "1"})))
    create_task(fresh_stub, "side", type="sidecar", container=tasks_pb2.Container(image=""))
    gpu = error(lambda r: create_task(fresh_stub, "gpu", container=tasks_pb2.Container(image="i", resources=resources(
        {GPU: "1"}, {GPU: "2"}))), None)
    assert gpu.details().startswith("For extended resource 'gpu' the default value must equal the limit value")


def test_task_create_is_idempotent_by_digest_and_rejects_different_content(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    create_task(fresh_stub)
    same = error(lambda r: create_task(fresh_stub), None)
    assert (same.code(), same.details()) == (grpc.StatusCode.ALREADY_EXISTS,
                                             "task with identical structure already exists")
    assert details(same) == []
    described = task_pb2.TaskCreateRequest(id=ident(TASK, "t.one"), spec=task_pb2.TaskSpec(
        template=task_template(), description=description_entity_pb2.DescriptionEntity(short_description="new")))
    assert error(fresh_stub.CreateTask, described).code() == grpc.StatusCode.ALREADY_EXISTS  # description not hashed
    different = error(lambda r: create_task(fresh_stub, image="python:3.12"), None)
    assert different.code() == INVALID
    assert different.details().startswith("t.one task with different structure already exists. (Please register a "
                                          "new version of the task)")


def test_get_task_and_not_found(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    create_task(fresh_stub)
    unspecified = ident(identifier_pb2.UNSPECIFIED, "t.one")
    task = fresh_stub.GetTask(common_pb2.ObjectGetRequest(id=unspecified))  # the RPC layer fills resource_type
    assert task.id == ident(TASK, "t.one")
    assert task.closure.compiled_task.template.id == ident(TASK, "t.one")  # template.id := request id
    assert task.closure.compiled_task.template.container.image == "python:3.11"
    assert task.closure.created_at.seconds > 0
    missing = error(fresh_stub.GetTask, common_pb2.ObjectGetRequest(id=ident(TASK, "t.one", "v9")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    assert missing.details().startswith("missing entity of type TASK with identifier ")
    # GetTask does not enforce identifier validation: an empty version matches some version (§2.4)
    assert fresh_stub.GetTask(common_pb2.ObjectGetRequest(id=ident(TASK, "t.one", ""))).id.version == "v1"


def test_create_workflow_compiles_references(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    missing_task = error(lambda r: create_workflow(fresh_stub, tasks=[ident(TASK, "t.one")]), None)
    assert missing_task.code() == INVALID
    assert missing_task.details().startswith("failed to compile workflow for [")
    assert "missing entity of type TASK" in missing_task.details()
    missing_lp = error(lambda r: create_workflow(fresh_stub, plans=[ident(LAUNCH_PLAN, "lp.x")]), None)
    assert "missing entity of type LAUNCH_PLAN" in missing_lp.details()
    create_task(fresh_stub)
    create_workflow(fresh_stub, tasks=[ident(TASK, "t.one"), ident(TASK, "t.one")])
    workflow = fresh_stub.GetWorkflow(common_pb2.ObjectGetRequest(id=ident(WORKFLOW, "wf.daily")))
    compiled = workflow.closure.compiled_workflow
    assert compiled.primary.template.id == ident(WORKFLOW, "wf.daily")
    # compiled as flyteadmin does: start and end nodes first, promises from the start node, connections
    assert [n.id for n in compiled.primary.template.nodes] == ["start-node", "end-node", "n0", "n1"]
    assert {b.binding.promise.node_id for b in compiled.primary.template.nodes[2].inputs} == {"start-node"}
    assert list(compiled.primary.connections.downstream["start-node"].ids) == ["n0", "n1"]
    assert set(compiled.primary.template.interface.inputs.variables) == {"run_date", "limit", "region"}
    assert [t.template.id.name for t in compiled.tasks] == ["t.one"]  # each referenced task once
    create_lp(fresh_stub)
    create_workflow(fresh_stub, "wf.parent", plans=[ident(LAUNCH_PLAN, "lp.daily")])


def test_create_workflow_validation_and_duplicates_with_typed_details(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    no_spec = error(fresh_stub.CreateWorkflow, workflow_pb2.WorkflowCreateRequest(id=ident(WORKFLOW, "w")))
    assert no_spec.details() == "missing spec"
    wrong_type = error(fresh_stub.CreateWorkflow, workflow_pb2.WorkflowCreateRequest(id=ident(TASK, "w")))
    assert wrong_type.details().startswith("unexpected resource type task for identifier [")
    create_workflow(fresh_stub, tasks=[])
    same = error(lambda r: create_workflow(fresh_stub, tasks=[]), None)
    assert (same.code(), same.details()) == (grpc.StatusCode.ALREADY_EXISTS,
                                             "workflow with identical structure already exists")
    [detail] = details(same)
    reason = workflow_pb2.CreateWorkflowFailureReason()
    assert detail.Unpack(reason) and reason.exists_identical_structure.id == ident(WORKFLOW, "wf.daily")
    different = error(lambda r: create_workflow(fresh_stub, tasks=[], inputs={}), None)
    assert different.code() == INVALID and "workflow with different structure already exists" in different.details()
    [detail] = details(different)
    assert detail.Unpack(reason) and reason.exists_different_structure.id == ident(WORKFLOW, "wf.daily")


def test_get_workflow_validates_and_not_found(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    assert error(fresh_stub.GetWorkflow, common_pb2.ObjectGetRequest(id=ident(WORKFLOW, "w", ""))
                 ).details() == "missing version"
    missing = error(fresh_stub.GetWorkflow, common_pb2.ObjectGetRequest(id=ident(WORKFLOW, "w")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    assert missing.details().startswith("missing entity of type WORKFLOW with identifier ")


def test_list_tasks_and_workflows_filters_sort_pagination_and_ids(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub)
    for name, version in (("b.task", "v1"), ("a.task", "v1"), ("a.task", "v2"), ("c.task", "v1")):
        create_task(fresh_stub, name, version)
    entity = common_pb2.NamedEntityIdentifier(project=P, domain=D)

    def tasks(**request: object) -> task_pb2.TaskList:
        return fresh_stub.ListTasks(common_pb2.ResourceListRequest(id=entity, **request))

    by_name = common_pb2.Sort(key="name", direction=common_pb2.Sort.ASCENDING)
    page = tasks(limit=3, sort_by=by_name)
    assert [(t.id.name, t.id.version) for t in page.tasks][:1] == [("a.task", "v1")] and page.token == "3"
    assert [t.id.name for t in tasks(limit=3, sort_by=by_name, token="3").tasks] == ["c.task"]
    assert {t.id.version for t in tasks(limit=10, filters="eq(name,a.task)").tasks} == {"v1", "v2"}
    assert [t.id.name for t in tasks(limit=10, filters="contains(name,b.)+eq(type,python-task)").tasks] == ["b.task"]
    assert len(tasks(limit=10, filters="gte(created_at,2000-01-01T00:00:00Z)").tasks) == 4
    assert tasks(limit=10, filters="lt(created_at,2000-01-01T00:00:00Z)").tasks == []
    named = fresh_stub.ListTasks(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="a.task"), limit=10))
    assert {t.id.version for t in named.tasks} == {"v1", "v2"}
    for request, message in (
            ({"limit": 0}, "invalid value for limit"),
            ({"limit": 1, "filters": "eq(workflow.name,x)"}, "'w' entity is not allowed in filters"),
            ({"limit": 1, "filters": "eq(typed_interface,x)"}, "'t.typed_interface' is invalid filter"),
            ({"limit": 1, "filters": "eq(foo.bar,x)"}, "'t.foo.bar' is invalid filter"),
            ({"limit": 1, "token": "abc"}, "invalid pagination token abc for ListTasks")):
        assert error(lambda r, q=request: tasks(**q), None).details() == message
    no_domain = error(fresh_stub.ListTasks, common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P), limit=1))
    assert no_domain.details() == "missing domain"
    ids = fresh_stub.ListTaskIds(common_pb2.NamedEntityIdentifierListRequest(
        project=P, domain=D, limit=2, filters="eq(name,nothing)"))  # filters are ignored
    assert ([i.name for i in ids.entities], ids.token) == (["a.task", "b.task"], "2")
    rest = fresh_stub.ListTaskIds(common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=2, token="2"))
    assert ([i.name for i in rest.entities], rest.token) == (["c.task"], "")
    create_workflow(fresh_stub, tasks=[ident(TASK, "a.task")])
    [slim] = fresh_stub.ListWorkflows(common_pb2.ResourceListRequest(id=entity, limit=5)).workflows
    assert set(slim.closure.compiled_workflow.primary.template.interface.inputs.variables) == {
        "run_date", "limit", "region"}
    assert list(slim.closure.compiled_workflow.primary.template.nodes) == []  # only the interface is listed
    assert [i.name for i in fresh_stub.ListWorkflowIds(common_pb2.NamedEntityIdentifierListRequest(
        project=P, domain=D, limit=5)).entities] == ["wf.daily"]


def test_named_entities_get_update_and_list(fresh_stub: AdminServiceStub) -> None:
    seeded(fresh_stub)
    create_workflow(fresh_stub, ".flytegen.t.one", tasks=[])
    wf = common_pb2.NamedEntityIdentifier(project=P, domain=D, name="wf.daily")

    def get(name: str = "wf.daily", kind: int = WORKFLOW) -> common_pb2.NamedEntity:
        return fresh_stub.GetNamedEntity(common_pb2.NamedEntityGetRequest(
            resource_type=kind, id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name=name)))

    def update(description: str, state: int = 0, kind: int = WORKFLOW, name: str = "wf.daily") -> None:
        fresh_stub.UpdateNamedEntity(common_pb2.NamedEntityUpdateRequest(
            resource_type=kind, id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name=name),
            metadata=common_pb2.NamedEntityMetadata(description=description, state=state)))

    fresh = get()
    assert (fresh.metadata.description, fresh.metadata.state, fresh.id) == ("", 0, wf)
    update("daily numbers", common_pb2.NAMED_ENTITY_ARCHIVED)
    update("")  # state always written; an empty description never clears
    assert (get().metadata.description, get().metadata.state) == ("daily numbers", common_pb2.NAMED_ENTITY_ACTIVE)
    update("", common_pb2.NAMED_ENTITY_ARCHIVED, kind=TASK, name="t.one")  # tasks can be archived too
    assert get("t.one", TASK).metadata.state == common_pb2.NAMED_ENTITY_ARCHIVED
    missing = error(lambda r: update("x", name="nope"), None)
    assert (missing.code(), missing.details()) == (grpc.StatusCode.NOT_FOUND, "entry not found")
    assert error(lambda r: get("nope"), None).details() == "entry not found"
    assert error(lambda r: get(kind=identifier_pb2.UNSPECIFIED), None).details() == "invalid value for resource_type"
    assert error(lambda r: get(kind=identifier_pb2.DATASET), None).details() == (
        "Cannot get NamedEntityMetadata for resource type: DATASET")
    assert error(lambda r: update("x", 1, kind=identifier_pb2.DATASET), None).details() == (
        "Resource [DATASET] cannot have its state updated")
    no_metadata = error(fresh_stub.UpdateNamedEntity,
                        common_pb2.NamedEntityUpdateRequest(resource_type=WORKFLOW, id=wf))
    assert no_metadata.details() == "missing metadata"

    def names(**request: object) -> list[str]:
        listed = fresh_stub.ListNamedEntities(common_pb2.NamedEntityListRequest(
            resource_type=WORKFLOW, project=P, domain=D, **request))
        return [e.id.name for e in listed.entities]

    assert names(limit=10) == ["wf.daily"]  # .flytegen hidden by default
    assert names(limit=10, filters="contains(name,.)") == [".flytegen.t.one", "wf.daily"]  # a filter replaces it
    update("", common_pb2.NAMED_ENTITY_ARCHIVED)
    assert names(limit=10, filters="eq(state,1)") == ["wf.daily"]
    assert names(limit=10, filters="eq(named_entity_metadata.state,1)") == ["wf.daily"]
    assert names(limit=10, filters="eq(state,0)") == [".flytegen.t.one"]  # no metadata row: state 0
    # flyteadmin pages the names before filtering: a page can come back short, without a token
    short = fresh_stub.ListNamedEntities(common_pb2.NamedEntityListRequest(
        resource_type=WORKFLOW, project=P, domain=D, limit=1))
    assert ([e.id.name for e in short.entities], short.token) == ([], "")
    assert error(lambda r: names(limit=0), None).details() == "invalid value for limit"
    assert error(lambda r: names(limit=1, filters="eq(version,1)"), None).details() == "'nen.version' is invalid filter"
