"""Deleting media, jobs and reports (204, tenant-scoped: another tenant's id is a 404), and the
audit log of deletions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reports.v1 import store_pb2
from services.gateway import convert, params
from services.gateway.auth import key_id_of
from services.gateway.calls import Call, call


def _deleter(
    rpc: Callable[[Call], Callable[..., Awaitable[Any]]], param: str, what: str
) -> Callable[[Request], Awaitable[Response]]:
    async def delete(request: Request) -> Response:
        c = call(request)
        await rpc(c)(
            store_pb2.DeleteRequest(
                tenant=c.tenant, id=params.resource_id(request, param, what), api_key_id=key_id_of(request)
            ),
            timeout=c.timeout,
            metadata=c.metadata,
        )
        return Response(status_code=204)

    return delete


async def list_audit(request: Request) -> JSONResponse:
    c = call(request)
    page = await c.backends.store.ListAudit(
        store_pb2.ListAuditRequest(tenant=c.tenant, limit=params.limit(request), cursor=params.cursor(request)),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return JSONResponse({"items": [convert.audit_json(r) for r in page.items], "nextCursor": page.next_cursor or None})


routes = [
    Route(
        "/v1/media/{media_id}",
        _deleter(lambda c: c.backends.store.DeleteMedia, "media_id", "media"),
        methods=["DELETE"],
    ),
    Route("/v1/jobs/{job_id}", _deleter(lambda c: c.backends.store.DeleteJob, "job_id", "job"), methods=["DELETE"]),
    Route(
        "/v1/reports/{report_id}",
        _deleter(lambda c: c.backends.store.DeleteReport, "report_id", "report"),
        methods=["DELETE"],
    ),
    Route("/v1/audit", list_audit, methods=["GET"]),
]
