"""Tenant rate limits against a real store and nats-server: 429 with Retry-After for one tenant while
another is unaffected, one bucket shared by two gateways, and fail open when NATS is gone.

The refill rates are so slow (one token in 1000 s) that no token comes back while a test runs, so
the outcomes depend on counts, never on timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
import nats
import pytest

from services.common import streams
from services.common.tenant_limits import Limits, TenantLimits
from services.gateway import rate_limiter
from services.gateway.app import create_app
from services.gateway.backends import Backends
from services.gateway.rate_limiter import SharedRateLimiter, key_of
from services.gateway.settings import GatewaySettings
from tests.integration.helpers import assert_error
from tests.support.names import loopback_resolver
from tests.support.tenants import AUTH_A, AUTH_B, KEYS

LIMITS = TenantLimits(default=Limits(rps=0.001, burst=20), tenants={"tenant-a": Limits(rps=0.001, burst=4)})
RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")


@contextlib.asynccontextmanager
async def limited_gateway(store_port: int, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """One gateway replica: its own app, its own NATS connection, nothing shared in memory."""
    settings = GatewaySettings(
        host="127.0.0.1",
        port=0,
        store_target=f"127.0.0.1:{store_port}",
        resolver_target="127.0.0.1:1",
        nats_url=nats_url,
        api_keys=KEYS,
        rpc_timeout_s=5.0,
        tenant_limits=LIMITS,
    )
    app = create_app(settings, webhook_resolver=loopback_resolver())
    app.state.backends = Backends.open(settings.store_target, settings.resolver_target, settings.nats_url)
    try:
        await app.state.backends.nats_ready.wait()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            yield client
    finally:
        await app.state.backends.close()


@pytest.fixture
async def replicas(store, nats_server, monkeypatch) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    # These tests are about what the counter decides, so it must answer: on a loaded CI machine a
    # round once took longer than the half second after which a gateway fails open.
    monkeypatch.setattr(rate_limiter, "TIMEOUT_S", 10.0)
    async with limited_gateway(store.port, nats_server.url) as one, limited_gateway(store.port, nats_server.url) as two:
        yield one, two


async def test_a_tenant_over_its_rate_is_429_with_retry_after_while_another_is_unaffected(replicas):
    gateway, _ = replicas
    remaining = []
    for _ in range(4):
        response = await gateway.get("/v1/jobs", headers=AUTH_A)
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "4"
        remaining.append(response.headers["ratelimit-remaining"])
    assert remaining == ["3", "2", "1", "0"]

    refused = await gateway.get("/v1/jobs", headers=AUTH_A)
    assert_error(refused, 429, "rate_limited")  # the API's one error shape
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-remaining"] == "0"
    assert int(refused.headers["ratelimit-reset"]) >= int(refused.headers["retry-after"])
    assert refused.headers["x-request-id"]

    other = await gateway.get("/v1/jobs", headers=AUTH_B)
    assert other.status_code == 200
    assert (other.headers["ratelimit-limit"], other.headers["ratelimit-remaining"]) == ("20", "19")
    assert "retry-after" not in other.headers


async def test_two_gateways_spend_one_bucket(replicas):
    one, two = replicas
    answers = [await client.get("/v1/media", headers=AUTH_A) for client in (one, two, one, two)]
    assert [r.headers["ratelimit-remaining"] for r in answers] == ["3", "2", "1", "0"]
    assert_error(await two.get("/v1/media", headers=AUTH_A), 429, "rate_limited")
    assert_error(await one.get("/v1/media", headers=AUTH_A), 429, "rate_limited")


async def test_requests_racing_on_two_gateways_never_spend_more_than_the_bucket(replicas):
    one, two = replicas
    answers = await asyncio.gather(
        *[client.get("/v1/reports", headers=AUTH_B) for _ in range(15) for client in (one, two)]
    )
    statuses = [r.status_code for r in answers]
    assert all("ratelimit-limit" in r.headers for r in answers)  # each counted, none let through unchecked
    assert set(statuses) <= {200, 429} and statuses.count(200) <= 20
    remaining = sorted(int(r.headers["ratelimit-remaining"]) for r in answers if r.status_code == 200)
    assert len(set(remaining)) == len(remaining)  # each token spent once


async def test_requests_without_a_known_key_are_not_counted(replicas):
    gateway, _ = replicas
    response = await gateway.get("/v1/jobs", headers={"Authorization": "Bearer nope"})
    assert_error(response, 401, "unauthorized")
    assert not any(h in response.headers for h in RATE_HEADERS)
    assert (await gateway.get("/healthz")).status_code == 200


@pytest.mark.own_nats_server
async def test_an_unreachable_counter_fails_open_with_a_log_line(store, nats_server, caplog):
    async with limited_gateway(store.port, nats_server.url) as gateway:
        assert (await gateway.get("/v1/jobs", headers=AUTH_A)).headers["ratelimit-remaining"] == "3"
        nats_server.stop()
        caplog.set_level(logging.WARNING, logger="services.gateway.rate_limiter")
        answers = [await gateway.get("/v1/jobs", headers=AUTH_A) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 6  # past the bucket of 4: not limited
    assert not any(h in r.headers for r in answers for h in RATE_HEADERS)
    warnings = [r for r in caplog.records if "fail open" in r.getMessage()]
    assert len(warnings) == 1  # once, not once a request


async def test_a_tenants_concurrent_requests_on_one_replica_are_counted_in_one_round(nats_server):
    nc = await nats.connect(nats_server.url)
    try:
        await streams.ensure_streams(nc.jetstream(), streams.StreamSettings())
        limiter = SharedRateLimiter(lambda: nc, LIMITS)
        decisions = await asyncio.gather(*(limiter.take("tenant-a") for _ in range(10)))
        assert [d.allowed for d in decisions if d is not None] == [True] * 4 + [False] * 6
        assert [d.remaining for d in decisions[:4] if d is not None] == [3, 2, 1, 0]
        kv = await nc.jetstream().key_value(streams.RATE_LIMIT_BUCKET)
        assert (await kv.get(key_of("tenant-a"))).revision == 1  # ten requests, one write
    finally:
        await nc.close()


class FrozenClocks:
    """Wall-clock time that stands still (no token comes back) and a monotonic clock tests move."""

    def __init__(self) -> None:
        self.wall = 1_000_000.0
        self.monotonic = 0.0


def leasing_limiter(nc: nats.NATS, clocks: FrozenClocks, burst: int) -> SharedRateLimiter:
    # rps 100: a tenth of a second of the rate is 10 tokens, the lease (with burst // 4 >= 10)
    limits = TenantLimits(default=Limits(rps=100, burst=burst))
    return SharedRateLimiter(lambda: nc, limits, clock=lambda: clocks.wall, monotonic=lambda: clocks.monotonic)


@contextlib.asynccontextmanager
async def kv_connection(nats_url: str) -> AsyncIterator[nats.NATS]:
    nc = await nats.connect(nats_url)
    try:
        await streams.ensure_streams(nc.jetstream(), streams.StreamSettings())
        yield nc
    finally:
        await nc.close()


async def revision(nc: nats.NATS, tenant: str) -> int:
    kv = await nc.jetstream().key_value(streams.RATE_LIMIT_BUCKET)
    return (await kv.get(key_of(tenant))).revision or 0


async def test_a_replica_spends_a_leased_batch_of_tokens_with_one_write_per_lease(nats_server):
    clocks = FrozenClocks()
    async with kv_connection(nats_server.url) as nc:
        limiter = leasing_limiter(nc, clocks, burst=400)
        decisions = [await limiter.take("tenant-a") for _ in range(25)]
        assert all(d is not None and d.allowed for d in decisions)
        assert [d.remaining for d in decisions if d is not None] == list(range(399, 374, -1))
        assert await revision(nc, "tenant-a") == 3  # leases of 10, 10 and 10 tokens


async def test_two_leasing_replicas_never_admit_more_than_the_bucket_holds(nats_server):
    clocks = FrozenClocks()
    async with kv_connection(nats_server.url) as nc:
        one, two = leasing_limiter(nc, clocks, burst=40), leasing_limiter(nc, clocks, burst=40)
        first = await one.take("tenant-a")  # leases 10: one spent, nine kept by replica one
        on_two = [await two.take("tenant-a") for _ in range(35)]
        on_one = [await one.take("tenant-a") for _ in range(12)]
        allowed = [d for d in [first, *on_two, *on_one] if d is not None and d.allowed]
        assert len(allowed) == 40
        assert [d is not None and d.allowed for d in on_two] == [True] * 30 + [False] * 5
        assert [d is not None and d.allowed for d in on_one] == [True] * 9 + [False] * 3
        refused = on_one[-1]
        assert refused is not None and refused.retry_after_s >= 1 and refused.remaining == 0


async def test_leased_tokens_left_unspent_expire_and_are_not_spent_later(nats_server):
    clocks = FrozenClocks()
    async with kv_connection(nats_server.url) as nc:
        limiter = leasing_limiter(nc, clocks, burst=40)
        assert (await limiter.take("tenant-a")).remaining == 39  # type: ignore[union-attr]
        clocks.monotonic += rate_limiter.LEASE_TTL_S
        after = await limiter.take("tenant-a")
        assert await revision(nc, "tenant-a") == 2  # back at the counter
        assert after is not None and after.remaining == 29  # the nine expired tokens are gone


async def test_a_lease_of_one_sends_every_round_to_the_counter(nats_server):
    clocks = FrozenClocks()
    async with kv_connection(nats_server.url) as nc:
        limits = TenantLimits(default=Limits(rps=100, burst=400))
        limiter = SharedRateLimiter(lambda: nc, limits, clock=lambda: clocks.wall, lease_most=1)
        for _ in range(5):
            await limiter.take("tenant-a")
        assert await revision(nc, "tenant-a") == 5
