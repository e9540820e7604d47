"""Projects and domains (flyteadmin-behaviour.md §1) over real gRPC: validation order and messages,
label rules, duplicates, update semantics, visibility, pagination and the project gates of other calls."""

from __future__ import annotations

import grpc
import pytest
from core_helpers import P, create_workflow, details, error, lp_request, register_project, seeded
from flyteidl.admin import common_pb2, project_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

INVALID = grpc.StatusCode.INVALID_ARGUMENT
_LABEL_RULE = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
               "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
               "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def register(stub: AdminServiceStub, project: project_pb2.Project | None) -> grpc.RpcError:
    request = project_pb2.ProjectRegisterRequest(project=project) if project else project_pb2.ProjectRegisterRequest()
    return error(stub.RegisterProject, request)


@pytest.mark.parametrize(("project", "message"), [
    (None, "missing project"),
    (project_pb2.Project(id="x"), "missing project_name"),
    (project_pb2.Project(name="n"), "missing project_id"),
    # labels are checked before the id format
    (project_pb2.Project(id="Bad", name="n", labels=common_pb2.Labels(values={"k": "#bar"})),
     "invalid label value [#bar]: [a valid label must be an empty string or consist of alphanumeric characters, "
     "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
     "or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]"),
    (project_pb2.Project(id="x", name="n", labels=common_pb2.Labels(values={f"k{i}": "v" for i in range(17)})),
     "labels map cannot exceed 16 entries"),
    (project_pb2.Project(id="x", name="n", labels=common_pb2.Labels(values={"/k": "v"})),
     "invalid label key [/k]: [prefix part must be non-empty]"),
    (project_pb2.Project(id="Bad_Id", name="n"), f"invalid project id [Bad_Id]: [{_LABEL_RULE}]"),
    (project_pb2.Project(id="a.b", name="n"), "invalid project id [a.b]: [must not contain dots]"),
    (project_pb2.Project(id="a" * 64 + "_", name="n"),
     f"invalid project id [{'a' * 64}_]: [must be no more than 63 characters {_LABEL_RULE}]"),
    (project_pb2.Project(id="x", name="n" * 65), "project_name cannot exceed 64 characters"),
    (project_pb2.Project(id="x", name="é" * 33), "project_name cannot exceed 64 characters"),  # bytes, not chars
    (project_pb2.Project(id="x", name="n", description="d" * 301), "project_description cannot exceed 300 characters"),
    (project_pb2.Project(id="x", name="n", domains=[project_pb2.Domain(id="development")]),
     "Domains are currently only set system wide. Please retry without domains included in your request."),
])
def test_register_project_validation(fresh_stub: AdminServiceStub, project: project_pb2.Project | None,
                                     message: str) -> None:
    rejected = register(fresh_stub, project)
    assert (rejected.code(), rejected.details()) == (INVALID, message)


def test_label_key_prefix_and_length_rules(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub, "ok", labels=common_pb2.Labels(values={"example.com/team": "ml", "a": ""}))
    long_name = register(fresh_stub, project_pb2.Project(id="x", name="n", labels=common_pb2.Labels(
        values={"k" * 64: "v"})))
    assert long_name.details() == f"invalid label key [{'k' * 64}]: [name part must be no more than 63 characters]"
    bad_prefix = register(fresh_stub, project_pb2.Project(id="x", name="n", labels=common_pb2.Labels(
        values={"Ex/k": "v"})))
    assert bad_prefix.details().startswith("invalid label key [Ex/k]: [prefix part a lowercase RFC 1123 subdomain")


def test_register_is_not_validated_for_state_and_duplicates_are_already_exists(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub, "archived", state=project_pb2.Project.ARCHIVED)
    assert fresh_stub.GetProject(project_pb2.ProjectGetRequest(id="archived")).state == project_pb2.Project.ARCHIVED
    duplicate = register(fresh_stub, project_pb2.Project(id="archived", name="something else entirely"))
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS
    assert duplicate.details() == ('value with matching already exists (duplicate key value violates unique '
                                   'constraint "projects_pkey")')


def test_get_project_returns_config_domains_and_labels(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub, P, "Demo", description="d", labels=common_pb2.Labels(values={"team": "ml"}))
    project = fresh_stub.GetProject(project_pb2.ProjectGetRequest(id=P))
    assert (project.id, project.name, project.description, dict(project.labels.values)) == (P, "Demo", "d",
                                                                                            {"team": "ml"})
    assert [d.id for d in project.domains] == ["development", "staging", "production"]
    assert [d.name for d in project.domains] == ["development", "staging", "production"]
    assert error(fresh_stub.GetProject, project_pb2.ProjectGetRequest()).details() == "missing project_id"
    missing = error(fresh_stub.GetProject, project_pb2.ProjectGetRequest(id="nope"))
    assert (missing.code(), missing.details()) == (grpc.StatusCode.NOT_FOUND, "project [nope] not found")
    domains = fresh_stub.GetDomains(project_pb2.GetDomainRequest()).domains
    assert [(d.id, d.name) for d in domains] == [(n, n) for n in ("development", "staging", "production")]


