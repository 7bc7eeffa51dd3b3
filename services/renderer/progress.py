"""A running job's progress while the LLM writes, sent as events at most once an interval.

The provider adapters call `tokens(n)` as each chunk arrives (many times a second); at most one
`send` is in flight and at most one starts per `interval_s` (the first one `interval_s` after the
first chunk), so a fast stream costs a handful of store calls, not one per chunk, and an
answer quicker than that costs none. `waiting(seconds, reason)` is sent at once: the job is about to
wait on the provider. Progress is best effort: a send that fails is logged and the render goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from reports.v1 import job_pb2

log = logging.getLogger(__name__)

Send = Callable[[job_pb2.JobProgress], Awaitable[object]]


class ProgressReporter:
    def __init__(self, send: Send, interval_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._send = send
        self._interval_s = interval_s
        self._clock = clock
        self._last: float | None = None  # when the last send (or the first chunk) was
        self._task: asyncio.Task[None] | None = None

    def tokens(self, output_tokens: int) -> None:
        now = self._clock()
        if self._task is not None and not self._task.done():
            return
        if self._last is None:
            self._last = now
            return
        if now - self._last < self._interval_s:
            return
        self._last = now
        self._task = asyncio.create_task(self._quietly(job_pb2.JobProgress(output_tokens=output_tokens)))

    async def waiting(self, seconds: float, reason: str) -> None:
        await self._quietly(job_pb2.JobProgress(waiting_sec=round(seconds, 3), waiting_reason=reason[:300]))

    async def aclose(self) -> None:
        """Waits for the send in flight, so no progress event follows the job's next one."""
        if self._task is not None:
            await self._task

    async def _quietly(self, progress: job_pb2.JobProgress) -> None:
        try:
            await self._send(progress)
        except Exception as exc:  # noqa: BLE001 - best effort: the report matters, its progress does not
            log.warning("progress not sent", extra={"reason": f"{type(exc).__name__}: {exc}"})
