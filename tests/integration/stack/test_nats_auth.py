"""nats-server with the platform's users: no user, no connection; only the store publishes events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
from tests.support import polling


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
        self.nc = await nats.connect(
            url, error_cb=on_error, allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=0, **credentials
        )
        return self.nc

    async def refusal(self) -> str:
        """The server's next error is a permissions violation: its text, lowercased."""
        refusal = str(await asyncio.wait_for(self.errors.get(), 10)).lower()
        assert "permissions violation" in refusal
        return refusal


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
        await nats.connect(
            server.url,
            user="store",
            password=users["gateway"].password,
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=2,
        )


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
        await forger.refusal()
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


async def test_the_gateway_reads_status_events_but_cannot_delete_the_stream(
    server: NatsServer, users, operator: Client
):
    await operator.jetstream().publish(streams.event_subject("job_1"), b"event")
    gateway = Connection()
    nc = await gateway.open(server.url, users["gateway"])
    try:
        js = nc.jetstream()
        last = await js.get_last_msg(streams.EVENTS_STREAM, streams.event_subject("job_1"))
        assert last.data == b"event"
        assert "stream.delete" in await _refused(gateway, js.delete_stream(streams.EVENTS_STREAM))
    finally:
        await nc.close()
    assert (await operator.jetstream().stream_info(streams.EVENTS_STREAM)).state.messages == 1


async def test_a_renderer_cannot_read_another_services_subjects(server: NatsServer, users):
    spy = Connection()
    nc = await spy.open(server.url, users["renderer"])
    try:
        await nc.subscribe(streams.EVENTS_SUBJECTS)
        await spy.refusal()
    finally:
        await nc.close()


async def test_the_gateway_spends_tenant_tokens_as_its_own_user(server: NatsServer, users, operator: Client):
    from services.common.tenant_limits import Limits, TenantLimits
    from services.gateway.rate_limiter import SharedRateLimiter

    nc = await Connection().open(server.url, users["gateway"])
    try:
        limiter = SharedRateLimiter(lambda: nc, TenantLimits(default=Limits(rps=0.001, burst=2)))
        first, second, third = [await limiter.take("tenant-a") for _ in range(3)]
        assert first is not None and second is not None and third is not None  # not failed open
        assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    finally:
        await nc.close()


@pytest.mark.parametrize("who", ["renderer", "webhooks"])
async def test_no_other_service_may_write_the_tenant_buckets(server: NatsServer, users, operator: Client, who: str):
    connection = Connection()
    nc = await connection.open(server.url, users[who])
    try:
        await nc.publish(f"$KV.{streams.RATE_LIMIT_BUCKET}.t.00", b"0")
        await connection.refusal()
    finally:
        await nc.close()


async def _refused(connection: Connection, request) -> str:  # type: ignore[no-untyped-def]
    """`request` (a JetStream API call) gets no answer, and the server says why: the violation's text.
    Once the server has said it, the request could only time out, so its timeout is not waited for."""
    call = asyncio.ensure_future(request)
    try:
        refusal = await connection.refusal()
        if call.done():
            with pytest.raises((nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.APIError)):
                call.result()
        return refusal
    finally:
        call.cancel()
        with contextlib.suppress(BaseException):
            await call


@pytest.fixture
async def a_tenant_event(operator: Client) -> str:
    subject = streams.event_subject("job_of_tenant_b")
    await operator.jetstream().publish(subject, b"tenant b's event")
    return subject


@pytest.mark.parametrize("who", ["renderer", "webhooks"])
async def test_a_renderer_or_dispatcher_cannot_read_events_by_direct_get(
    server: NatsServer, users, a_tenant_event: str, who: str
):
    spy = Connection()
    nc = await spy.open(server.url, users[who])
    try:
        js = nc.jetstream(timeout=2)
        assert "direct.get" in await _refused(spy, js.get_last_msg(streams.EVENTS_STREAM, a_tenant_event, direct=True))
        assert "msg.get" in await _refused(spy, js.get_last_msg(streams.EVENTS_STREAM, a_tenant_event))
    finally:
        await nc.close()


