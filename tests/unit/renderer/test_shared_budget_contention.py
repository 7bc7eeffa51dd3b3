"""The shared provider budget under contention, against a fake KV bucket that other renderers keep
writing: a lost compare-and-set backs off with jitter and tries again within the render's deadline;
only an unreachable bucket lets a call go unbudgeted, and that is counted."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from nats.js.errors import KeyWrongLastSequenceError

from services.renderer.budgets import Budget, Observed, Schedule
from services.renderer.shared_budget import FAIL_OPEN, BudgetExhausted, SharedBudget

LIMITS = {("openai", "m"): Budget(rpm=600)}  # one call every 0.1 s


@dataclass
class Entry:
    value: bytes
    revision: int


class ContendedKv:
    """A bucket where another renderer writes the key before each of our first `losses` writes
    (a write that leaves the schedule as it was: only the revision moves)."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.value = Schedule().encode()
        self.revision = 1
        self.written = 0

    async def get(self, key: str) -> Entry:
        return Entry(self.value, self.revision)

    async def update(self, key: str, value: bytes, last: int) -> int:
        if self.losses > 0:  # the other renderer's write came first
            self.losses -= 1
            self.revision += 1
            raise KeyWrongLastSequenceError
        assert last == self.revision
        self.value, self.revision, self.written = value, self.revision + 1, self.written + 1
        return self.revision


class FakeNats:
    def __init__(self, kv: object | None) -> None:
        self.kv = kv
        self.is_connected = kv is not None

    def jetstream(self) -> FakeNats:
        return self

    async def key_value(self, name: str) -> object:
        return self.kv


class Clocks:
    """Monotonic time that moves only when the budget sleeps; the sleeps it asked for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _budget(kv: object | None, clocks: Clocks) -> SharedBudget:
    nats = FakeNats(kv)
    return SharedBudget(
        lambda: nats,  # type: ignore[arg-type, return-value]
        LIMITS,
        clock=lambda: 1000.0,
        sleep=clocks.sleep,
        monotonic=lambda: clocks.now,
        jitter=lambda: 0.5,
        backoff_sleep=clocks.sleep,
    )


async def test_a_reservation_that_keeps_losing_the_race_backs_off_and_is_still_made():
    kv, clocks = ContendedKv(losses=40), Clocks()
    before = FAIL_OPEN.labels("reserve")._value.get()
    await _budget(kv, clocks).admit("openai", "m", 10, latest_s=60.0)
    assert kv.written == 1  # reserved, not waved through unbudgeted
    backoffs = clocks.sleeps
    assert len(backoffs) == 40
    assert backoffs[:3] == pytest.approx([0.0075, 0.015, 0.03])  # doubling, times the jitter's 0.75
    assert max(backoffs) == pytest.approx(0.25 * 0.75)
    assert FAIL_OPEN.labels("reserve")._value.get() == before


async def test_a_reservation_contended_past_the_deadline_is_refused_not_made_unbudgeted():
    kv, clocks = ContendedKv(losses=10_000), Clocks()
    with pytest.raises(BudgetExhausted) as refused:
        await _budget(kv, clocks).admit("openai", "m", 10, latest_s=2.0)
    assert refused.value.contended and kv.written == 0
    assert clocks.now <= 2.0


async def test_a_learned_limit_contended_past_its_bound_is_dropped_without_failing_the_call():
    kv, clocks = ContendedKv(losses=10_000), Clocks()
    before = FAIL_OPEN.labels("learn")._value.get()
    await _budget(kv, clocks).learn("openai", "m", Observed(blocked_s=5.0))
    assert kv.written == 0 and 0 < clocks.now <= 1.0
    assert FAIL_OPEN.labels("learn")._value.get() == before  # contention is not an unreachable bucket


async def test_an_unreachable_bucket_lets_the_call_go_and_counts_the_fail_open():
    clocks = Clocks()
    before = FAIL_OPEN.labels("reserve")._value.get()
    assert not await _budget(None, clocks).admit("openai", "m", 10, latest_s=60.0)
    assert FAIL_OPEN.labels("reserve")._value.get() == before + 1
    assert clocks.sleeps == []


async def test_a_call_that_wakes_long_after_its_slot_takes_a_new_one_instead_of_going_in_a_bunch():
    kv, clocks = ContendedKv(losses=0), Clocks()
    wall = {"now": 1000.0}
    told: list[float | None] = []

    async def on_wait(seconds: float | None, why: str) -> None:
        told.append(seconds)

    async def stalled_sleep(seconds: float) -> None:  # the first sleep overruns by 2 s, the next do not
        clocks.sleeps.append(seconds)
        wall["now"] += seconds + (2.0 if len(clocks.sleeps) == 1 else 0.0)

    nats = FakeNats(kv)
    budget = SharedBudget(
        lambda: nats,  # type: ignore[arg-type, return-value]
        LIMITS,
        clock=lambda: wall["now"],
        sleep=stalled_sleep,
        monotonic=lambda: clocks.now,
        jitter=lambda: 0.5,
        backoff_sleep=clocks.sleep,
    )
    kv.value = Schedule(requests=1000.5).encode()  # four calls ahead of ours in the schedule
    assert await budget.admit("openai", "m", 10, on_wait)
    assert kv.written == 2  # a second slot, taken from the later now
    assert clocks.sleeps == pytest.approx([0.5])  # the new slot was free at once
    assert told == [pytest.approx(0.5), None]  # told once, and once when it goes
