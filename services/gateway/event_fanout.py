"""Every job's status events reach this gateway process once, and each SSE stream of the job from there.

One JetStream ordered consumer per process reads every job's events (`reports.events.>`) from the
JOB_EVENTS stream as they are stored, with their stream sequence (the SSE `id:`). An event of a job
nobody here watches is not even decoded; an event of a watched job is decoded and encoded as an SSE
frame once, and that same frame is handed to each of the job's streams (and to each request
waiting for the job's end, job_waits.py).

A stream joins before it reads its catch-up (the current state, or what follows its
`Last-Event-ID`) from the stream, so an event stored after that read is always delivered live, and
one both read and delivered is sent once: a stream skips every frame whose sequence is not above
the last one it sent. No gap, no duplicate, whatever the timing.

Slow streams never hold the others back: handing a frame over never waits. Each stream keeps at
most `queue_frames` frames not yet written to its client; a stream that falls further behind is
ended (its client reconnects with `Last-Event-ID` and catches up from the stream).

A deleted job's events are purged by the store's outbox relay, which then announces it on
`reports.deleted.<jobId>` (core NATS, stored nowhere); the job's streams end when it arrives, and
a stream that joins just after (the deletion recorded here for a while) ends at once. An
announcement lost while this process was away from NATS is made up for by the stream itself: it
asks the store every few pings whether its job still exists (routes/events.py, RECHECK_PINGS).

The ordered consumer starts at the stream's end when the process first needs it and, should its
NATS node go away, nats-py makes a new one from the last sequence it delivered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from reports.v1 import job_pb2
from services.common import streams
from services.domain import job_states
from services.gateway import convert

log = logging.getLogger(__name__)

QUEUE_FRAMES = 256  # frames a stream may hold unwritten before it is ended
REMEMBERED_DELETIONS = 4096
_EVENTS_PREFIX = streams.event_subject("")
_DELETED_PREFIX = streams.deleted_subject("")


@dataclass(frozen=True)
class Frame:
    seq: int
    data: bytes  # the whole SSE frame, shared by every stream of the job
    terminal: bool


def frame(seq: int, event: job_pb2.JobEvent) -> Frame:
    data = f"id: {seq}\nevent: status\ndata: {json.dumps(convert.event_json(event))}\n\n".encode()
    return Frame(seq, data, event.status in job_states.TERMINAL_VALUES)


class StreamEnded(Exception):
    """The stream must end: its client fell behind, or the job was deleted."""


class Subscriber:
    """One SSE stream's frames, handed over by the fan-out and taken by the stream's response, one
    reader at a time.

    The reader waits for its next frame on a bare future that the fan-out completes: every frame
    of a burst wakes each of its job's streams, so the wait costs one future and one timer, not
    what `asyncio.wait_for` on an Event costs (on Python 3.11 a task, a waiter and their
    callbacks)."""

    def __init__(self, limit: int) -> None:
        self._frames: deque[Frame] = deque()
        self._limit = limit
        self._waiter: asyncio.Future[None] | None = None
        self.ended: str | None = None

    def offer(self, f: Frame) -> None:
        if self.ended is not None:
            return
        if len(self._frames) >= self._limit:
            self.end("behind")
            return
        self._frames.append(f)
        self._wake()

    def pending(self) -> int:
        return len(self._frames)

    def end(self, reason: str) -> None:
        self.ended = reason
        self._frames.clear()
        self._wake()

    @property
    def waiting(self) -> bool:
        """Whether its reader is waiting for a frame."""
        return self._waiter is not None

    def _wake(self) -> None:
        if self._waiter is not None:
            _release(self._waiter)

    async def next(self, timeout: float) -> Frame | None:
        """The next frame; None when none came within `timeout`. Raises StreamEnded."""
        if not self._frames and self.ended is None:
            if self.waiting:
                raise RuntimeError("a subscriber has one reader: another is waiting for its next frame")
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = loop.call_later(timeout, _release, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
            if not self._frames and self.ended is None:
                return None
        if self.ended is not None:
            raise StreamEnded(self.ended)
        return self._frames.popleft()


def _release(waiter: asyncio.Future[None]) -> None:
    """Ends a reader's wait: a frame, the stream's end or its timeout, whichever comes first."""
    if not waiter.done():
        waiter.set_result(None)


class EventFanout:
    def __init__(self, queue_frames: int = QUEUE_FRAMES) -> None:
        self._queue_frames = queue_frames
        self._jobs: dict[str, set[Subscriber]] = {}
        self._deleted: OrderedDict[str, None] = OrderedDict()
        self._client: NatsClient | None = None
        self._lock = asyncio.Lock()

    async def start(self, nats: NatsClient) -> None:
        """Subscribes once per NATS connection, before any stream joins."""
        async with self._lock:
            if self._client is nats:
                return
            js = nats.jetstream()
            start = (await js.stream_info(streams.EVENTS_STREAM)).state.last_seq + 1
            config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start)
            subscription = await js.subscribe(
                streams.EVENTS_SUBJECTS,
                stream=streams.EVENTS_STREAM,
                ordered_consumer=True,
                config=config,
                cb=self._on_event,
            )
            # nats-py restarts an ordered consumer from the last sequence it delivered + 1, which is
            # the stream's start (every event of the last week again) until it has delivered one.
            ordered = subscription._sub._jsi
            assert ordered is not None  # an ordered consumer's subscription always has its state
            ordered._sseq = start - 1
            await nats.subscribe(streams.DELETED_SUBJECTS, cb=self._on_deleted)
            await nats.flush()
            self._client = nats

    @contextmanager
    def watch(self, job_id: str) -> Iterator[Subscriber]:
        """A stream of the job's frames from now on, for as long as the block runs."""
        subscriber = Subscriber(self._queue_frames)
        if job_id in self._deleted:
            subscriber.end("deleted")
        self._jobs.setdefault(job_id, set()).add(subscriber)
        try:
            yield subscriber
        finally:
            subscribers = self._jobs[job_id]
            subscribers.discard(subscriber)
            if not subscribers:
                del self._jobs[job_id]

    def watching(self, job_id: str) -> int:
        return len(self._jobs.get(job_id, ()))

    def pending(self, job_id: str) -> int:
        """Frames of the job handed to its streams and not yet taken."""
        return sum(s.pending() for s in self._jobs.get(job_id, ()))

    async def _on_event(self, msg: Msg) -> None:
        subscribers = self._jobs.get(msg.subject.removeprefix(_EVENTS_PREFIX))
        if not subscribers:
            return
        try:
            shared = frame(msg.metadata.sequence.stream, job_pb2.JobEvent.FromString(msg.data))
        except Exception:  # noqa: BLE001 - a malformed event must not end the subscription
            log.warning("unreadable job event on %s", msg.subject)
            return
        for subscriber in list(subscribers):
            subscriber.offer(shared)

    async def _on_deleted(self, msg: Msg) -> None:
        job_id = msg.subject.removeprefix(_DELETED_PREFIX)
        self._deleted[job_id] = None
        if len(self._deleted) > REMEMBERED_DELETIONS:
            self._deleted.popitem(last=False)
        for subscriber in list(self._jobs.get(job_id, ())):
            subscriber.end("deleted")
