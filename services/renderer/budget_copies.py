"""This renderer's copy of the provider-budget bucket, kept current by a KV watch.

Every LLM call starts by reading its provider and model's schedule (services/renderer/shared_budget.py),
and for a model with no budget that read is all there is: it finds the hold a 429 taught some
renderer, or nothing. With the bucket watched, the read is this copy: a NATS round trip fewer per call.
A write another renderer makes reaches the copy one NATS delivery later (under a millisecond on
one network); a call that starts in between goes as it would have a moment earlier, and a budget's
compare-and-set against a copy that was behind loses and reads the key itself.

`get` answers None, and the caller reads the key from the bucket, until the watch has delivered the
whole bucket, whenever NATS is not connected, and after the watch failed (it starts again after
`RETRY_S`): the copy is used only while it can be current.
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
        self._entries: dict[str, tuple[bytes | None, int]] = {}
        self._complete = False  # the watch has delivered every key once
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watch(), name="provider-budget-watch")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def current(self) -> bool:
        nc = self._nats()
        return self._complete and nc is not None and nc.is_connected

    def get(self, key: str) -> tuple[bytes | None, int] | None:
        """(value, revision) of the key, (None, 0) when it does not exist; None when this copy
        cannot be trusted to be current."""
        return self._entries.get(key, (None, 0)) if self.current else None

    def saw(self, key: str, value: bytes | None, revision: int) -> None:
        """A revision of the key this renderer read or wrote itself."""
        if revision > self._entries.get(key, (None, 0))[1]:
            self._entries[key] = (value, revision)

    async def _watch(self) -> None:
        while True:
            try:
                kv = await self._bucket()
                watcher = await kv.watchall()
                try:
                    async for entry in watcher:
                        if entry is None:  # every key delivered once
                            self._complete = True
                        elif entry.operation in (KV_DEL, KV_PURGE):
                            self._entries.pop(entry.key, None)
                        else:
                            self.saw(entry.key, entry.value, entry.revision or 0)
                finally:
                    with contextlib.suppress(Exception):
                        await watcher.stop()  # type: ignore[no-untyped-call]
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("provider budget watch stopped; reading the bucket until it is back", exc_info=exc)
            self._complete = False
            self._entries.clear()
            await asyncio.sleep(RETRY_S)