@pytest.mark.parametrize("who", ["renderer", "webhooks"])
async def test_a_renderer_or_dispatcher_cannot_make_its_own_consumer_on_events(
    server: NatsServer, users, a_tenant_event: str, who: str
):
    from nats.js.api import ConsumerConfig

    spy = Connection()
    nc = await spy.open(server.url, users[who])
    try:
        js = nc.jetstream(timeout=2)
        await _refused(spy, js.subscribe(a_tenant_event, stream=streams.EVENTS_STREAM, ordered_consumer=True))
        await _refused(spy, js.add_consumer(streams.EVENTS_STREAM, ConsumerConfig(durable_name="spy")))
        await _refused(spy, js.add_consumer(streams.EVENTS_STREAM, ConsumerConfig(name="spy")))
    finally:
        await nc.close()


async def test_a_renderer_watches_the_provider_budgets_as_its_own_user(server: NatsServer, users, operator: Client):
    from services.renderer.budgets import Budget, Observed
    from services.renderer.shared_budget import SharedBudget, key_of

    connection = Connection()
    nc = await connection.open(server.url, users["renderer"])
    budget = SharedBudget(lambda: nc, {("openai", "m"): Budget(rpm=60)})
    try:
        budget.start_watching()
        await polling.until(lambda: budget.copy_current, what="the renderer's copy of the bucket")
        await budget.learn("openai", "m", Observed(blocked_s=5.0))
        assert connection.errors.empty()
        bucket = await operator.jetstream().key_value(streams.LLM_BUDGET_BUCKET)
        assert (await bucket.get(key_of("openai", "m"))).value  # written, not failed open
    finally:
        await budget.aclose()
        await nc.close()


@pytest.mark.parametrize("who", ["gateway", "renderer", "webhooks"])
async def test_only_the_store_may_create_or_change_a_stream(server: NatsServer, users, operator: Client, who: str):
    from nats.js.api import StreamConfig

    jobs = next(c for c in streams.stream_configs(streams.StreamSettings()) if c.name == streams.JOBS_STREAM)
    intruder = Connection()
    nc = await intruder.open(server.url, users[who])
    try:
        js = nc.jetstream(timeout=2)
        await _refused(intruder, js.update_stream(jobs.evolve(max_age=3)))
        await _refused(intruder, js.add_stream(StreamConfig(name="STOLEN", subjects=["stolen.>"])))
        await _refused(intruder, js.purge_stream(streams.JOBS_STREAM))
    finally:
        await nc.close()
    info = await operator.jetstream().stream_info(streams.JOBS_STREAM)
    assert not info.config.max_age
    assert streams.JOBS_STREAM in [name async for name in _names(operator)] and "STOLEN" not in [
        name async for name in _names(operator)
    ]


async def _names(nc: Client):  # type: ignore[no-untyped-def]
    for name in await nc.jetstream().streams_info():
        yield name.config.name


async def test_the_gateway_cannot_take_jobs(server: NatsServer, users, operator: Client):
    from nats.js.api import ConsumerConfig

    intruder = Connection()
    nc = await intruder.open(server.url, users["gateway"])
    try:
        js = nc.jetstream(timeout=2)
        await _refused(intruder, js.add_consumer(streams.JOBS_STREAM, ConsumerConfig(durable_name="renderers")))
    finally:
        await nc.close()


async def test_a_renderer_takes_a_job_and_drops_a_dead_ones_command(server: NatsServer, users, operator: Client):
    from nats.js.api import AckPolicy, ConsumerConfig

    await operator.jetstream().publish(streams.RENDER_SUBJECT, b"job 1")
    dead = await operator.jetstream().publish(streams.RENDER_SUBJECT, b"job 2")
    nc = await Connection().open(server.url, users["renderer"])
    try:
        js = nc.jetstream()
        await streams.wait_for_streams(js, (streams.JOBS_STREAM,))
        await js.add_consumer(
            streams.JOBS_STREAM,
            ConsumerConfig(
                durable_name=streams.RENDERER_DURABLE,
                ack_policy=AckPolicy.EXPLICIT,
                filter_subject=streams.RENDER_SUBJECT,
            ),
        )
        sub = await js.pull_subscribe_bind(durable=streams.RENDERER_DURABLE, stream=streams.JOBS_STREAM)
        [msg] = await sub.fetch(batch=1, timeout=10)
        await msg.in_progress()
        await msg.ack_sync()
        assert (await js.get_msg(streams.JOBS_STREAM, dead.seq)).data == b"job 2"
        await js.delete_msg(streams.JOBS_STREAM, dead.seq)
        assert (await js.consumer_info(streams.JOBS_STREAM, streams.RENDERER_DURABLE)).num_pending == 0
    finally:
        await nc.close()
    assert (await operator.jetstream().stream_info(streams.JOBS_STREAM)).state.messages == 0


