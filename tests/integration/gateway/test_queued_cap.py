"""Each tenant's cap on queued jobs, through the gateway to a real store (SQLite, and PostgreSQL when
REPORTS_TEST_POSTGRES_URL is set): one more is 429 `quota_exceeded`, other tenants are unaffected,
a job that starts frees a place, a replay is never refused, and concurrent creates never pass the cap."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from reports.v1 import job_pb2, store_pb2, store_pb2_grpc
from services.common import grpc_server
from services.common.tenant_limits import Limits, TenantLimits
from services.gateway.app import create_app
from services.gateway.backends import Backends
from services.gateway.settings import GatewaySettings
from services.store import app as store_app
from tests.integration.helpers import assert_error, create_job, create_media, job_body
from tests.support.names import loopback_resolver
from tests.support.stores import store_settings
from tests.support.tenants import AUTH_A, AUTH_B, KEYS

CAP = 3
LIMITS = TenantLimits(tenants={"tenant-a": Limits(queued=CAP)})


@dataclasses.dataclass
class Capped:
    client: httpx.AsyncClient
    store: store_pb2_grpc.StoreStub


@pytest.fixture
async def capped(database_url, nats_server) -> AsyncIterator[Capped]:
    settings = dataclasses.replace(store_settings(database_url, nats_server.url), tenant_limits=LIMITS)
    store = await store_app.start(settings)
    gateway_settings = GatewaySettings(
        host="127.0.0.1",
        port=0,
        store_target=f"127.0.0.1:{store.port}",
        resolver_target="127.0.0.1:1",
        nats_url=nats_server.url,
        api_keys=KEYS,
    )
    app = create_app(gateway_settings, webhook_resolver=loopback_resolver())
    app.state.backends = Backends.open(gateway_settings.store_target, "127.0.0.1:1", nats_server.url)
    channel = grpc_server.channel(f"127.0.0.1:{store.port}")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            yield Capped(client, store_pb2_grpc.StoreStub(channel))
    finally:
        await channel.close()
        await app.state.backends.close()
        await store.stop()


async def test_one_job_past_the_cap_is_429_quota_exceeded_and_another_tenant_is_unaffected(capped):
    c = capped.client
    media_a, media_b = await create_media(c, AUTH_A), await create_media(c, AUTH_B)
    jobs = [await create_job(c, AUTH_A, media_a) for _ in range(CAP)]

    refused = await c.post("/v1/reports/jobs", json=job_body(media_a), headers=AUTH_A)
    error = assert_error(refused, 429, "quota_exceeded")
    assert str(CAP) in error["message"]
    listed = (await c.get("/v1/jobs", headers=AUTH_A)).json()["items"]
    assert sorted(j["jobId"] for j in listed) == sorted(jobs)  # nothing was added

    for _ in range(CAP + 1):
        await create_job(c, AUTH_B, media_b)  # the default cap is far away

    await capped.store.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="tenant-a", job_id=jobs[0], status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RESOLVING
        )
    )
    await create_job(c, AUTH_A, media_a)  # a running job is not queued
    assert_error(await c.post("/v1/reports/jobs", json=job_body(media_a), headers=AUTH_A), 429, "quota_exceeded")


async def test_a_replay_at_the_cap_is_answered_not_refused(capped):
    c = capped.client
    media = await create_media(c, AUTH_A)
    first = await c.post("/v1/reports/jobs", json=job_body(media, idempotencyKey="k-1"), headers=AUTH_A)
    assert first.status_code == 202
    for _ in range(CAP - 1):
        await create_job(c, AUTH_A, media)
    again = await c.post("/v1/reports/jobs", json=job_body(media, idempotencyKey="k-1"), headers=AUTH_A)
    assert again.status_code == 202 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["jobId"] == first.json()["jobId"]
    fresh = await c.post("/v1/reports/jobs", json=job_body(media, idempotencyKey="k-2"), headers=AUTH_A)
    assert_error(fresh, 429, "quota_exceeded")


async def test_concurrent_creates_never_pass_the_cap(capped):
    c = capped.client
    media = await create_media(c, AUTH_A)
    answers = await asyncio.gather(
        *[c.post("/v1/reports/jobs", json=job_body(media), headers=AUTH_A) for _ in range(12)]
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [202] * CAP + [429] * (12 - CAP)
    assert all(r.json()["error"]["code"] == "quota_exceeded" for r in answers if r.status_code == 429)