def test_update_project_writes_state_always_and_strings_only_when_set(fresh_stub: AdminServiceStub) -> None:
    register_project(fresh_stub, P, "Demo", description="first", labels=common_pb2.Labels(values={"a": "b"}))
    fresh_stub.UpdateProject(project_pb2.Project(id=P, state=project_pb2.Project.ARCHIVED))
    archived = fresh_stub.GetProject(project_pb2.ProjectGetRequest(id=P))
    assert (archived.name, archived.description, archived.state) == ("Demo", "first", project_pb2.Project.ARCHIVED)
    assert dict(archived.labels.values) == {"a": "b"}  # labels absent: unchanged
    fresh_stub.UpdateProject(project_pb2.Project(id=P, description="second"))  # no state: un-archives
    updated = fresh_stub.GetProject(project_pb2.ProjectGetRequest(id=P))
    assert (updated.name, updated.description, updated.state) == ("Demo", "second", project_pb2.Project.ACTIVE)
    cleared = project_pb2.Project(id=P)
    cleared.labels.SetInParent()  # present but empty: clears every label
    fresh_stub.UpdateProject(cleared)
    assert dict(fresh_stub.GetProject(project_pb2.ProjectGetRequest(id=P)).labels.values) == {}
    fresh_stub.UpdateProject(project_pb2.Project(id=P, state=project_pb2.Project.SYSTEM_ARCHIVED))  # no transition rule
    assert fresh_stub.GetProject(project_pb2.ProjectGetRequest(id=P)).state == project_pb2.Project.SYSTEM_ARCHIVED


def test_update_project_checks_existence_before_validation(fresh_stub: AdminServiceStub) -> None:
    missing = error(fresh_stub.UpdateProject, project_pb2.Project(id="nope", name="n" * 100))
    assert (missing.code(), missing.details()) == (grpc.StatusCode.NOT_FOUND, "project [nope] not found")
    assert error(fresh_stub.UpdateProject, project_pb2.Project()).code() == grpc.StatusCode.NOT_FOUND  # no projects
    register_project(fresh_stub)
    too_long = error(fresh_stub.UpdateProject, project_pb2.Project(id=P, name="n" * 65))
    assert too_long.details() == "project_name cannot exceed 64 characters"
    # an empty id finds "some" project (GORM without conditions), then fails validation
    assert error(fresh_stub.UpdateProject, project_pb2.Project()).details() == "missing project_id"
    with_domains = error(fresh_stub.UpdateProject, project_pb2.Project(id=P, domains=[project_pb2.Domain(id="x")]))
    assert with_domains.details().startswith("Domains are currently only set system wide")


def test_list_projects_visibility_sort_and_tokens(fresh_stub: AdminServiceStub) -> None:
    for project_id, state in (("c", 0), ("a", 0), ("b", project_pb2.Project.ARCHIVED), ("d", 2), ("e", 3)):
        register_project(fresh_stub, project_id, state=state)

    def listed(**request: object) -> project_pb2.Projects:
        return fresh_stub.ListProjects(project_pb2.ProjectListRequest(**request))

    unfiltered = listed()
    assert [p.id for p in unfiltered.projects] == ["a", "c", "d", "e"]  # only ARCHIVED hidden; identifier asc
    assert unfiltered.token == ""  # limit 0 means no limit; a non-empty page ends the listing
    assert [p.id for p in listed(filters="eq(state,1)").projects] == ["b"]
    # any filter replaces the default
    assert [p.id for p in listed(filters="ne(identifier,zzz)").projects] == ["a", "b", "c", "d", "e"]
    first = listed(limit=2)
    assert ([p.id for p in first.projects], first.token) == (["a", "c"], "2")
    second = listed(limit=2, token=first.token)
    assert ([p.id for p in second.projects], second.token) == (["d", "e"], "4")
    last = listed(limit=2, token=second.token)
    assert ([p.id for p in last.projects], last.token) == ([], "")  # a full last page costs one empty page
    assert listed(token="9").token == "9"  # quirk: limit 0 and an empty page give "<offset>"
    by_name = listed(sort_by=common_pb2.Sort(key="identifier", direction=common_pb2.Sort.DESCENDING))
    assert [p.id for p in by_name.projects] == ["e", "d", "c", "a"]
    assert [p.id for p in listed(sort_by=common_pb2.Sort(key="id", direction=common_pb2.Sort.ASCENDING)).projects
            ] == ["c", "a", "d", "e"]  # the surrogate id is insertion order
    bad_key = error(fresh_stub.ListProjects, project_pb2.ProjectListRequest(sort_by=common_pb2.Sort(key="nope")))
    assert bad_key.details() == "invalid sort key 'nope'"
    bad_token = error(fresh_stub.ListProjects, project_pb2.ProjectListRequest(token="-1"))
    assert bad_token.details() == "invalid pagination token -1 for ListProjects"
    bad_filter = error(fresh_stub.ListProjects, project_pb2.ProjectListRequest(filters="eq(workflow.name,x)"))
    assert bad_filter.details() == "'w' entity is not allowed in filters"


def test_inactive_or_missing_project_gates_creates(fresh_stub: AdminServiceStub) -> None:
    seeded(fresh_stub)
    missing = error(fresh_stub.CreateLaunchPlan, _lp_in("nope"))
    assert missing.details() == ("failed to validate that project [nope] and domain [development] are registered, "
                                 "err: [project [nope] not found]")
    assert details(missing) == []
    unknown_domain = error(fresh_stub.CreateLaunchPlan, _lp_in(P, "qa"))
    assert unknown_domain.details() == "domain [qa] is unrecognized by system"
    fresh_stub.UpdateProject(project_pb2.Project(id=P, state=project_pb2.Project.SYSTEM_GENERATED))
    inactive = error(lambda r: create_workflow(fresh_stub, version="v2", tasks=[]), None)
    assert (inactive.code(), inactive.details()) == (INVALID, f"project [{P}] is not active")
    [detail] = details(inactive)
    unpacked = project_pb2.InactiveProject()
    assert detail.Unpack(unpacked) and unpacked.id == P
    # reads are not gated
    assert fresh_stub.GetProject(project_pb2.ProjectGetRequest(id=P)).state == project_pb2.Project.SYSTEM_GENERATED


def _lp_in(project: str, domain: str = "development"):  # type: ignore[no-untyped-def]
    request = lp_request()
    request.id.project, request.id.domain = project, domain
    return request
