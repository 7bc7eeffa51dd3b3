"""DELETE of media, jobs and reports: the cascade, the 404s after it, tenant scope, the purge of
the jobs' events from JetStream, and the audit records."""

from __future__ import annotations

import asyncio
import dataclasses

import grpc
import nats
import pytest

from reports.v1 import job_pb2, store_pb2
from services.common import streams
from services.gateway.auth import key_id
from services.gateway.event_fanout import EventFanout
from tests.integration.helpers import assert_error, complete_job, create_job, create_media, stored_events
from tests.support.polling import until
from tests.support.tenants import AUTH_A, AUTH_B


async def test_deleting_media_deletes_its_jobs_reports_and_events(gateway, store_stub, nats_server):
    client = gateway.client
    media_id = await create_media(client, AUTH_A)
    done, queued = await create_job(client, AUTH_A, media_id), await create_job(client, AUTH_A, media_id)
    report_id = await complete_job(store_stub, "tenant-a", done)
    await until(lambda: _has_events(nats_server.url, done))

    response = await client.delete(f"/v1/media/{media_id}", headers=AUTH_A)
    assert response.status_code == 204 and response.content == b""

    for path in (
        f"/v1/media/{media_id}",
        f"/v1/jobs/{done}",
        f"/v1/jobs/{queued}",
        f"/v1/reports/{report_id}",
        f"/v1/reports/{report_id}/evidence",
        f"/v1/jobs/{done}/events",
    ):
        assert (await client.get(path, headers=AUTH_A)).status_code == 404, path
    assert (await client.get(f"/v1/reports/by-job/{done}", headers=AUTH_A)).status_code == 404
    for path in ("/v1/media", "/v1/jobs", "/v1/reports"):
        assert (await client.get(path, headers=AUTH_A)).json()["items"] == [], path
    assert_error(await client.delete(f"/v1/media/{media_id}", headers=AUTH_A), 404, "media_not_found")

    await until(lambda: _no_events(nats_server.url, done))
    assert await stored_events(nats_server.url, queued) == 0

    audit = (await client.get("/v1/audit", headers=AUTH_A)).json()
    assert [(r["objectType"], r["objectId"], r["reason"], r["derived"], r["apiKeyId"]) for r in audit["items"]] == [
        ("media", media_id, "request", {"jobs": 2, "reports": 1, "entities": 2}, key_id("key-a"))
    ]
    assert audit["nextCursor"] is None


async def _has_events(url: str, job_id: str) -> bool:
    return await stored_events(url, job_id) > 0


async def _no_events(url: str, job_id: str) -> bool:
    return await stored_events(url, job_id) == 0


async def test_a_deleted_job_is_announced_once_its_events_are_purged(gateway, nats_server):
    """The announcement ends the job's open event streams on every gateway (event_fanout.py)."""
    client = gateway.client
    job_id = await create_job(client, AUTH_A, await create_media(client, AUTH_A))
    await until(lambda: _has_events(nats_server.url, job_id))
    nc = await nats.connect(nats_server.url)
    try:
        announcements = await nc.subscribe(streams.DELETED_SUBJECTS)
        await nc.flush()
        assert (await client.delete(f"/v1/jobs/{job_id}", headers=AUTH_A)).status_code == 204
        announced = await announcements.next_msg(timeout=30)
        assert announced.subject == streams.deleted_subject(job_id)
        assert await stored_events(nats_server.url, job_id) == 0  # purged before it was announced
    finally:
        await nc.close()


async def test_another_tenants_ids_are_not_found_and_stay(gateway, store_stub):
    client = gateway.client
    media_id = await create_media(client, AUTH_A)
    job_id = await create_job(client, AUTH_A, media_id)
    report_id = await complete_job(store_stub, "tenant-a", job_id)
    for path, code in (
        (f"/v1/reports/{report_id}", "report_not_found"),
        (f"/v1/jobs/{job_id}", "job_not_found"),
        (f"/v1/media/{media_id}", "media_not_found"),
    ):
        assert_error(await client.delete(path, headers=AUTH_B), 404, code)
        assert (await client.get(path, headers=AUTH_A)).status_code == 200
    assert (await client.get("/v1/audit", headers=AUTH_B)).json()["items"] == []
    assert (await client.get("/v1/audit", headers=AUTH_A)).json()["items"] == []


async def test_deleting_a_report_keeps_its_job_which_can_never_succeed_again(gateway, store_stub):
    client = gateway.client
    job_id = await create_job(client, AUTH_A, await create_media(client, AUTH_A))
    report_id = await complete_job(store_stub, "tenant-a", job_id)

    assert (await client.delete(f"/v1/reports/{report_id}", headers=AUTH_A)).status_code == 204

    job = (await client.get(f"/v1/jobs/{job_id}", headers=AUTH_A)).json()
    assert (job["status"], job["reportId"], job["reportDeleted"]) == ("succeeded", None, True)
    assert_error(await client.get(f"/v1/reports/{report_id}", headers=AUTH_A), 404, "report_not_found")
    assert_error(await client.get(f"/v1/reports/{report_id}/evidence", headers=AUTH_A), 404, "report_not_found")
    assert_error(await client.get(f"/v1/reports/by-job/{job_id}", headers=AUTH_A), 404, "report_not_found")
    assert_error(await client.delete(f"/v1/reports/{report_id}", headers=AUTH_A), 404, "report_not_found")
    with pytest.raises(grpc.aio.AioRpcError) as raised:  # a renderer's redelivery cannot bring it back
        await complete_job(store_stub, "tenant-a", job_id, start=False)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (await client.get("/v1/reports", headers=AUTH_A)).json()["items"] == []
    [record] = (await client.get("/v1/audit", headers=AUTH_A)).json()["items"]
    assert (record["objectType"], record["objectId"], record["derived"]) == ("report", report_id, {})