async def test_the_dispatcher_consumes_its_deliveries_and_not_the_event_stream(
    server: NatsServer, users, operator: Client
):
    from nats.js.api import AckPolicy, ConsumerConfig

    delivery = streams.webhook_deliver_subject("job_of_tenant_b")
    await operator.jetstream().publish(delivery, b"tenant b's webhook delivery")
    spy = Connection()
    nc = await spy.open(server.url, users["webhooks"])
    try:
        js = nc.jetstream(timeout=2)
        await streams.wait_for_streams(js, (streams.WEBHOOKS_STREAM,))
        await js.add_consumer(
            streams.WEBHOOKS_STREAM,
            ConsumerConfig(
                durable_name=streams.WEBHOOKS_DURABLE,
                ack_policy=AckPolicy.EXPLICIT,
                filter_subject=streams.WEBHOOKS_SUBJECTS,
            ),
        )
        sub = await js.pull_subscribe_bind(durable=streams.WEBHOOKS_DURABLE, stream=streams.WEBHOOKS_STREAM)
        [msg] = await sub.fetch(batch=1, timeout=10)
        assert msg.subject == delivery
        await msg.ack_sync()
        # Its own durable name on JOB_EVENTS, where every job's status events are, is refused too.
        await _refused(
            spy,
            js.add_consumer(
                streams.EVENTS_STREAM,
                ConsumerConfig(
                    durable_name=streams.WEBHOOKS_DURABLE,
                    ack_policy=AckPolicy.EXPLICIT,
                    filter_subject=streams.EVENTS_SUBJECTS,
                ),
            ),
        )
    finally:
        await nc.close()


async def test_the_gateway_fans_out_a_jobs_events_as_its_own_user(server: NatsServer, users, operator: Client):
    from reports.v1 import job_pb2
    from services.gateway.event_fanout import EventFanout
    from services.gateway.routes.events import event_stream

    subject = streams.event_subject("job_1")
    queued = job_pb2.JobEvent(job_id="job_1", status=job_pb2.JOB_STATUS_QUEUED, stage=job_pb2.JOB_STAGE_QUEUED)
    await operator.jetstream().publish(subject, queued.SerializeToString())
    gateway = Connection()
    nc = await gateway.open(server.url, users["gateway"])
    try:
        fanout = EventFanout()
        await fanout.start(nc)  # its ordered consumer on every job's events, and the deletions
        stream = event_stream(fanout, nc.jetstream(), "job_1", 0, ping_s=60)  # a catch-up read by sequence
        assert (await asyncio.wait_for(anext(stream), 10)).startswith(b"id: 1\n")
        running = job_pb2.JobEvent(job_id="job_1", status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RENDERING)
        await operator.jetstream().publish(subject, running.SerializeToString())
        assert (await asyncio.wait_for(anext(stream), 10)).startswith(b"id: 2\n")  # live
        await operator.publish(streams.deleted_subject("job_1"))

        async def rest() -> list[bytes]:
            return [chunk async for chunk in stream]

        assert await asyncio.wait_for(rest(), 10) == []  # ended by the store's announcement
        assert gateway.errors.empty()
    finally:
        await nc.close()


async def test_a_service_waits_for_the_stores_streams(server: NatsServer, users, caplog: pytest.LogCaptureFixture):
    nc = await Connection().open(server.url, users["renderer"])
    operator_nc = await Connection().open(server.url, users["operator"])
    caplog.set_level(logging.INFO, logger=streams.__name__)
    try:
        waiting = asyncio.create_task(streams.wait_for_streams(nc.jetstream(), (streams.JOBS_STREAM,), poll_s=0.05))
        await polling.until(
            lambda: "waiting for the store to create stream" in caplog.text,
            timeout_s=10,
            what="the renderer's user asking for a stream that does not exist yet, and being told so",
        )
        assert not waiting.done()
        await streams.ensure_streams(operator_nc.jetstream(), streams.StreamSettings())
        await asyncio.wait_for(waiting, 10)
    finally:
        await nc.close()
        await operator_nc.close()
