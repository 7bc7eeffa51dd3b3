"""The one polling helper, for async and sync tests alike."""

from __future__ import annotations

import pytest

from tests.support.polling import eventually, until


def counter(holds_at: int):
    calls = []

    def check() -> int | None:
        calls.append(1)
        return len(calls) if len(calls) >= holds_at else None

    return check


async def test_until_returns_the_first_truthy_value_of_a_plain_check():
    assert await until(counter(3), period_s=0) == 3


async def test_until_awaits_a_coroutine_check():
    check = counter(2)

    async def async_check() -> int | None:
        return check()

    assert await until(async_check, period_s=0) == 2


async def test_until_fails_naming_what_never_held():
    with pytest.raises(AssertionError, match=r"no idle dispatcher within 0.01s"):
        await until(lambda: False, timeout_s=0.01, what="idle dispatcher", period_s=0)


def test_eventually_is_until_for_a_sync_test():
    assert eventually(counter(2), period_s=0) == 2
    with pytest.raises(AssertionError, match=r"no answer within 0.01s"):
        eventually(lambda: None, timeout_s=0.01, what="answer", period_s=0)
