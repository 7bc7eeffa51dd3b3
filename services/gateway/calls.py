"""What each route needs to call a backend: the tenant, a deadline, the request id, query values."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from services.common import context
from services.common.rpc_errors import FieldProblem
from services.gateway.auth import tenant_of
from services.gateway.backends import Backends
from services.gateway.errors import ApiError


@dataclass(frozen=True)
class Call:
    tenant: str
    backends: Backends
    timeout: float
    metadata: tuple[tuple[str, str], ...]
    request_id: str


def call(request: Request) -> Call:
    tenant = tenant_of(request)
    request_id = request.state.request_id
    context.bind(tenant=tenant)
    return Call(
        tenant=tenant,
        backends=request.app.state.backends,
        timeout=request.app.state.settings.rpc_timeout_s,
        metadata=(("x-request-id", request_id), ("x-tenant", tenant)),
        request_id=request_id,
    )


def query_limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return 0
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise ApiError(400, "invalid_request", "limit must be an integer from 1 to 100",
                       [FieldProblem("?limit", "must be an integer from 1 to 100")])
    return int(raw)
