"""Holding `GET /v1/jobs/{jobId}` open until the job ends (`Prefer: wait=N`).

Waiters are woken by the job's status events, never by polling the store: the gateway process
holds one NATS subscription to every job's events (`reports.events.>`) and wakes the waiters of a
job when a terminal event for it arrives. A waiter registers before it reads the job, so a job
that ends between the read and the wait still wakes it; a wake only prompts a fresh read from the
store, which stays the one source of truth (an event from an ordered replay, or one lost while
NATS was away, cannot make the answer wrong, only later). Without NATS, nothing can wake a waiter,
so `available()` is false and the route answers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from reports.v1 import job_pb2
from services.common import job_states, streams

log = logging.getLogger(__name__)

TERMINAL = frozenset(job_states.status_value(s) for s in job_states.TERMINAL)
_PREFIX = streams.event_subject("")


def is_terminal(job: job_pb2.Job) -> bool:
    return job.status in TERMINAL


class JobWaits:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._client: NatsClient | None = None
        self._lock = asyncio.Lock()

    async def available(self, nats: NatsClient | None) -> bool:
        """Subscribes once per NATS connection; false when there is no connection to wake us."""
        if nats is None or not nats.is_connected:
            return False
        async with self._lock:
            if self._client is not nats:
                await nats.subscribe(streams.EVENTS_SUBJECTS, cb=self._on_event)
                await nats.flush()   # the server has the subscription before any waiter reads its job
                self._client = nats
        return True

    async def _on_event(self, msg: Msg) -> None:
        job_id = msg.subject.removeprefix(_PREFIX)
        waiters = self._waiters.get(job_id)
        if not waiters:
            return
        try:
            event = job_pb2.JobEvent.FromString(msg.data)
        except Exception:  # noqa: BLE001 - a malformed event must not kill the subscription
            log.warning("unreadable job event on %s", msg.subject)
            return
        if event.status in TERMINAL:
            for woken in waiters:
                woken.set()

    def waiting(self, job_id: str) -> int:
        return len(self._waiters.get(job_id, ()))

    async def until_ended(self, job_id: str, read: Callable[[], Awaitable[job_pb2.Job]],
                          timeout: float) -> job_pb2.Job:
        """The job once it has ended, or as it is after `timeout` seconds."""
        woken = asyncio.Event()
        self._waiters.setdefault(job_id, set()).add(woken)
        try:
            deadline = time.monotonic() + timeout
            job = await read()
            while not is_terminal(job) and (left := deadline - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), left)
                woken.clear()
                job = await read()
            return job
        finally:
            waiters = self._waiters[job_id]
            waiters.discard(woken)
            if not waiters:
                del self._waiters[job_id]
