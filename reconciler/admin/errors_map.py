"""The one table from gRPC status codes to our exceptions, and whether a code is retried."""

from __future__ import annotations

import grpc

from reconciler import errors

# code → (exception class, retried?, next step shown to the user)
TABLE: dict[grpc.StatusCode, tuple[type[errors.AdminError], bool, str]] = {
    grpc.StatusCode.UNAVAILABLE: (errors.TransientAdminError, True,
                                  "check the endpoint and that Flyte Admin is up; the call was retried"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (errors.TransientAdminError, True,
                                        "Flyte Admin is slow or unreachable; the call was retried"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (errors.TransientAdminError, True,
                                         "Flyte Admin is overloaded or the message is too large"),
    grpc.StatusCode.NOT_FOUND: (errors.NotFoundError, False, "check the project, domain, name and version"),
    grpc.StatusCode.ALREADY_EXISTS: (errors.AlreadyExistsError, False, ""),
    grpc.StatusCode.INVALID_ARGUMENT: (errors.InvalidArgumentError, False,
                                       "Flyte Admin rejected the request; fix the manifest field it names"),
    grpc.StatusCode.FAILED_PRECONDITION: (errors.FailedPreconditionError, False, ""),
    grpc.StatusCode.PERMISSION_DENIED: (errors.PermissionDeniedError, False,
                                        "the identity lacks permission for this call"),
    grpc.StatusCode.UNAUTHENTICATED: (errors.UnauthenticatedError, False,
                                      "check the credentials (flyte-reconciler doctor shows what is used)"),
}


def translate(exc: grpc.RpcError, *, method: str, target: str) -> errors.AdminError:
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    details = (exc.details() if hasattr(exc, "details") else "") or ""
    cls, _retried, hint = TABLE.get(code, (errors.AdminError, False, "run again with --debug for details"))
    return cls(details or "(no message)", code=code.name, method=method, target=target, hint=hint or None)


def retryable(code: grpc.StatusCode) -> bool:
    entry = TABLE.get(code)
    return bool(entry and entry[1])
