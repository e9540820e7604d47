"""Register a package straight into an admin (``sandbox serve --seed``): a team tries its own workflows
in the sandbox in one command, hydrated exactly as a ``Package`` manifest would be.

Idempotent like every write here: an existing project is kept, entities already registered with the
same content count as done.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

from flyteidl.admin import project_pb2

from reconciler.admin.client import AdminClient
from reconciler.admin.package_writes import register_entity, upload_archive, upload_location
from reconciler.admin.packages import HydrationOptions, auto_version, hydrate, read_package
from reconciler.errors import AlreadyExistsError

AUTO = "auto"


def seed_package(endpoint: str, path: Path, *, project: str, domain: str, version: str = AUTO) -> tuple[str, int]:
    """Register the package at ``path`` into ``project``/``domain``; returns (version, entities)."""
    raw = read_package(path, (str(path), 1, "--seed"))
    options = HydrationOptions(project=project, domain=domain, version="")
    version = auto_version(raw, options) if version == AUTO else version
    with AdminClient(endpoint=endpoint, insecure=True) as client:
        with contextlib.suppress(AlreadyExistsError):  # an existing project is kept as it is
            client.call("RegisterProject", project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=project, name=project)), target=f"project/{project}")
        remote = ""
        if raw.archive is not None:
            upload_archive(client, project, domain, raw.archive.filename, raw.archive.md5_base64, str(path))
            remote = upload_location(client, project, domain, raw.archive.filename, raw.archive.md5).native_url
        entities = hydrate(raw, dataclasses.replace(options, version=version, remote_package_path=remote))
        for entity in entities:
            register_entity(client, entity.kind, entity.serialized())
    return version, len(entities)
