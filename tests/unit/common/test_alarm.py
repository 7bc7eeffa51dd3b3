"""Alarm: a wait that a wake ends at once, that ends by itself at its timeout, one waiter at a time."""

from __future__ import annotations

import asyncio

import pytest

from services.common.alarm import Alarm
from tests.support.polling import until


async def _waiting(alarm: Alarm, timeout: float) -> asyncio.Task[None]:
    task = asyncio.create_task(alarm.wait(timeout))
    await until(lambda: alarm.waiting, what="the waiter waiting")
    return task


async def test_a_wake_ends_a_long_wait_at_once():
    alarm = Alarm()
    task = await _waiting(alarm, timeout=3600)
    alarm.wake()
    await asyncio.wait_for(task, timeout=10)  # an hour's wait, ended by the wake
    assert not alarm.waiting


async def test_a_wait_nobody_wakes_ends_at_its_timeout():
    alarm = Alarm()
    await asyncio.wait_for(alarm.wait(0.01), timeout=10)
    assert not alarm.waiting


async def test_a_wake_with_nobody_waiting_is_not_kept_for_the_next_wait():
    alarm = Alarm()
    alarm.wake()
    task = await _waiting(alarm, timeout=3600)
    assert not task.done()
    alarm.wake()
    await asyncio.wait_for(task, timeout=10)


async def test_a_second_waiter_is_refused_and_the_first_still_woken():
    alarm = Alarm()
    first = await _waiting(alarm, timeout=3600)
    with pytest.raises(RuntimeError):
        await alarm.wait(3600)
    alarm.wake()
    await asyncio.wait_for(first, timeout=10)


async def test_a_cancelled_wait_leaves_the_alarm_free_for_the_next():
    alarm = Alarm()
    task = await _waiting(alarm, timeout=3600)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alarm.waiting
    again = await _waiting(alarm, timeout=3600)
    alarm.wake()
    await asyncio.wait_for(again, timeout=10)
