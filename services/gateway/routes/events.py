"""GET /v1/jobs/{jobId}/events: a job's status as server-sent events, read from JetStream.

Each event's `id:` is its sequence in the JOB_EVENTS stream, so any gateway replica can resume
a stream after `Last-Event-ID` with nothing missed and nothing repeated. A stream reads its
catch-up (the current state, or the events after `Last-Event-ID`) from the stream itself, then
takes the live events from the process's one subscription (event_fanout.py).

A stream also asks the store whether its job still exists every `RECHECK_PINGS` idle pings (once
a minute at the default 15 s REPORTS_SSE_PING_S) and ends, as on the deletion announcement, once
the store answers not found: an announcement lost while this gateway was away from NATS (core
NATS keeps nothing) would otherwise leave the stream, and its tenant's stream slot, held for good.
Any other answer (the store unreachable, a deadline) keeps the stream; it asks again next period.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from reports.v1 import job_pb2, store_pb2
from services.common import streams
from services.gateway import params
from services.gateway.calls import Call, call
from services.gateway.errors import ApiError
from services.gateway.event_fanout import EventFanout, Frame, StreamEnded, frame
from services.gateway.stream_slots import HeldStream, StreamSlots

NATS_WAIT_S = 5.0
PING = b": ping\n\n"
RECHECK_PINGS = 4  # idle pings between two checks that the job still exists


def job_exists_check(c: Call, job_id: str) -> Callable[[], Awaitable[bool]]:
    """Whether the store still has the job: False only on its not-found answer."""

    async def exists() -> bool:
        try:
            await c.backends.store.GetJob(
                store_pb2.GetJobRequest(tenant=c.tenant, job_id=job_id), timeout=c.timeout, metadata=c.metadata
            )
        except grpc.aio.AioRpcError as failed:
            return failed.code() != grpc.StatusCode.NOT_FOUND
        return True

    return exists


async def _stored(js: JetStreamContext, job_id: str, after: int | None) -> AsyncIterator[Frame]:
    """The catch-up: the job's last event when `after` is None, else every event after `after`;
    when the last event is at or before `after`, only that event if terminal (already sent: it
    just ends the stream)."""
    subject = streams.event_subject(job_id)
    try:
        last = await js.get_last_msg(streams.EVENTS_STREAM, subject)
    except NotFoundError:
        return
    if after is None:
        yield frame(_seq(last), job_pb2.JobEvent.FromString(last.data or b""))
        return
    if _seq(last) <= after:
        if (ended := frame(_seq(last), job_pb2.JobEvent.FromString(last.data or b""))).terminal:
            yield ended  # ends the stream unsent
        return
    while True:
        try:
            msg = await js.get_msg(streams.EVENTS_STREAM, seq=after + 1, subject=subject, next=True)
        except NotFoundError:
            return
        yield frame(_seq(msg), job_pb2.JobEvent.FromString(msg.data or b""))
        after = _seq(msg)


def _seq(msg: RawStreamMsg) -> int:
    assert msg.seq is not None  # a message read from a stream has its sequence there
    return msg.seq


async def event_stream(
    fanout: EventFanout,
    js: JetStreamContext,
    job_id: str,
    after: int | None,
    ping_s: float,
    job_exists: Callable[[], Awaitable[bool]] | None = None,
    recheck_pings: int = RECHECK_PINGS,
) -> AsyncIterator[bytes]:
    """The job's events from `after` on (from its current state when None), a ping each idle
    `ping_s`, until its terminal event, its deletion (announced, or found by `job_exists` every
    `recheck_pings` pings), or its client falling too far behind."""
    with fanout.watch(job_id) as live:  # joined before the catch-up is read: no gap
        if live.ended is not None:
            return  # the job was deleted just now
        sent = after
        async for stored in _stored(js, job_id, after):
            if sent is None or stored.seq > sent:
                yield stored.data
                sent = stored.seq
            if stored.terminal:
                return
        pings = 0
        while True:
            try:
                f = await live.next(ping_s)
            except StreamEnded:
                return
            if f is None:
                pings += 1
                if job_exists is not None and pings % recheck_pings == 0 and not await job_exists():
                    return  # deleted, its announcement lost: end as the announcement would
                yield PING
            elif sent is None or f.seq > sent:  # not already sent by the catch-up
                yield f.data
                sent = f.seq
                if f.terminal:
                    return


async def job_events(request: Request) -> StreamingResponse:
    c = call(request)
    job_id = params.resource_id(request, "job_id", "job")
    await c.backends.store.GetJob(
        store_pb2.GetJobRequest(tenant=c.tenant, job_id=job_id), timeout=c.timeout, metadata=c.metadata
    )
    try:
        await asyncio.wait_for(c.backends.nats_ready.wait(), NATS_WAIT_S)
    except TimeoutError:
        raise ApiError(503, "unavailable", "the event stream is unavailable; retry shortly") from None
    assert c.backends.nats is not None
    fanout: EventFanout = request.app.state.event_fanout
    await fanout.start(c.backends.nats)
    slots: StreamSlots = request.app.state.stream_slots
    slots.take(c.tenant)  # 429 past the tenant's cap; the response gives it back when it ends
    source = event_stream(
        fanout,
        c.backends.nats.jetstream(),
        job_id,
        params.last_event_id(request),
        request.app.state.settings.sse_ping_s,
        job_exists_check(c, job_id),
    )
    return HeldStream(
        slots,
        c.tenant,
        source,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


routes = [Route("/v1/jobs/{job_id}/events", job_events, methods=["GET"])]
