"""SSE fan-out on a real nats-server: one subscription per process, each event once per stream, in
order, across the catch-up/live boundary, and slow streams ended without holding back the others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from reports.v1 import job_pb2
from services.common import streams
from services.domain import job_states
from services.gateway.event_fanout import EventFanout, Subscriber
from services.gateway.routes.events import PING, event_stream
from stack.nats_server import NatsServer
from tests.support.jetstream import jetstream
from tests.support.polling import until

JOB = "job_fanout"
GUARD_S = 30
STEPS = [
    ("queued", "queued"),
    ("running", "resolving"),
    ("running", "rendering"),
    ("running", "storing"),
    ("succeeded", ""),
]


@pytest.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    async with jetstream(nats_server.url) as context:
        yield context


@pytest.fixture
async def fanout(js: JetStreamContext) -> EventFanout:
    hub = EventFanout()
    await hub.start(js._nc)
    return hub


async def publish(js: JetStreamContext, step: int, job_id: str = JOB) -> int:
    status, stage = STEPS[step]
    event = job_pb2.JobEvent(job_id=job_id, tenant="tenant-a", status=job_states.status_value(status))
    if stage:
        event.stage = job_states.stage_value(stage)
    return (await js.publish(streams.event_subject(job_id), event.SerializeToString())).seq


async def read(stream: AsyncIterator[bytes]) -> list[int]:
    """The ids a stream sent until it ended (pings skipped)."""
    return [int(chunk.split(b"\n", 1)[0].removeprefix(b"id: ")) async for chunk in stream if chunk != PING]


async def reading(stream: AsyncIterator[bytes]) -> asyncio.Task[list[int]]:
    """Once the stream has sent its first event (the current state), a task reading the rest; its
    result is every id the stream sent."""
    first = int((await anext(stream)).split(b"\n", 1)[0].removeprefix(b"id: "))

    async def rest() -> list[int]:
        return [first, *await read(stream)]

    return asyncio.create_task(rest())


async def test_many_streams_of_one_job_get_each_event_once_and_in_order(js, fanout):
    seqs = [await publish(js, 0)]
    readers = await asyncio.wait_for(
        asyncio.gather(*(reading(event_stream(fanout, js, JOB, None, ping_s=60)) for _ in range(50))), GUARD_S
    )
    assert fanout.watching(JOB) == 50
    for step in range(1, len(STEPS)):
        seqs.append(await publish(js, step))
    ids = await asyncio.wait_for(asyncio.gather(*readers), GUARD_S)
    assert ids == [seqs] * 50
    assert fanout.watching(JOB) == 0


class BoundaryJetStream:
    """The real JetStream, except that an event is stored (and reaches the fan-out) at the two
    edges of a stream's catch-up: while it reads the job's last event, and once it has read its
    last stored event. The first is then both read and live; the second only live."""

    def __init__(self, js: JetStreamContext, on_edge: Callable[[], Awaitable[None]]) -> None:
        self._js, self._on_edge = js, on_edge

    async def get_last_msg(self, stream: str, subject: str) -> Any:
        await self._on_edge()
        return await self._js.get_last_msg(stream, subject)

    async def get_msg(self, stream: str, **kwargs: Any) -> Any:
        try:
            return await self._js.get_msg(stream, **kwargs)
        except NotFoundError:
            await self._on_edge()
            raise


async def handed_over(watcher: Subscriber, seq: int) -> None:
    """Waits until the fan-out has handed the event `seq` to the job's streams: `watcher`, watching
    the job too, is handed each frame in the same step as they are."""
    async with asyncio.timeout(GUARD_S):
        while (f := await watcher.next(GUARD_S)) is None or f.seq < seq:
            pass


async def test_a_resumed_stream_misses_and_repeats_nothing_across_the_catch_up_live_boundary(js, fanout):
    with fanout.watch(JOB) as watcher:
        published = [await publish(js, 0), await publish(js, 1)]

        async def store_the_next_event() -> None:
            """Stores the next event and waits until the fan-out has handed it to the stream (which may
            also be handed the events stored before it joined, later than it joined)."""
            if len(published) < 4:
                published.append(await publish(js, len(published)))
                await handed_over(watcher, published[-1])

        stream = event_stream(fanout, BoundaryJetStream(js, store_the_next_event), JOB, published[0], ping_s=60)
        reader = asyncio.create_task(read(stream))
        await until(lambda: len(published) == 4, what="both edges of the catch-up reached")
        published.append(await publish(js, 4))  # the terminal event, live
        # event 2 read, event 3 both read and live, event 4 and 5 live only: each sent once, in order
        assert await asyncio.wait_for(reader, GUARD_S) == published[1:]


async def test_a_slow_stream_is_ended_and_does_not_hold_back_the_others(js):
    fanout = EventFanout(queue_frames=2)
    await fanout.start(js._nc)
    seqs = [await publish(js, 0)]
    slow = event_stream(fanout, js, JOB, None, ping_s=60)
    slow_ids = [int((await anext(slow)).split(b"\n", 1)[0].removeprefix(b"id: "))]  # then never read
    fast = await asyncio.wait_for(reading(event_stream(fanout, js, JOB, None, ping_s=60)), GUARD_S)
    assert fanout.watching(JOB) == 2
    for step in range(1, len(STEPS)):
        seqs.append(await publish(js, step))
    assert await asyncio.wait_for(fast, GUARD_S) == seqs
    slow_ids += await read(slow)
    assert slow_ids == seqs[:1]  # ended, unread frames dropped: its client resumes from its last id
    resumed = await asyncio.wait_for(read(event_stream(fanout, js, JOB, slow_ids[-1], ping_s=60)), GUARD_S)
    assert slow_ids + resumed == seqs


async def test_streams_of_a_deleted_job_end_when_the_deletion_is_announced(js, fanout):
    await publish(js, 0)
    readers = [asyncio.create_task(read(event_stream(fanout, js, JOB, None, ping_s=60))) for _ in range(3)]
    await until(lambda: fanout.watching(JOB) == 3, what="3 streams watching the job")
    await js._nc.publish(streams.deleted_subject(JOB))
    assert [len(ids) for ids in await asyncio.wait_for(asyncio.gather(*readers), GUARD_S)] == [1, 1, 1]
    # one that joins just after the announcement ends at once, sending nothing (its job is gone)
    assert await asyncio.wait_for(read(event_stream(fanout, js, JOB, None, ping_s=60)), GUARD_S) == []


async def test_an_idle_stream_pings_and_a_resumed_stream_of_an_ended_job_ends_at_once(js, fanout):
    seqs = [await publish(js, step) for step in (0, 1, 4)]
    assert await asyncio.wait_for(read(event_stream(fanout, js, JOB, seqs[-1], ping_s=60)), GUARD_S) == []
    stream = event_stream(fanout, js, "job_idle", None, ping_s=0.05)
    assert await asyncio.wait_for(anext(stream), GUARD_S) == PING
    await stream.aclose()
    assert fanout.watching("job_idle") == 0


async def test_events_of_other_jobs_are_not_sent(js, fanout):
    await publish(js, 0)
    reader = await asyncio.wait_for(reading(event_stream(fanout, js, JOB, None, ping_s=60)), GUARD_S)
    other = [await publish(js, step, job_id="job_other") for step in range(len(STEPS))]
    mine = [await publish(js, step) for step in range(1, len(STEPS))]
    ids = await asyncio.wait_for(reader, GUARD_S)
    assert ids[1:] == mine and not set(ids) & set(other)
