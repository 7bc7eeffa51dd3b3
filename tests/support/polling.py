"""Waiting in tests for what another part does on its own time: poll a check until it holds.

    await until(lambda: _has_events(url, job_id), what="the job's events")   # in an async test
    eventually(lambda: api.get(job_id)["status"] == "succeeded", what="a finished job")   # in a sync one

`check` is a function or a coroutine function; the first truthy value it returns is returned.
When it never holds, the test fails with an AssertionError naming `what`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from collections.abc import Callable
from typing import Any

PERIOD_S = 0.05


async def until(
    check: Callable[[], Any], timeout_s: float = 30.0, what: str = "condition", period_s: float = PERIOD_S
) -> Any:
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                value = check()
                if inspect.isawaitable(value):
                    value = await value
                if value:
                    return value
                await asyncio.sleep(period_s)
    except TimeoutError:
        raise AssertionError(f"no {what} within {timeout_s:g}s") from None


def eventually(
    check: Callable[[], Any], timeout_s: float = 30.0, what: str = "condition", period_s: float = PERIOD_S
) -> Any:
    """`until` for code that is not async: it blocks its thread, in an async test too (the polling
    runs on a thread of its own, so it never meets the test's event loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, until(check, timeout_s, what, period_s)).result()