async def test_a_running_job_deleted_mid_render_never_writes_its_report(gateway, store_stub):
    client = gateway.client
    media_id = await create_media(client, AUTH_A)
    job_id = await create_job(client, AUTH_A, media_id, idempotencyKey="once")
    await store_stub.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="tenant-a", job_id=job_id, status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RENDERING
        )
    )

    assert (await client.delete(f"/v1/jobs/{job_id}", headers=AUTH_A)).status_code == 204

    with pytest.raises(grpc.aio.AioRpcError) as raised:  # the renderer finishing its LLM call
        await complete_job(store_stub, "tenant-a", job_id, start=False)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await client.get("/v1/reports", headers=AUTH_A)).json()["items"] == []
    assert (await client.get(f"/v1/media/{media_id}", headers=AUTH_A)).status_code == 200
    # its idempotency key is forgotten with it: the same request makes a new job
    again = await create_job(client, AUTH_A, media_id, idempotencyKey="once")
    assert again != job_id
    [record] = (await client.get("/v1/audit", headers=AUTH_A)).json()["items"]
    assert (record["objectType"], record["objectId"], record["derived"]) == ("job", job_id, {"reports": 0})


async def test_the_audit_log_pages_newest_first(gateway):
    client = gateway.client
    media_ids = [await create_media(client, AUTH_A) for _ in range(3)]
    for media_id in media_ids:
        assert (await client.delete(f"/v1/media/{media_id}", headers=AUTH_A)).status_code == 204
    first = (await client.get("/v1/audit?limit=2", headers=AUTH_A)).json()
    second = (await client.get(f"/v1/audit?limit=2&cursor={first['nextCursor']}", headers=AUTH_A)).json()
    assert [r["objectId"] for r in first["items"] + second["items"]] == media_ids[::-1]
    assert second["nextCursor"] is None


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"retentionDays": 0}, "/retentionDays"),
        ({"retentionDays": 3651}, "/retentionDays"),
        ({"retentionDays": "30"}, "/retentionDays"),
        ({"expiresAt": "2020-01-01T00:00:00Z"}, "/expiresAt"),
        ({"expiresAt": "next tuesday"}, "/expiresAt"),
        ({"expiresAt": "2099-01-01T00:00:00"}, "/expiresAt"),  # no offset
        ({"expiresAt": "2099-01-01T00:00:00Z", "retentionDays": 3}, "/expiresAt"),
    ],
)
async def test_a_bad_retention_is_a_400_naming_the_field(gateway, extra, path):
    from tests.integration.helpers import media_body

    response = await gateway.client.post("/v1/media", json=media_body(**extra), headers=AUTH_A)
    assert_error(response, 400, "invalid_request", path)


async def test_retention_days_on_a_media_show_as_its_expiry(gateway):
    from tests.integration.helpers import media_body

    media = (await gateway.client.post("/v1/media", json=media_body(retentionDays=30), headers=AUTH_A)).json()
    assert media["expiresAt"] > media["createdAt"]
    # 30.0 is an integer to JSON Schema, so it is taken the same (it was a 500 once the fuzz found it)
    again = await gateway.client.post("/v1/media", json=media_body(retentionDays=30.0), headers=AUTH_A)
    assert again.status_code == 201 and again.json()["expiresAt"][:10] == media["expiresAt"][:10]


async def test_a_stream_of_a_job_deleted_while_its_announcement_is_lost_ends_within_the_recheck(gateway):
    """The gateway misses the announcement (as when away from NATS): the stream still ends, by
    asking the store every RECHECK_PINGS pings (routes/events.py)."""
    client, app = gateway.client, gateway.app
    app.state.settings = dataclasses.replace(app.state.settings, sse_ping_s=0.05)
    fanout: EventFanout = app.state.event_fanout

    async def lost(msg: object) -> None:
        return None

    fanout._on_deleted = lost  # type: ignore[method-assign]   # read when the fan-out subscribes
    job_id = await create_job(client, AUTH_A, await create_media(client, AUTH_A))
    streaming = asyncio.create_task(client.get(f"/v1/jobs/{job_id}/events", headers=AUTH_A))
    await until(lambda: fanout.watching(job_id) == 1, what="the job's stream")
    assert (await client.delete(f"/v1/jobs/{job_id}", headers=AUTH_A)).status_code == 204

    response = await asyncio.wait_for(streaming, 30)
    assert response.status_code == 200 and fanout.watching(job_id) == 0
    assert app.state.stream_slots.open_for("tenant-a") == 0
