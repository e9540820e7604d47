"""The embedded admin's AdminService: one servicer composed of one mixin per resource family.

Every RPC a mixin implements is wrapped by ``status.guard`` so mixins simply raise
``AdminStatusError``; RPCs no mixin implements answer UNIMPLEMENTED (the generated base class).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flyteidl.admin import version_pb2
from flyteidl.service import admin_pb2_grpc

from reconciler import __version__
from reconciler.localadmin.executions.lifecycle import LifecycleSettings
from reconciler.localadmin.service import attributes, entities, executions, launchplans, projects
from reconciler.localadmin.service.status import guard
from reconciler.localadmin.store.db import Database

CONTROL_PLANE_VERSION = "v1.16.8"


@dataclass(frozen=True)
class LocalAdminConfig:
    domains: tuple[str, ...] = projects.DEFAULT_DOMAINS
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)
    clock: Callable[[], float] = time.time
    # Testing aid (``Aids.no_cluster``): behave as an Admin whose cluster is unreachable, storing every
    # new execution FAILED with a SYSTEM error while CreateExecution still answers OK.
    no_cluster: bool = False
    # flyteadmin's registration.maxLabelEntries / maxAnnotationEntries: 0 (the default) is unlimited.
    max_label_entries: int = 0
    max_annotation_entries: int = 0


class LocalAdminServicer(projects.ProjectsMixin, entities.EntitiesMixin, launchplans.LaunchPlansMixin,
                         attributes.AttributesMixin, executions.ExecutionsMixin,
                         admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, db: Database, config: LocalAdminConfig) -> None:
        self.db = db
        self.config = config
        projects.configure_domains(db.path, config.domains)
        for module in (projects, entities, launchplans, attributes, executions):
            db.ensure_schema(module.SCHEMA)

    def GetVersion(self, request, context):
        return version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(
            Version=f"{CONTROL_PLANE_VERSION}-reconciler-local", Build=__version__, BuildTime=""))


def _wrap_rpcs() -> None:
    base = admin_pb2_grpc.AdminServiceServicer
    for name in dir(base):
        if name.startswith("_"):
            continue
        method = getattr(LocalAdminServicer, name)
        if method is not getattr(base, name):
            setattr(LocalAdminServicer, name, guard(method))


_wrap_rpcs()
