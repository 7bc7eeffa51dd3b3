"""A wait that ends at a timeout or when woken, whichever comes first, for one waiter at a time.

It waits on a bare future completed by `wake` or by a timer: `asyncio.wait_for` on an Event costs a
task, a waiter and their callbacks per wait on Python 3.11, and its wake-up takes two more turns
of the loop. Used where a wait is paid per frame (an SSE stream's next frame). (The outbox relay
between passes on it made a newcomer wait longer behind another tenant's backlog, B6 at window 8:
bench/README round 14; it stays on wait_for.)"""

from __future__ import annotations

import asyncio


class Alarm:
    def __init__(self) -> None:
        self._waiter: asyncio.Future[None] | None = None

    @property
    def waiting(self) -> bool:
        return self._waiter is not None

    def wake(self) -> None:
        """Ends the current wait now; nothing when none is waiting."""
        if self._waiter is not None:
            _release(self._waiter)

    async def wait(self, timeout: float) -> None:
        """Up to `timeout` seconds, less if woken. One waiter at a time: a second is refused."""
        if self._waiter is not None:
            raise RuntimeError("an alarm has one waiter at a time")
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(timeout, _release, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
