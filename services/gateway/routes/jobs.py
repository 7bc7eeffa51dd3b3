from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reports.v1 import job_pb2, store_pb2
from services.common import tracing
from services.common.rpc_errors import FieldProblem
from services.common.strict_json import quote
from services.domain import job_states
from services.gateway import bodies, convert, pages, params, prefer, validation, webhook_rules
from services.gateway.calls import call
from services.gateway.errors import ApiError
from services.gateway.job_waits import JobWaits, is_terminal

log = logging.getLogger(__name__)
NATS_WAIT_S = 5.0


def fingerprint(body: dict[str, Any]) -> str:
    """Two bodies that mean the same JSON have the same fingerprint, whatever their key order."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_job_message(body: dict[str, Any], tenant: str, request_id: str) -> store_pb2.CreateJobRequest:
    output = body["output"]
    message = store_pb2.CreateJobRequest(
        tenant=tenant,
        # Only a request with an idempotency key is ever compared with another one.
        request_fingerprint=fingerprint(body) if "idempotencyKey" in body else "",
        media_id=body["media"]["mediaId"],
        template=output["template"],
        target=convert.target_message(body["target"]),
        request_id=request_id,
    )
    message.template_params.update(output.get("templateParams", {}))
    if tracing.enabled():
        tracing.inject(message.trace_context)
    for field, name in (("idempotencyKey", "idempotency_key"), ("label", "label"), ("entityLabel", "entity_label")):
        if field in body:
            setattr(message, name, body[field])
    if "webhook" in body:
        message.webhook.CopyFrom(
            job_pb2.Webhook(url=body["webhook"]["url"], headers=body["webhook"].get("headers", {}))
        )
    return message


async def create_job(request: Request) -> JSONResponse:
    c = call(request)
    body = await bodies.json_object(request, request.app.state.settings.job_body_limit)
    validation.create_job(body)
    await webhook_rules.check_address(
        body.get("webhook"),
        allow_private=request.app.state.settings.webhook_allow_private,
        resolver=request.app.state.webhook_resolver,
    )
    reply = await c.backends.creates.create(create_job_message(body, c.tenant, c.request_id), c.timeout)
    job_id = reply.job_id
    log.debug("job created" if not reply.replayed else "job replayed", extra={"jobId": job_id})
    # A replay answers what the first request was answered (as Stripe replays a stored response),
    # whatever the job has done since: a new job is always queued at its first stage, and the
    # store keeps the wait it estimated then. Where the job is now is at `Location`.
    response = {
        "jobId": job_id,
        "status": job_states.QUEUED,
        "stage": job_states.STAGES[0],
        "estimatedWaitSec": reply.estimated_wait_sec,
    }
    headers = {"Location": f"/v1/jobs/{job_id}"}
    if reply.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(response, status_code=202, headers=headers)


async def get_job(request: Request) -> JSONResponse:
    c = call(request)
    job_id = params.resource_id(request, "job_id", "job")

    async def read() -> job_pb2.Job:
        return await c.backends.store.GetJob(
            store_pb2.GetJobRequest(tenant=c.tenant, job_id=job_id), timeout=c.timeout, metadata=c.metadata
        )

    wait = prefer.wait_seconds(request.headers.getlist("prefer"))
    if wait is not None:  # a gateway just started may still be connecting to NATS
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(c.backends.nats_ready.wait(), NATS_WAIT_S)
    waits: JobWaits = request.app.state.job_waits
    if wait is None or not await waits.available(c.backends.nats):
        return pages.resource_response("job", convert.job_json(await read()))
    job = await waits.until_ended(job_id, read, wait)
    headers = {"Preference-Applied": f"wait={wait}", "Vary": "Prefer"}
    if not is_terminal(job):
        headers["Retry-After"] = "1"  # not over yet: ask again, with or without a wait
    return pages.resource_response("job", convert.job_json(job), headers=headers)


def _status_filter(request: Request) -> job_pb2.JobStatus:
    raw = request.query_params.get("status")
    if not raw:
        return job_pb2.JOB_STATUS_UNSPECIFIED
    try:
        return job_states.status_value(raw)
    except KeyError:
        raise ApiError(
            400,
            "invalid_request",
            "status must be one of queued, running, succeeded, failed, canceled",
            [FieldProblem("?status", f"unknown status {quote(raw)}")],
        ) from None


async def list_jobs(request: Request) -> JSONResponse:
    c = call(request)
    page = await c.backends.store.ListJobs(
        store_pb2.ListJobsRequest(
            tenant=c.tenant, status=_status_filter(request), limit=params.limit(request), cursor=params.cursor(request)
        ),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return pages.page_response("job", page.items, convert.job_json, page.next_cursor)


async def cancel_job(request: Request) -> JSONResponse:
    c = call(request)
    job = await c.backends.store.CancelJob(
        store_pb2.CancelJobRequest(tenant=c.tenant, job_id=params.resource_id(request, "job_id", "job")),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return pages.resource_response("job", convert.job_json(job))


routes = [
    Route("/v1/reports/jobs", create_job, methods=["POST"]),
    Route("/v1/jobs", list_jobs, methods=["GET"]),
    Route("/v1/jobs/{job_id}", get_job, methods=["GET"]),
    Route("/v1/jobs/{job_id}/cancel", cancel_job, methods=["POST"]),
]
