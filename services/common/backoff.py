"""Retrying a connection until it is up: one backoff for every reconnect loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

FIRST_DELAY_S = 0.2
MAX_DELAY_S = 5.0


async def until_up(
    attempt: Callable[[], Awaitable[T]],
    *,
    log: logging.Logger,
    waiting: str,
    stopping: asyncio.Event | None = None,
    first_delay_s: float = FIRST_DELAY_S,
    max_delay_s: float = MAX_DELAY_S,
) -> T | None:
    """`attempt()`'s result once it succeeds. After each failure, logs a warning `<waiting>: <error>`
    and waits, doubling the wait from `first_delay_s` up to `max_delay_s`. None when `stopping` is
    set first (a wait ends as soon as it is)."""
    stopping = stopping or asyncio.Event()
    delay = first_delay_s
    while not stopping.is_set():
        try:
            return await attempt()
        except Exception as exc:  # noqa: BLE001 - any failure of the attempt is retried after the backoff
            log.warning("%s: %s", waiting, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=delay)
            delay = min(delay * 2, max_delay_s)
    return None
