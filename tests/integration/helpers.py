"""Request bodies and small steps the integration tests share."""

from __future__ import annotations

from typing import Any

import httpx

from reports.v1 import job_pb2, report_pb2, store_pb2
from services.common.report_codec import document_from_json

SEGMENTS = [
    {"speaker": "ana", "start": 0.0, "end": 6.0, "text": "Hi, I'm Ana, the CFO at Northwind. What does it cost?"},
    {"speaker": "ben", "start": 6.0, "end": 9.0, "text": "Hello Ana. It depends on seats."},
    {"speaker": "ana", "start": 9.0, "end": 20.0, "text": "We have forty seats and we need numbers by Friday."},
]


def media_body(**overrides: Any) -> dict[str, Any]:
    return {"title": "Pricing call", "transcript": {"format": "segments", "content": SEGMENTS}, **overrides}


def job_body(media_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "media": {"mediaId": media_id},
        "output": {"template": "sales_playbook"},
        "target": {"strategy": "dominant", "on_miss": "error"},
    }
    body.update(overrides)
    return body


async def create_media(client: httpx.AsyncClient, auth: dict[str, str], **overrides: Any) -> str:
    response = await client.post("/v1/media", json=media_body(**overrides), headers=auth)
    assert response.status_code == 201, response.text
    return str(response.json()["mediaId"])


async def create_job(client: httpx.AsyncClient, auth: dict[str, str], media_id: str, **overrides: Any) -> str:
    response = await client.post("/v1/reports/jobs", json=job_body(media_id, **overrides), headers=auth)
    assert response.status_code == 202, response.text
    return str(response.json()["jobId"])


def assert_error(response: httpx.Response, status: int, code: str, path: str | None = None) -> dict[str, Any]:
    """The one error shape, with the expected status, code and (when given) a detail at `path`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    if path is not None:
        paths = [d["path"] for d in error["details"]]
        assert path in paths, f"{path} not in {paths}"
        assert all(set(d) == {"path", "message"} for d in error["details"])
    return error


async def complete_job(
    store_stub: Any, tenant: str, job_id: str, *, start: bool = True, usage: job_pb2.JobUsage | None = None
) -> str:
    """Drive a job to succeeded through the store, as a renderer would (with `usage`, if given)."""
    if start:
        await store_stub.ClaimJob(store_pb2.ClaimJobRequest(tenant=tenant, job_id=job_id))
    document = document_from_json(
        {
            "template": "sales_playbook",
            "schemaVersion": 2,
            "title": "T",
            "summary": "S",
            "sections": [{"key": "bottom_line", "kind": "paragraph", "title": "Bottom line", "body": "B"}],
            "meta": {
                "prompt": {"name": "sales_playbook", "version": 1, "labels": ["production"]},
                "render": {"attempts": 1, "model": "dev-llm", "provider": "openai"},
            },
        }
    )
    request = store_pb2.CompleteJobRequest(
        tenant=tenant,
        job_id=job_id,
        report=report_pb2.Report(entity=report_pb2.ReportEntity(id="ana"), document=document, markdown="# T"),
    )
    if usage is not None:
        request.usage.CopyFrom(usage)
    reply = await store_stub.CompleteJob(request)
    return reply.report_id


async def stored_events(nats_url: str, job_id: str) -> int:
    """How many status events of the job JOB_EVENTS holds."""
    import nats

    from services.common import streams

    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(streams.EVENTS_STREAM, subjects_filter=streams.event_subject(job_id))
        return int((info.state.subjects or {}).get(streams.event_subject(job_id), 0))
    finally:
        await nc.close()
