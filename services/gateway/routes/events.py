"""GET /v1/jobs/{jobId}/events: a job's status as server-sent events, read from JetStream.

Each event's `id:` is its sequence in the JOB_EVENTS stream, so any gateway replica can resume
a stream after `Last-Event-ID` with nothing missed and nothing repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from reports.v1 import job_pb2, store_pb2
from services.common import job_states, streams
from services.gateway import params, views
from services.gateway.calls import call
from services.gateway.errors import ApiError
from services.gateway.stream_slots import HeldStream, StreamSlots

NATS_WAIT_S = 5.0
TERMINAL = {job_states.status_value(s) for s in job_states.TERMINAL}


def sse_event(seq: int, event: job_pb2.JobEvent) -> str:
    return f"id: {seq}\nevent: status\ndata: {json.dumps(views.event_json(event))}\n\n"


async def _event_source(js: JetStreamContext, job_id: str, after: int | None, ping_s: float,
                        exists: Callable[[], Awaitable[bool]] | None = None) -> AsyncIterator[str]:
    """The job's events from `after` on; each idle `ping_s` a ping, or the end of the stream once
    `exists` says the job was deleted (its events are purged: a reconnect answers 404)."""
    subject = streams.event_subject(job_id)
    try:
        last = await js.get_last_msg(streams.EVENTS_STREAM, subject)
    except NotFoundError:
        last = None
    if after is None and last is not None:
        # The current state first, then everything after it.
        event = job_pb2.JobEvent.FromString(last.data or b"")
        yield sse_event(last.seq, event)
        if event.status in TERMINAL:
            return
        after = last.seq
    elif after is not None and last is not None and last.seq <= after:
        if job_pb2.JobEvent.FromString(last.data or b"").status in TERMINAL:
            return
    config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    if after is not None:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=after + 1)
    sub = await js.subscribe(subject, stream=streams.EVENTS_STREAM, ordered_consumer=True, config=config)
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=ping_s)
            except TimeoutError:
                if exists is not None and not await exists():
                    return
                yield ": ping\n\n"
                continue
            seq = msg.metadata.sequence.stream
            if after is not None and seq <= after:
                # nats-py restarts an ordered consumer that lost its server (a NATS node died)
                # from the stream's start, not from where it was asked to begin: skip what was sent.
                continue
            after = seq
            event = job_pb2.JobEvent.FromString(msg.data)
            yield sse_event(seq, event)
            if event.status in TERMINAL:
                return
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def job_events(request: Request) -> StreamingResponse:
    c = call(request)
    job_id = params.resource_id(request, "job_id", "job")
    await c.backends.store.GetJob(store_pb2.GetJobRequest(tenant=c.tenant, job_id=job_id),
                                  timeout=c.timeout, metadata=c.metadata)
    try:
        await asyncio.wait_for(c.backends.nats_ready.wait(), NATS_WAIT_S)
    except TimeoutError:
        raise ApiError(503, "unavailable", "the event stream is unavailable; retry shortly") from None
    assert c.backends.nats is not None
    async def exists() -> bool:
        try:
            await c.backends.store.GetJob(store_pb2.GetJobRequest(tenant=c.tenant, job_id=job_id),
                                          timeout=c.timeout, metadata=c.metadata)
        except grpc.aio.AioRpcError as exc:
            return exc.code() != grpc.StatusCode.NOT_FOUND
        return True

    slots: StreamSlots = request.app.state.stream_slots
    slots.take(c.tenant)   # 429 past the tenant's cap; the response gives it back when it ends
    source = _event_source(c.backends.nats.jetstream(), job_id, params.last_event_id(request),
                           request.app.state.settings.sse_ping_s, exists)
    return HeldStream(slots, c.tenant, source, media_type="text/event-stream",
                      headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


routes = [Route("/v1/jobs/{job_id}/events", job_events, methods=["GET"])]
