"""This renderer's copy of the provider-budget bucket, kept current by a KV watch.

Every LLM call starts by reading its provider and model's schedule (services/renderer/shared_budget.py),
and for a model with no budget that read is all there is: it finds the hold a 429 taught some
renderer, or nothing. With the bucket watched, the read is this copy: a NATS round trip fewer per call.
A write another renderer makes reaches the copy one NATS delivery later (under a millisecond on
one network); a call that starts in between goes as it would have a moment earlier, and a budget's
compare-and-set against a copy that was behind loses and reads the key itself.

`get` answers None, and the caller reads the key from the bucket, until the watch has delivered the
whole bucket, whenever NATS is not connected, and after the watch failed (it starts again after
`RETRY_S`). The connection's reconnects also start the watch again: the ordered consumer behind it
notices a lost server only at its next heartbeat (seconds), and until then its copy could lag. What
stays possible is a watch that falls silent with the connection up (its consumer's server lost in
a cluster, the client connected to another): the copy lags until the ordered consumer's heartbeat
check recreates it, and meanwhile a hold another renderer learned for an unbudgeted model is missed
(its calls meet the provider's 429s, which the retry loop honours); a budgeted model's writes still
compare-and-set against the bucket itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.aio.client import Client as NatsClient
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

log = logging.getLogger(__name__)
RETRY_S = 1.0


class BudgetCopies:
    def __init__(self, nats: Callable[[], NatsClient | None], bucket: Callable[[], Awaitable[KeyValue]]) -> None:
        self._nats = nats
        self._bucket = bucket  # SharedKv.bucket
        self._entries: dict[str, tuple[bytes | None, int]] = {}  # a deleted key: (None, its revision)
        self._complete = False  # the watch has delivered every key once
        self._reconnects = 0  # the connection's reconnects when the watch started
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watch(), name="provider-budget-watch")

    async def aclose(self) -> None:
        task, self._task = self._task, None
        self._forget()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def current(self) -> bool:
        nc = self._nats()
        if nc is None or not nc.is_connected or not self._complete:
            return False
        if nc.stats["reconnects"] != self._reconnects:  # the watch may have missed writes meanwhile
            self._restart()
            return False
        return True

    def get(self, key: str) -> tuple[bytes | None, int] | None:
        """(value, revision) of the key, (None, 0) when it does not exist; None when this copy
        cannot be trusted to be current."""
        return self._entries.get(key, (None, 0)) if self.current else None

    def saw(self, key: str, value: bytes | None, revision: int) -> None:
        """A revision of the key (this renderer's own write, or the watch's delivery); an older one
        than the copy has is ignored."""
        if revision > self._entries.get(key, (None, 0))[1]:
            self._entries[key] = (value, revision)

    def _forget(self) -> None:
        self._complete = False
        self._entries.clear()

    def _restart(self) -> None:
        self._forget()
        if self._task is not None:
            self._task.cancel()
            self._task = asyncio.create_task(self._watch(), name="provider-budget-watch")

    async def _watch(self) -> None:
        failures = 0
        while True:
            try:
                nc = self._nats()
                self._reconnects = nc.stats["reconnects"] if nc is not None else 0
                kv = await self._bucket()
                watcher = await kv.watchall()
                try:
                    async for entry in watcher:
                        if entry is None:  # every key delivered once
                            self._complete, failures = True, 0
                        else:
                            deleted = entry.operation in (KV_DEL, KV_PURGE)
                            self.saw(entry.key, None if deleted else entry.value, entry.revision or 0)
                finally:
                    with contextlib.suppress(Exception):
                        await watcher.stop()  # type: ignore[no-untyped-call]
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the calls read the bucket meanwhile
                failures += 1
                log.log(
                    logging.WARNING if failures == 1 else logging.DEBUG,
                    "provider budget watch failed; each LLM call reads the bucket until it is back: %s",
                    type(exc).__name__ + (f": {exc}" if str(exc) else ""),
                )
            self._forget()
            await asyncio.sleep(RETRY_S)
