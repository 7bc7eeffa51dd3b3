"""nats-server with the platform's users: no user, no connection; only the store publishes events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.errors import NoServersError

from services.common import streams
from stack import nats_auth
from stack.nats_server import NatsServer


@pytest.fixture
def users() -> dict[str, nats_auth.NatsUser]:
    return nats_auth.generate()


@pytest.fixture
def server(tmp_path: Path, users: dict[str, nats_auth.NatsUser]) -> Iterator[NatsServer]:
    config = nats_auth.write_config(tmp_path / "nats.conf", users)
    running = NatsServer(tmp_path / "nats", tmp_path / "nats.log", config=config).start()
    try:
        yield running
    finally:
        running.stop()


class Connection:
    """A client that remembers the errors the server sent it (a refused publish is one)."""

    def __init__(self) -> None:
        self.errors: asyncio.Queue[Exception] = asyncio.Queue()
        self.nc: Client | None = None

    async def open(self, url: str, user: nats_auth.NatsUser | None) -> Client:
        async def on_error(exc: Exception) -> None:
            await self.errors.put(exc)

        credentials = {"user": user.name, "password": user.password} if user else {}
        self.nc = await nats.connect(url, error_cb=on_error, allow_reconnect=False, connect_timeout=2,
                                     max_reconnect_attempts=0, **credentials)
        return self.nc


@pytest.fixture
async def operator(server: NatsServer, users) -> AsyncIterator[Client]:
    nc = await Connection().open(server.url, users["operator"])
    await streams.ensure_streams(nc.jetstream(), streams.StreamSettings())
    try:
        yield nc
    finally:
        await nc.close()


async def test_a_client_without_a_user_cannot_connect(server: NatsServer):
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


async def test_a_wrong_password_cannot_connect(server: NatsServer, users):
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(server.url, user="store", password=users["gateway"].password,
                           allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


@pytest.mark.parametrize("who", ["gateway", "renderer", "webhooks"])
async def test_only_the_store_can_publish_a_status_event(server: NatsServer, users, operator: Client, who: str):
    received: asyncio.Queue[str] = asyncio.Queue()

    async def on_event(msg) -> None:  # type: ignore[no-untyped-def]
        await received.put(msg.subject)

    await operator.subscribe(streams.EVENTS_SUBJECTS, cb=on_event)
    await operator.flush()
    forger = Connection()
    nc = await forger.open(server.url, users[who])
    try:
        await nc.publish(streams.event_subject("job_forged"), b"forged")
        refusal = await asyncio.wait_for(forger.errors.get(), 10)
        assert "permissions violation" in str(refusal).lower()
    finally:
        await nc.close()
    store = await Connection().open(server.url, users["store"])
    try:
        await store.publish(streams.event_subject("job_real"), b"real")
        await store.flush()
    finally:
        await store.close()
    # NATS delivers one publisher's messages in order and the forged one was refused before the
    # store's was sent: the first event the listener sees is the store's.
    assert await asyncio.wait_for(received.get(), 10) == streams.event_subject("job_real")


async def test_the_gateway_reads_status_events_but_cannot_delete_the_stream(server: NatsServer, users,
                                                                           operator: Client):
    await operator.jetstream().publish(streams.event_subject("job_1"), b"event")
    nc = await Connection().open(server.url, users["gateway"])
    try:
        js = nc.jetstream()
        last = await js.get_last_msg(streams.EVENTS_STREAM, streams.event_subject("job_1"))
        assert last.data == b"event"
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):   # refused: no answer
            await js.delete_stream(streams.EVENTS_STREAM)
    finally:
        await nc.close()
    assert (await operator.jetstream().stream_info(streams.EVENTS_STREAM)).state.messages == 1


async def test_a_renderer_cannot_read_another_services_subjects(server: NatsServer, users):
    spy = Connection()
    nc = await spy.open(server.url, users["renderer"])
    try:
        await nc.subscribe(streams.EVENTS_SUBJECTS)
        refusal = await asyncio.wait_for(spy.errors.get(), 10)
        assert "permissions violation" in str(refusal).lower()
    finally:
        await nc.close()


async def test_the_gateway_spends_tenant_tokens_as_its_own_user(server: NatsServer, users, operator: Client):
    from services.common.tenant_limits import Limits, TenantLimits
    from services.gateway.rate_limiter import SharedRateLimiter

    nc = await Connection().open(server.url, users["gateway"])
    try:
        limiter = SharedRateLimiter(lambda: nc, TenantLimits(default=Limits(rps=0.001, burst=2)))
        first, second, third = [await limiter.take("tenant-a") for _ in range(3)]
        assert first is not None and second is not None and third is not None   # not failed open
        assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    finally:
        await nc.close()


@pytest.mark.parametrize("who", ["renderer", "webhooks"])
async def test_no_other_service_may_write_the_tenant_buckets(server: NatsServer, users, operator: Client, who: str):
    connection = Connection()
    nc = await connection.open(server.url, users[who])
    try:
        await nc.publish(f"$KV.{streams.RATE_LIMIT_BUCKET}.t.00", b"0")
        refusal = await asyncio.wait_for(connection.errors.get(), 10)
        assert "permissions violation" in str(refusal).lower()
    finally:
        await nc.close()
