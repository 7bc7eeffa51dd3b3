"""Holding `GET /v1/jobs/{jobId}` open until the job ends (`Prefer: wait=N`).

Waiters are woken by the job's status events, never by polling the store: a waiter watches its job
on the process's one subscription to every job's events (event_fanout.py, shared with the SSE
streams) and reads the job again when a terminal event for it arrives. A waiter starts watching
before it reads the job, so a job that ends between the read and the wait still wakes it; a wake
only prompts a fresh read from the store, which stays the one source of truth (an event lost while
NATS was away cannot make the answer wrong, only later). Without NATS, nothing can wake a waiter,
so `available()` is false and the route answers at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from nats.aio.client import Client as NatsClient

from reports.v1 import job_pb2
from services.domain import job_states
from services.gateway.event_fanout import EventFanout, StreamEnded


def is_terminal(job: job_pb2.Job) -> bool:
    return job.status in job_states.TERMINAL_VALUES


class JobWaits:
    def __init__(self, fanout: EventFanout) -> None:
        self._fanout = fanout

    async def available(self, nats: NatsClient | None) -> bool:
        """False when there is no NATS connection to wake us."""
        if nats is None or not nats.is_connected:
            return False
        await self._fanout.start(nats)  # subscribed before any waiter reads its job
        return True

    async def until_ended(self, job_id: str, read: Callable[[], Awaitable[job_pb2.Job]], timeout: float) -> job_pb2.Job:
        """The job once it has ended, or as it is after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._fanout.watch(job_id) as events:
            job = await read()
            while not is_terminal(job) and (left := deadline - time.monotonic()) > 0:
                try:
                    event = await events.next(left)
                except StreamEnded:  # the job was deleted (or we fell behind): nothing will wake us
                    event = None
                    await asyncio.sleep(left)
                if event is None or event.terminal:
                    job = await read()
            return job
