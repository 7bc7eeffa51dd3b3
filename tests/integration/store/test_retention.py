"""Retention: media expire with everything made from them, swept in bounded batches."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from reports.v1 import store_pb2
from services.common.timeutil import utcnow
from services.store import app as store_app
from services.store.retention import RetentionSweeper
from services.store.tables import AUDIT, MEDIA
from stack.nats_server import NatsServer
from tests.integration.helpers import complete_job, create_job, create_media
from tests.integration.store.test_outbox import _job_request, _media
from tests.support.polling import until
from tests.support.stores import store_settings
from tests.support.tenants import AUTH_A


@pytest.fixture
async def store(database_url: str, nats_server: NatsServer) -> AsyncIterator[store_app.RunningStore]:
    settings = dataclasses.replace(store_settings(database_url, nats_server.url), retention_sweep_s=0.1)
    running = await store_app.start(settings)
    try:
        await asyncio.wait_for(running.relay.connected.wait(), timeout=30)
        yield running
    finally:
        await running.stop()


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def test_media_expiring_in_a_few_seconds_is_swept_with_its_jobs_and_reports(gateway, store_stub):
    client = gateway.client
    expires = _rfc3339(utcnow() + timedelta(seconds=8))  # outlives the checks below on a loaded machine
    media_id = await create_media(client, AUTH_A, expiresAt=expires)
    job_id = await create_job(client, AUTH_A, media_id)
    report_id = await complete_job(store_stub, "tenant-a", job_id)
    for path in (f"/v1/media/{media_id}", f"/v1/jobs/{job_id}", f"/v1/reports/{report_id}"):
        assert (await client.get(path, headers=AUTH_A)).json()["expiresAt"] == expires, path

    async def swept() -> bool:  # the sweeper runs every 0.1 s here
        return (await client.get(f"/v1/media/{media_id}", headers=AUTH_A)).status_code == 404

    await until(swept, what="the expired media swept", period_s=0.1)
    for path in (f"/v1/jobs/{job_id}", f"/v1/reports/{report_id}", f"/v1/reports/by-job/{job_id}"):
        assert (await client.get(path, headers=AUTH_A)).status_code == 404, path
    [record] = (await client.get("/v1/audit", headers=AUTH_A)).json()["items"]
    assert (record["objectType"], record["objectId"], record["reason"], record["apiKeyId"], record["derived"]) == (
        "media",
        media_id,
        "retention",
        None,
        {"jobs": 1, "reports": 1, "entities": 2},
    )


async def test_a_media_without_an_expiry_is_kept(gateway):
    media = (
        await gateway.client.post(
            "/v1/media",
            headers=AUTH_A,
            json={
                "title": "t",
                "transcript": {"format": "segments", "content": [{"speaker": "a", "start": 0, "end": 1, "text": "hi"}]},
            },
        )
    ).json()
    assert media["expiresAt"] is None


@pytest.mark.parametrize(
    ("fields", "days"),
    [
        ({"retention_days": 3}, 3),
        ({"default_retention_days": 7}, 7),
        ({"retention_days": 3, "default_retention_days": 7}, 3),  # the request's own wins
    ],
)
async def test_retention_days_come_from_the_request_else_the_tenant(store_stub, fields, days):
    request = store_pb2.CreateMediaRequest(
        tenant="t",
        title="x",
        transcript=store_pb2.TranscriptInput(
            format="segments", content='[{"speaker": "a", "start": 0, "end": 1, "text": "hi"}]'
        ),
        **fields,
    )
    before = utcnow()
    media = await store_stub.CreateMedia(request)
    expires = media.expires_at.ToDatetime(tzinfo=UTC)
    assert before + timedelta(days=days) <= expires <= utcnow() + timedelta(days=days)


BACKLOG = 100_000
BATCH = 1_000


async def test_a_backlog_of_expired_media_is_swept_in_bounded_batches_while_jobs_keep_flowing(store, store_stub):
    store.sweeper.stop()  # this test drives its own sweeper, pass by pass
    await store.sweeper_task
    past = utcnow() - timedelta(days=1)
    rows = [
        {
            "id": f"med_{i:026x}",
            "tenant": "old",
            "title": "t",
            "url": None,
            "duration_sec": 1.0,
            "transcript_format": "segments",
            "segments": [],
            "created_at": past,
            "expires_at": past,
        }
        for i in range(BACKLOG)
    ]
    await store.db.run(lambda c: c.execute(insert(MEDIA), rows))
    live_media = await _media(store_stub)

    sweeper = RetentionSweeper(store.db, batch_size=BATCH)
    passes: list[int] = []  # rows deleted by each pass
    created_during_sweep = 0
    sweeping = True

    async def keep_creating_jobs() -> None:
        nonlocal created_during_sweep
        while sweeping:
            await store_stub.CreateJob(_job_request(live_media))
            created_during_sweep += 1

    creator = asyncio.create_task(keep_creating_jobs())
    try:
        while True:
            done = await sweeper.sweep_once()
            passes.append(done.deleted)
            if done.deleted == 0:
                break
            await asyncio.sleep(0)
    finally:
        sweeping = False
        await creator

    assert sum(passes) == BACKLOG
    assert max(passes) == BATCH and len(passes) == BACKLOG // BATCH + 1
    assert created_during_sweep > 0  # requests went on between the batches
    remaining = await store.db.run(lambda c: c.execute(select(func.count()).select_from(MEDIA)).scalar_one())
    assert remaining == 1  # the live media only
    audited = await store.db.run(
        lambda c: c.execute(
            select(func.count()).select_from(AUDIT).where(AUDIT.c.tenant == "old", AUDIT.c.reason == "retention")
        ).scalar_one()
    )
    assert audited == BACKLOG


async def test_one_store_sweeps_at_a_time_on_postgresql(store, database_url):
    if store.db.is_sqlite:
        pytest.skip("SQLite has one store")
    from sqlalchemy import text

    from services.store.retention import SWEEP_LOCK_CLASS

    store.sweeper.stop()
    await store.sweeper_task
    holder = store.db.engine.connect()  # another replica, mid-pass
    try:
        holder.begin()
        holder.execute(text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"), {"k": SWEEP_LOCK_CLASS})
        assert (await RetentionSweeper(store.db).sweep_once()).busy
    finally:
        holder.close()
    assert not (await RetentionSweeper(store.db).sweep_once()).busy
