"""POST /v1/jobs/{jobId}/webhook/redeliver: send a finished job's webhook event again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reports.v1 import store_pb2
from services.gateway import convert, pages, params
from services.gateway.calls import call


async def redeliver(request: Request) -> JSONResponse:
    """202 with the job: the event is queued for delivery with its original webhook-id."""
    c = call(request)
    job = await c.backends.store.RedeliverWebhook(
        store_pb2.RedeliverWebhookRequest(tenant=c.tenant, job_id=params.resource_id(request, "job_id", "job")),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return pages.resource_response("job", convert.job_json(job), status_code=202)


routes = [Route("/v1/jobs/{job_id}/webhook/redeliver", redeliver, methods=["POST"])]
