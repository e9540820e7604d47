"""The one table from gRPC status codes to our exceptions, and whether a code is retried.

Only transient codes are retried (with capped, jittered backoff in ``client``); a code that says
the request itself is wrong, or that the object is (not) there, is never retried: repeating it
cannot change the answer and, for creates, could repeat side effects. Codes not in the table
become a plain ``AdminError``. Nothing outside ``reconciler.admin`` sees a ``grpc.RpcError``.
"""

from __future__ import annotations

import grpc

from reconciler import errors

# code → (exception class, retried?, next step shown to the user)
TABLE: dict[grpc.StatusCode, tuple[type[errors.AdminError], bool, str]] = {
    grpc.StatusCode.UNAVAILABLE: (errors.TransientAdminError, True,
                                  "check the endpoint and that Flyte Admin is up; the call was retried"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (errors.TransientAdminError, True,
                                        "Flyte Admin is slow or unreachable; the call was retried (raise the "
                                        "timeout if it persists)"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (errors.TransientAdminError, True,
                                         "Flyte Admin is overloaded or a message exceeded the size limit; the "
                                         "call was retried"),
    grpc.StatusCode.NOT_FOUND: (errors.NotFoundError, False,
                                "check the project, domain, name and version, and that it is registered"),
    grpc.StatusCode.ALREADY_EXISTS: (errors.AlreadyExistsError, False,
                                     "it is already registered; plan again to see the live state"),
    grpc.StatusCode.INVALID_ARGUMENT: (errors.InvalidArgumentError, False,
                                       "Flyte Admin rejected the request; fix the manifest field it names"),
    grpc.StatusCode.FAILED_PRECONDITION: (errors.FailedPreconditionError, False,
                                          "the object is not in a state that allows this; plan again"),
    grpc.StatusCode.PERMISSION_DENIED: (errors.PermissionDeniedError, False,
                                        "the identity lacks permission for this call"),
    grpc.StatusCode.UNAUTHENTICATED: (errors.UnauthenticatedError, False,
                                      "check the credentials (flyte-reconciler doctor shows what is used)"),
    grpc.StatusCode.UNIMPLEMENTED: (errors.AdminError, False,
                                    "the endpoint does not implement this Flyte Admin call; check the endpoint "
                                    "and the Flyte version"),
}
_OTHER = (errors.AdminError, False, "Flyte Admin failed on its side; run again with --debug and check its logs")


def translate(exc: grpc.RpcError, *, method: str, target: str) -> errors.AdminError:
    """The most specific exception for ``exc``; the caller chains it with ``from``."""
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    details = (exc.details() if hasattr(exc, "details") else "") or ""
    cls, _retried, hint = TABLE.get(code, _OTHER)
    name = code.name if isinstance(code, grpc.StatusCode) else str(code)
    return cls(details or "(no message)", code=name, method=method, target=target, hint=hint)


def retryable(code: grpc.StatusCode) -> bool:
    entry = TABLE.get(code)
    return bool(entry and entry[1])
