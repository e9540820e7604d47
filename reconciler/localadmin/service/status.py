"""gRPC errors of the embedded admin: one exception mixins raise, turned into a status in one place.

``AdminStatusError`` carries a status code, a message and optional typed details (protobuf messages,
packed into ``google.rpc.Status`` as flyteadmin does, e.g. ``InactiveProject`` or
``CreateWorkflowFailureReason``). ``guard`` wraps a servicer method: an ``AdminStatusError`` aborts
the call with that status; any other exception becomes INTERNAL with an empty message, as
flyteadmin's recovery interceptor answers a panic.
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import status_pb2

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 32000  # flyteadmin truncates longer messages and then drops the details


class AdminStatusError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str, details: Sequence[Message] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)


def invalid(message: str, details: Sequence[Message] = ()) -> AdminStatusError:
    return AdminStatusError(grpc.StatusCode.INVALID_ARGUMENT, message, details)


def not_found(message: str) -> AdminStatusError:
    return AdminStatusError(grpc.StatusCode.NOT_FOUND, message)


def already_exists(message: str, details: Sequence[Message] = ()) -> AdminStatusError:
    return AdminStatusError(grpc.StatusCode.ALREADY_EXISTS, message, details)


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, bytes], ...]


def _status(error: AdminStatusError) -> _Status:
    message, details = error.message, error.details
    if len(message.encode()) > MAX_MESSAGE_BYTES:
        message = message.encode()[:MAX_MESSAGE_BYTES].decode(errors="ignore")
        details = ()
    metadata: tuple[tuple[str, bytes], ...] = ()
    if details:
        packed = []
        for detail in details:
            item = any_pb2.Any()
            item.Pack(detail)
            packed.append(item)
        rich = status_pb2.Status(code=error.code.value[0], message=message, details=packed)
        metadata = (("grpc-status-details-bin", rich.SerializeToString()),)
    return _Status(error.code, message, metadata)


_DISK_FULL = re.compile(r"disk is full|disk I/O error", re.IGNORECASE)


def guard(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except AdminStatusError as error:
            context.abort_with_status(_status(error))
        except sqlite3.OperationalError as error:
            if not _DISK_FULL.search(str(error)):
                log.exception("unexpected error in %s", method.__name__)
                context.abort(grpc.StatusCode.INTERNAL, "")
            # A full disk (or file-size limit): say so; SQLite rolled the transaction back, nothing stored is lost.
            log.warning("database write failed in %s: %s", method.__name__, error)
            context.abort(grpc.StatusCode.INTERNAL, f"the embedded admin cannot write its database ({error}): free "
                                                    "disk space where its database lives; nothing stored was lost")
        except Exception:  # flyteadmin's recovery interceptor: INTERNAL, empty message
            if isinstance(getattr(context, "code", lambda: None)(), grpc.StatusCode):
                raise
            log.exception("unexpected error in %s", method.__name__)
            context.abort(grpc.StatusCode.INTERNAL, "")

    return wrapper
