"""The common JetStream pull worker against a real nats-server: in-flight bound, heartbeats,
settling a handler's failure, bounded redelivery, drain on stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.api import StreamConfig
from prometheus_client import REGISTRY

from services.common import heartbeat, jetstream_worker
from services.common.jetstream_worker import Consumer, JetStreamWorker, PullSettings
from tests.support.polling import until

STREAM = "WORK"
SUBJECT = "work.items"
CONSUMER = Consumer(STREAM, "workers", SUBJECT, max_deliver=2)


@pytest.fixture
async def nc(nats_server) -> AsyncIterator[NatsClient]:  # type: ignore[no-untyped-def]
    client = await nats.connect(nats_server.url)
    await client.jetstream().add_stream(StreamConfig(name=STREAM, subjects=[SUBJECT]))
    try:
        yield client
    finally:
        await client.close()


async def publish(nc: NatsClient, count: int) -> None:
    for number in range(count):
        await nc.jetstream().publish(SUBJECT, f"item-{number}".encode())


class Running:
    """A worker running in the background; `finish` stops it and waits for its drain."""

    def __init__(self, nc: NatsClient, handle: Callable[[Msg], Awaitable[None]], **settings: float) -> None:
        merged = {"concurrency": 2, "ack_wait_s": 30.0, "drain_timeout_s": 10.0, "unhandled_retry_s": 0.1, **settings}
        self.worker = JetStreamWorker(nc.jetstream(), CONSUMER, handle, PullSettings(**merged))  # type: ignore[arg-type]
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> Running:
        await self.worker.ensure_consumer()
        self.task = asyncio.create_task(self.worker.run())
        return self

    async def finish(self) -> None:
        self.worker.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, 30)


class GatedHandler:
    """Holds every message until `release` is set, then acks it (waiting for the server to take
    the ack); counts how many it held at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.handled: list[bytes] = []
        self.holding = 0
        self.most_at_once = 0

    async def __call__(self, msg: Msg) -> None:
        self.holding += 1
        self.most_at_once = max(self.most_at_once, self.holding)
        try:
            await self.release.wait()
        finally:
            self.holding -= 1
        await msg.ack_sync()
        self.handled.append(msg.data)


async def test_no_more_messages_are_handled_at_once_than_the_concurrency(nc: NatsClient):
    await publish(nc, 6)
    handler = GatedHandler()
    running = await Running(nc, handler, concurrency=2).start()
    try:
        await until(lambda: handler.holding == 2, what="the worker to be full")
        handler.release.set()
        await until(lambda: len(handler.handled) == 6, what="every message handled")
    finally:
        await running.finish()
    assert handler.most_at_once == 2
    assert sorted(handler.handled) == sorted(f"item-{number}".encode() for number in range(6))


async def test_a_message_held_longer_than_the_ack_wait_is_not_redelivered(nc: NatsClient):
    await publish(nc, 1)
    deliveries: list[int] = []

    async def slow(msg: Msg) -> None:
        deliveries.append(msg.metadata.num_delivered)
        await asyncio.sleep(2.5)  # the handler's own duration, beyond the ack wait: the condition under test
        await msg.ack()

    running = await Running(nc, slow, ack_wait_s=1.0).start()
    try:
        await until(lambda: deliveries, what="the message handled")
        info = await until(lambda: _settled(nc), what="the message acked")
    finally:
        await running.finish()
    assert deliveries == [1]
    assert info.num_redelivered == 0


async def test_a_handler_that_raises_has_its_message_retried_up_to_max_deliver(
    nc: NatsClient, caplog: pytest.LogCaptureFixture
):
    advisories = await nc.subscribe(f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{STREAM}.{CONSUMER.durable}")
    await publish(nc, 1)
    deliveries: list[int] = []

    async def broken(msg: Msg) -> None:
        deliveries.append(msg.metadata.num_delivered)
        raise RuntimeError("a bug")

    with caplog.at_level(logging.ERROR, logger=jetstream_worker.__name__):
        running = await Running(nc, broken).start()
        try:
            await advisories.next_msg(timeout=30)
        finally:
            await running.finish()
    assert deliveries == [1, 2]
    assert [str(record.exc_info[1]) for record in caplog.records if record.exc_info] == ["a bug", "a bug"]


async def test_a_handler_failing_after_its_message_was_delivered_again_fails_the_newest_delivery(
    nc: NatsClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    advisories = await nc.subscribe(f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{STREAM}.{CONSUMER.durable}")
    await publish(nc, 1)
    deliveries: list[int] = []
    release = asyncio.Event()

    async def broken_late(msg: Msg) -> None:
        deliveries.append(msg.metadata.num_delivered)
        await release.wait()
        raise RuntimeError("a bug")

    async def no_heartbeats(msg: Msg, ack_wait_s: float) -> None:  # late past the ack wait: redelivered here
        await asyncio.Event().wait()

    monkeypatch.setattr(heartbeat, "keep_in_progress", no_heartbeats)
    duplicates = _duplicate_deliveries()
    with caplog.at_level(logging.INFO, logger=jetstream_worker.__name__):
        running = await Running(nc, broken_late, ack_wait_s=1.0).start()
        try:
            await until(
                lambda: _duplicate_deliveries() > duplicates or len(deliveries) > 1,
                what="the message delivered again",
            )
            release.set()
            # delivery 2 was the last: its failure, nakked through it, ends the message
            await advisories.next_msg(timeout=30)
        finally:
            await running.finish()
    assert deliveries == [1]
    assert _duplicate_deliveries() == duplicates + 1
    assert [r.getMessage() for r in caplog.records if "delivered again" in r.getMessage()] == [
        "message 1 delivered again (delivery 2) while still handled here; not handled twice"
    ]


def _duplicate_deliveries() -> float:
    return REGISTRY.get_sample_value("jetstream_duplicate_deliveries_total", {"consumer": CONSUMER.durable}) or 0.0


async def test_stop_pulls_no_more_and_waits_for_the_messages_in_hand(nc: NatsClient):
    await publish(nc, 2)
    handler = GatedHandler()
    running = await Running(nc, handler, concurrency=1).start()
    await until(lambda: handler.holding == 1, what="a message in hand")
    running.worker.stop()
    handler.release.set()
    await running.finish()
    assert handler.handled == [b"item-0"]
    info = await nc.jetstream().consumer_info(STREAM, CONSUMER.durable)
    assert (info.num_ack_pending, info.num_pending) == (0, 1)


async def _settled(nc: NatsClient):  # type: ignore[no-untyped-def]
    info = await nc.jetstream().consumer_info(STREAM, CONSUMER.durable)
    return info if info.num_ack_pending == 0 and info.num_pending == 0 else None
