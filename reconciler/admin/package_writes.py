"""Writes of package registration: the code archive through Admin's data proxy, then the entities.

``upload_archive`` asks ``DataProxyService.CreateUploadLocation`` for a signed URL (project, domain,
file name and the archive's MD5, as ``pyflyte register`` does) and PUTs the archive there with the
``Content-MD5`` header and any headers Admin returns. ``register_entity`` sends a saved create
request: ALREADY_EXISTS (identical structure) is success, so a re-run after a crash converges;
"different structure" means someone registered that version meanwhile and is reported as such.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.service import dataproxy_pb2

from reconciler.admin.packages import read_package
from reconciler.errors import AdminError, AlreadyExistsError, InvalidArgumentError, PlanError

UPLOAD_TIMEOUT_S = 300.0
_REQUESTS = {"task": ("CreateTask", task_pb2.TaskCreateRequest),
             "workflow": ("CreateWorkflow", workflow_pb2.WorkflowCreateRequest),
             "launchplan": ("CreateLaunchPlan", launch_plan_pb2.LaunchPlanCreateRequest)}


def upload_location(client: Any, project: str, domain: str, filename: str, md5: bytes) -> Any:
    request = dataproxy_pb2.CreateUploadLocationRequest(project=project, domain=domain, filename=filename,
                                                        content_md5=md5)
    return client.call("CreateUploadLocation", request, target=f"{project}/{domain}/{filename}")


def upload_archive(client: Any, project: str, domain: str, filename: str, md5_b64: str, path: str) -> None:
    target = f"{project}/{domain}/{filename}"
    archive = read_package(Path(path), (path, 1, target)).archive
    if archive is None or archive.filename != filename:
        raise PlanError(f"{target}: the package {path} no longer holds the code archive {filename}",
                        hint="plan again: the package changed since the plan was made")
    data = archive.data
    if archive.md5_base64 != md5_b64:
        raise PlanError(f"{target}: the code archive {path} changed since the plan was made",
                        hint="plan again: the package's version and content follow its archive")
    location = upload_location(client, project, domain, filename, base64.b64decode(md5_b64))
    headers = {"Content-MD5": md5_b64, "Content-Length": str(len(data)), **dict(location.headers)}
    request = urllib.request.Request(location.signed_url, data=data, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_S) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise AdminError(f"the upload of {filename} was refused: HTTP {exc.code} {exc.reason}", code="UNAVAILABLE",
                         method="PUT", target=target) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise AdminError(f"the upload of {filename} failed: {getattr(exc, 'reason', exc)}", code="UNAVAILABLE",
                         method="PUT", target=target) from exc
    if status not in (200, 201, 204):
        raise AdminError(f"the upload of {filename} answered HTTP {status}", code="UNKNOWN", method="PUT",
                         target=target)


def register_entity(client: Any, kind: str, request_b64: str) -> None:
    method, message_type = _REQUESTS[kind]
    request = message_type.FromString(base64.b64decode(request_b64, validate=True))
    ident = request.id
    target = f"{kind} {ident.project}/{ident.domain}/{ident.name}@{ident.version}"
    try:
        client.call(method, request, target=target)
    except AlreadyExistsError:
        return  # identical structure: registered before (a re-run, or another job)
    except InvalidArgumentError as exc:
        if "different structure" in exc.message:
            raise PlanError(f"{target}: version {ident.version!r} was registered meanwhile with different content; "
                            "Admin versions are immutable", hint="plan again") from exc
        raise
