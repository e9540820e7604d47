"""The embedded admin's DataProxyService.CreateUploadLocation and its signed-URL PUT endpoint, over the network."""

from __future__ import annotations

import base64
import hashlib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.service import dataproxy_pb2
from flyteidl.service.dataproxy_pb2_grpc import DataProxyServiceStub
from google.protobuf import duration_pb2

from reconciler.localadmin import LocalAdmin

pytestmark = pytest.mark.integration
DATA = b"the code archive"
MD5 = hashlib.md5(DATA, usedforsecurity=False).digest()
MD5_B64 = base64.b64encode(MD5).decode()


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path / "admin.db", port=0) as running:
        yield running


@pytest.fixture
def proxy(admin: LocalAdmin) -> Iterator[DataProxyServiceStub]:
    channel = grpc.insecure_channel(admin.address)
    yield DataProxyServiceStub(channel)
    channel.close()


def _put(url: str, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _location(proxy: DataProxyServiceStub, **kw: object) -> dataproxy_pb2.CreateUploadLocationResponse:
    request = dataproxy_pb2.CreateUploadLocationRequest(project="p", domain="d", filename="fast1.tar.gz",
                                                        content_md5=MD5)
    for key, value in kw.items():
        setattr(request, key, value)
    return proxy.CreateUploadLocation(request)


def test_an_upload_arrives_byte_identical_under_a_location_derived_from_its_md5(admin, proxy) -> None:  # type: ignore[no-untyped-def]
    location = _location(proxy)
    prefix = base64.b32encode(MD5).decode()
    assert location.native_url == f"s3://my-s3-bucket/p/d/{prefix}/fast1.tar.gz"
    assert dict(location.headers) == {"Content-MD5": MD5_B64}
    assert _put(location.signed_url, DATA, {"Content-MD5": MD5_B64}) == 200
    assert admin.blob(location.native_url) == DATA
    assert _location(proxy).native_url == location.native_url  # the same content, the same location


@pytest.mark.parametrize(("change", "status"), [
    (lambda url: url.replace("signature=", "signature=0"), 403),  # tampered signature
    (lambda url: url.replace("fast1.tar.gz", "fast2.tar.gz"), 403),  # another object than the one signed
])
def test_a_url_that_was_not_signed_is_refused(proxy, change, status) -> None:  # type: ignore[no-untyped-def]
    assert _put(change(_location(proxy).signed_url), DATA, {"Content-MD5": MD5_B64}) == status


def test_content_that_is_not_the_signed_md5_is_refused(admin, proxy) -> None:  # type: ignore[no-untyped-def]
    location = _location(proxy)
    assert _put(location.signed_url, b"other bytes", {"Content-MD5": MD5_B64}) == 400  # BadDigest
    assert _put(location.signed_url, DATA, {}) == 403  # the signed Content-MD5 header is required
    assert admin.blob(location.native_url) is None


@pytest.mark.parametrize(("fields", "code", "message"), [
    ({"project": ""}, grpc.StatusCode.INVALID_ARGUMENT, "project and domain are required parameters"),
    ({"content_md5": b""}, grpc.StatusCode.INVALID_ARGUMENT, "content_md5 or filename_root is a required parameter"),
    ({"expires_in": duration_pb2.Duration(seconds=7200)}, grpc.StatusCode.INVALID_ARGUMENT,
     "cannot exceed max allowed expiration"),
])
def test_requests_are_validated_as_flyteadmin_does(proxy, fields, code, message) -> None:  # type: ignore[no-untyped-def]
    request = dataproxy_pb2.CreateUploadLocationRequest(project="p", domain="d", filename="f", content_md5=MD5)
    for key, value in fields.items():
        if isinstance(value, duration_pb2.Duration):
            getattr(request, key).CopyFrom(value)
        else:
            setattr(request, key, value)
    with pytest.raises(grpc.RpcError) as caught:
        proxy.CreateUploadLocation(request)
    assert caught.value.code() == code and message in caught.value.details()


def test_a_named_location_that_holds_other_content_cannot_be_rewritten(admin, proxy) -> None:  # type: ignore[no-untyped-def]
    location = _location(proxy, filename_root="root")
    assert _put(location.signed_url, DATA, {"Content-MD5": MD5_B64}) == 200
    assert _location(proxy, filename_root="root").native_url == location.native_url  # same hash: allowed
    other = hashlib.md5(b"x", usedforsecurity=False).digest()
    with pytest.raises(grpc.RpcError) as caught:
        _location(proxy, filename_root="root", content_md5=other)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "specify a matching hash if you wish to rewrite" in caught.value.details()
