from __future__ import annotations

import asyncio
import logging

from services.common import backoff
from tests.support.polling import until

log = logging.getLogger("test-backoff")


def failing(times: int) -> tuple[list[int], object]:
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise ConnectionError(f"refused {len(calls)}")
        return "up"

    return calls, attempt


async def test_until_up_returns_the_first_success_and_logs_each_failure(caplog):
    calls, attempt = failing(2)
    with caplog.at_level(logging.WARNING, logger="test-backoff"):
        result = await backoff.until_up(attempt, log=log, waiting="not up yet", first_delay_s=0.001)
    assert result == "up" and len(calls) == 3
    assert [r.getMessage() for r in caplog.records] == ["not up yet: refused 1", "not up yet: refused 2"]


async def test_until_up_gives_up_with_none_once_stopping_is_set_during_a_wait():
    calls, attempt = failing(1_000)
    stopping = asyncio.Event()
    waiting = asyncio.create_task(
        backoff.until_up(attempt, log=log, waiting="down", stopping=stopping, first_delay_s=3600)
    )
    await until(lambda: calls, what="the first attempt")
    stopping.set()
    assert await waiting is None and len(calls) == 1
