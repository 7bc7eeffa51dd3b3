"""Errors that cross gRPC with structure: a status code, a stable error code and field details.

The server side aborts with a `google.rpc.Status` carrying an `ErrorInfo` (reason = our stable
code) and, for invalid input, a `BadRequest` with one violation per field (JSON-pointer path).
The client side turns such a status back into a `ServiceError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "reports.v1"


@dataclass(frozen=True)
class FieldProblem:
    path: str
    message: str


@dataclass
class ServiceError(Exception):
    status: grpc.StatusCode
    code: str
    message: str
    details: list[FieldProblem] = field(default_factory=list)
    # ErrorInfo metadata: facts a caller acts on without another call (a job's `status`).
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def invalid(code: str, message: str, details: list[FieldProblem] | None = None) -> ServiceError:
    return ServiceError(grpc.StatusCode.INVALID_ARGUMENT, code, message, details or [])


def not_found(what: str, ident: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.NOT_FOUND, f"{what}_not_found", f"{what} {ident!r} not found")


def failed_precondition(code: str, message: str, metadata: dict[str, str] | None = None) -> ServiceError:
    return ServiceError(grpc.StatusCode.FAILED_PRECONDITION, code, message, metadata=metadata or {})


def conflict(code: str, message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.ALREADY_EXISTS, code, message)


def internal() -> ServiceError:
    """A failure of ours, said without its details (they are logged where it happened)."""
    return ServiceError(grpc.StatusCode.INTERNAL, "internal", "internal error")


# A status travels in gRPC trailers, which have a size limit (8 KiB by default, the details
# base64-encoded): an error that quoted a megabyte of input became a transport error instead.
# Messages are cut and details few, so a status stays under about 5 KiB on the wire.
MAX_MESSAGE_CHARS = 300
MAX_PATH_CHARS = 100
MAX_DETAILS = 10


def _cap(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def to_status(error: ServiceError) -> grpc.Status:
    return rpc_status.to_status(status_message(error))


def status_message(error: ServiceError) -> status_pb2.Status:
    """The error as the `google.rpc.Status` its call would end with."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=error.code, domain=DOMAIN, metadata=error.metadata))
    packed = [info]
    if error.details:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=_cap(d.path, MAX_PATH_CHARS), description=_cap(d.message)
                )
                for d in error.details[:MAX_DETAILS]
            ]
        )
        detail = any_pb2.Any()
        detail.Pack(bad)
        packed.append(detail)
    return status_pb2.Status(code=error.status.value[0], message=_cap(error.message), details=packed)


async def abort(context: grpc.aio.ServicerContext[Any, Any], error: ServiceError) -> NoReturn:
    await context.abort_with_status(to_status(error))


def from_rpc_error(exc: grpc.aio.AioRpcError | grpc.RpcError) -> ServiceError:
    """The structured error a server sent, or a generic one named after the status code."""
    status_code = exc.code()
    # its stub returns no type, and asks for a grpc.Call where only the RpcError's code(), details() and
    # trailing_metadata() are read
    status: status_pb2.Status | None = rpc_status.from_call(exc)  # type: ignore[arg-type]  # see above
    return _service_error(status_code, exc.details() or status_code.name.lower(), status)


def from_status_message(status: status_pb2.Status) -> ServiceError:
    """The error a `google.rpc.Status` (status_message's) describes."""
    status_code = _STATUS_CODES.get(status.code, grpc.StatusCode.UNKNOWN)
    return _service_error(status_code, status_code.name.lower(), status)


_STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}


def _service_error(status_code: grpc.StatusCode, message: str, status: status_pb2.Status | None) -> ServiceError:
    code = _default_code(status_code)
    details: list[FieldProblem] = []
    metadata: dict[str, str] = {}
    if status is not None:
        message = status.message or message
        for detail in status.details:
            info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            if detail.Unpack(info):  # False, and `info` untouched, when the detail is of another type
                code = info.reason or code
                metadata = dict(info.metadata)
            elif detail.Unpack(bad):
                details = [FieldProblem(v.field, v.description) for v in bad.field_violations]
    return ServiceError(status_code, code, message, details, metadata)


def _default_code(status: grpc.StatusCode) -> str:
    return {
        grpc.StatusCode.UNAVAILABLE: "unavailable",
        grpc.StatusCode.DEADLINE_EXCEEDED: "timeout",
        grpc.StatusCode.NOT_FOUND: "not_found",
        grpc.StatusCode.INVALID_ARGUMENT: "invalid_request",
        grpc.StatusCode.UNAUTHENTICATED: "unauthorized",
        grpc.StatusCode.PERMISSION_DENIED: "forbidden",
        # Without an ErrorInfo of ours, RESOURCE_EXHAUSTED is gRPC's own: a message or its metadata
        # over the transport's limits. The request is too large; a retry would not help.
        grpc.StatusCode.RESOURCE_EXHAUSTED: "too_large",
        grpc.StatusCode.FAILED_PRECONDITION: "failed_precondition",
        grpc.StatusCode.ALREADY_EXISTS: "conflict",
        grpc.StatusCode.ABORTED: "conflict",
    }.get(status, "internal")
