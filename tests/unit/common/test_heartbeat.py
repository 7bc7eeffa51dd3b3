"""keep_in_progress: a heartbeat at once, then every third of the ack wait; a failed one is logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

from services.common import heartbeat
from tests.support.polling import until


class Message:
    """Stands in for a JetStream message: counts `in_progress` calls, failing the first `failures`."""

    def __init__(self, failures: int = 0) -> None:
        self.calls = 0
        self.failures = failures

    async def in_progress(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("nats: connection closed")


def test_the_period_is_a_third_of_the_ack_wait():
    assert heartbeat.period_s(30.0) == 10.0
    assert heartbeat.period_s(0.01) == 0.1


async def test_the_first_heartbeat_goes_out_before_any_period_passes():
    msg = Message()
    task = asyncio.create_task(heartbeat.keep_in_progress(msg, ack_wait_s=3600))  # type: ignore[arg-type]
    try:
        await until(lambda: msg.calls == 1, what="the first heartbeat")
    finally:
        task.cancel()


async def test_a_failed_heartbeat_is_logged_and_the_next_one_still_goes_out(caplog: pytest.LogCaptureFixture):
    msg = Message(failures=1)
    with caplog.at_level(logging.WARNING, logger=heartbeat.__name__):
        task = asyncio.create_task(heartbeat.keep_in_progress(msg, ack_wait_s=0.3))  # type: ignore[arg-type]
        try:
            await until(lambda: msg.calls >= 2, what="a heartbeat after the failed one")
        finally:
            task.cancel()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "connection closed" in warnings[0].getMessage()
