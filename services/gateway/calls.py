"""What each route needs to call a backend: the tenant, a deadline, the request id."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from services.common import context
from services.gateway.auth import tenant_of
from services.gateway.backends import Backends


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
