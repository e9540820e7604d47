"""DataProxyService of the embedded admin: ``CreateUploadLocation`` as flyteadmin v1.16.8 answers it
(``flyteadmin/dataproxy/service.go``), backed by the blob table and the signed-URL endpoint.

Rules kept: project and domain are required; ``content_md5`` or ``filename_root`` is required; a
deterministic location (``filename`` and ``filename_root`` both given) that already holds an object
is refused with ALREADY_EXISTS unless a matching MD5 is sent; ``expires_in`` above the maximum
(one hour, flyteadmin's default) is refused; the prefix is ``filename_root`` or the base32 of the
MD5; a missing file name is random. The other DataProxy calls answer UNIMPLEMENTED.
"""

from __future__ import annotations

import base64
import secrets
import string
from typing import Any

import grpc
from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc
from google.protobuf import timestamp_pb2

from reconciler.localadmin.service.status import AdminStatusError, guard, invalid
from reconciler.localadmin.store import blobs
from reconciler.localadmin.store.db import Database

MAX_EXPIRES_S = 3600
DEFAULT_FILENAME_LENGTH = 20


class DataProxyServicer(dataproxy_pb2_grpc.DataProxyServiceServicer):
    def __init__(self, db: Database, signer: Any, clock: Any) -> None:
        self.db = db
        self.signer = signer
        self.clock = clock
        db.ensure_schema(blobs.SCHEMA)

    @guard
    def CreateUploadLocation(self, request, context):
        if not request.project or not request.domain:
            raise invalid("project and domain are required parameters")
        if not request.filename_root and not request.content_md5:
            raise invalid("content_md5 or filename_root is a required parameter")
        md5_b64 = base64.b64encode(request.content_md5).decode()
        if request.filename and request.filename_root:
            known = _location(request.project, request.domain, request.filename_root, request.filename)
            stored = blobs.content_md5(self.db, known)
            if stored is not None and (not request.content_md5 or stored != md5_b64):
                raise AdminStatusError(grpc.StatusCode.ALREADY_EXISTS,
                                       f"file already exists at location [{known}], specify a matching hash if you "
                                       "wish to rewrite")
        expires_in = MAX_EXPIRES_S
        if request.HasField("expires_in"):
            seconds = request.expires_in.seconds + request.expires_in.nanos / 1e9
            if seconds > MAX_EXPIRES_S:
                raise invalid(f"expiresIn [{_go_duration(seconds)}] cannot exceed max allowed expiration [1h0m0s]")
            expires_in = int(seconds)
        filename = request.filename or "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                               for _ in range(DEFAULT_FILENAME_LENGTH))
        prefix = request.filename_root or base64.b32encode(request.content_md5).decode()
        native_url = _location(request.project, request.domain, prefix, filename)
        expires_at = int(self.clock()) + expires_in
        headers = {"Content-MD5": md5_b64} if request.content_md5 else {}
        return dataproxy_pb2.CreateUploadLocationResponse(
            signed_url=self.signer.sign(native_url, md5_b64, expires_at), native_url=native_url,
            expires_at=timestamp_pb2.Timestamp(seconds=expires_at), headers=headers)


def _location(*parts: str) -> str:
    return "/".join((blobs.BUCKET, *parts))


def _go_duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s"

