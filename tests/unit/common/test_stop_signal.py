"""A service stopped by a signal logs which one before it drains (B3's renderers stopped silently)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from services.common import grpc_server, runtime


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_the_stop_signal_is_logged_once_and_a_second_one_ignored(
    sig: signal.Signals, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="services.common.grpc_server")
    loop = asyncio.get_running_loop()
    waiter = asyncio.create_task(grpc_server.wait_for_stop_signal())
    await asyncio.sleep(0)  # one turn of the loop: the task runs up to its await, handlers installed
    os.kill(os.getpid(), sig)
    try:
        assert await asyncio.wait_for(waiter, 10) == sig
        os.kill(os.getpid(), sig)  # while draining: still handled, so neither fatal nor logged again
        assert [r.getMessage() for r in caplog.records] == [f"stopping: {sig.name} received"]
    finally:
        for installed in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(installed)


class _Service:
    def __init__(self) -> None:
        self.stopped = False

    async def stop(self) -> None:
        self.stopped = True


async def test_a_service_is_stopped_when_a_task_it_cannot_work_without_ends():
    loop = asyncio.get_running_loop()
    service, consumer_gone = _Service(), asyncio.Event()
    consumer = asyncio.create_task(consumer_gone.wait())
    serving = asyncio.create_task(runtime.until_stopped(service, consumer))
    consumer_gone.set()
    try:
        await asyncio.wait_for(serving, 10)
        assert service.stopped
    finally:
        for installed in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(installed)
