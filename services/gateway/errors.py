"""One error shape everywhere: {"error": {"code", "message", "details": [{"path", "message"}]}}."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import grpc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from services.common import context
from services.common.rpc_errors import FieldProblem, ServiceError, from_rpc_error

log = logging.getLogger(__name__)

# How grpc-gateway maps gRPC status codes to HTTP.
GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,  # ours (with an ErrorInfo); transport limits are 413, below
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.CANCELLED: 499,
}


# What a client sees of an error is bounded whatever it sent: messages are cut, details are few.
MAX_MESSAGE_CHARS = 300
MAX_DETAILS = 20


def cap(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str
    details: list[FieldProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def error_response(error: ApiError) -> JSONResponse:
    body = {
        "error": {
            "code": error.code,
            "message": cap(error.message),
            "details": [{"path": cap(d.path, 200), "message": cap(d.message)} for d in error.details[:MAX_DETAILS]],
        }
    }
    if error.status >= 500:
        # Every 5xx is one JSON log line with the request id (bound in the logging context).
        log.warning(
            "answered %d %s",
            error.status,
            error.code,
            extra={"status": error.status, "code": error.code, "reason": cap(error.message)},
        )
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def from_service_error(error: ServiceError) -> ApiError:
    status = GRPC_TO_HTTP.get(error.status, 500)
    if error.status == grpc.StatusCode.RESOURCE_EXHAUSTED and error.code == "too_large":
        # gRPC itself refused (rpc_errors: no ErrorInfo of ours). gRPC's text is not for clients.
        return ApiError(413, "too_large", "the request is too large for the service to accept")
    if error.status == grpc.StatusCode.RESOURCE_EXHAUSTED and error.code.endswith("_too_large"):
        # A cap of ours (e.g. transcript_too_large): the request is too large, not too frequent.
        return ApiError(413, error.code, error.message, list(error.details))
    if status >= 500 and error.status not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        # An internal failure behind us: say so without echoing its details to the client.
        return ApiError(500, "internal", "internal error")
    message = error.message
    if error.status == grpc.StatusCode.UNAVAILABLE:
        message = "a backend service is unavailable; retry shortly"
    elif error.status == grpc.StatusCode.DEADLINE_EXCEEDED:
        message = "a backend service did not answer in time; retry shortly"
    return ApiError(status, error.code, message, list(error.details))


async def handle_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def handle_rpc_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, grpc.RpcError)
    return error_response(from_service_error(from_rpc_error(exc)))


async def handle_service_error(_request: Request, exc: Exception) -> JSONResponse:
    """An error a backend answered for one item of a call of several (job_creates.py)."""
    assert isinstance(exc, ServiceError)
    return error_response(from_service_error(exc))


async def handle_http_exception(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(
        ApiError(
            exc.status_code,
            codes.get(exc.status_code, "http_error"),
            exc.detail or "error",
            headers=dict(exc.headers or {}),
        )
    )


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette runs this outside the middleware that binds the request id: bind it again.
    with context.bound(request_id=getattr(request.state, "request_id", None)):
        log.exception("unhandled error on %s %s", request.method, request.url.path[:200])
        return error_response(ApiError(500, "internal", "internal error"))


EXCEPTION_HANDLERS = {
    ApiError: handle_api_error,
    grpc.RpcError: handle_rpc_error,
    ServiceError: handle_service_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
