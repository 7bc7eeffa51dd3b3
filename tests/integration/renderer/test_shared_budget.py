"""Provider budgets shared through a real nats-server's KV bucket: two renderers' reservations line up
in one schedule, a spent limit one of them learns holds the other back, a slot past the deadline is
refused without reserving, and a missing bucket fails open; a renderer that watches the bucket reads
its own copy, and the same holds."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js.kv import KeyValue

from services.common import streams
from services.renderer.budgets import Budget, Observed
from services.renderer.shared_budget import BudgetExhausted, SharedBudget
from stack.nats_server import NatsServer
from tests.support.polling import until

LIMITS = {("openai", "m"): Budget(rpm=600)}  # one call every 0.1 s


def _renderer(nc: NatsClient, waits: list[float], now: float = 1000.0) -> SharedBudget:
    async def sleep(seconds: float) -> None:  # records the wait instead of spending it
        waits.append(seconds)

    return SharedBudget(lambda: nc, LIMITS, clock=lambda: now, sleep=sleep)


async def test_two_renderers_reserve_distinct_slots_one_interval_apart(nc):
    waits: list[float] = []
    first, second = _renderer(nc, waits), _renderer(nc, waits)
    calls = [r.admit("openai", "m", 0) for r in (first, second) for _ in range(5)]
    waited = await asyncio.gather(*calls)
    assert sum(waited) == 9  # all but the first call waited
    assert sorted(round(w, 6) for w in waits) == [round(0.1 * i, 6) for i in range(1, 10)]


async def test_a_spent_limit_learned_by_one_renderer_holds_the_other_back(nc):
    waits: list[float] = []
    told: list[tuple[float | None, str]] = []

    async def on_wait(seconds: float | None, why: str) -> None:
        told.append((seconds, why))

    await _renderer(nc, []).learn("openai", "unconfigured", Observed(blocked_s=4.0))
    assert await _renderer(nc, waits).admit("openai", "unconfigured", 100, on_wait)
    assert waits == [pytest.approx(4.0)]
    assert told[0][0] == pytest.approx(4.0) and "provider said its limit is spent" in told[0][1]
    assert told[1] == (None, "")  # the wait is over


async def test_a_slot_past_the_deadline_is_refused_and_nothing_is_reserved(nc):
    renderer = _renderer(nc, [])
    await renderer.learn("openai", "m", Observed(blocked_s=30.0))
    with pytest.raises(BudgetExhausted):
        await renderer.admit("openai", "m", 0, latest_s=10.0)
    waits: list[float] = []
    await _renderer(nc, waits).admit("openai", "m", 0)
    assert waits == [pytest.approx(30.0)]  # the refused call took no slot


async def test_without_the_bucket_calls_go_at_once(nats_server):
    client = await nats.connect(nats_server.url)  # no streams made: no llm_budget bucket
    try:
        waits: list[float] = []
        assert not await _renderer(client, waits).admit("openai", "m", 0)
        assert waits == []
    finally:
        await client.close()


@pytest.fixture
def bucket_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys read from any KV bucket in this process, in order."""
    reads: list[str] = []
    get = KeyValue.get

    async def counted(self: KeyValue, key: str, *args: object, **kwargs: object) -> KeyValue.Entry:
        reads.append(key)
        return await get(self, key, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(KeyValue, "get", counted)
    return reads


async def _watching(nc: NatsClient, waits: list[float]) -> SharedBudget:
    renderer = _renderer(nc, waits)
    renderer.start_watching()
    await until(lambda: renderer.copy_current, what="the bucket copied")
    return renderer


async def test_a_watching_renderer_honours_a_hold_another_learned_without_reading_the_bucket(nc, bucket_reads):
    waits: list[float] = []
    watching = await _watching(nc, waits)
    try:
        await _renderer(nc, []).learn("openai", "unconfigured", Observed(blocked_s=4.0))
        reads_before = len(bucket_reads)  # the learning renderer read the key before writing it
        await until(
            lambda: watching.admit("openai", "unconfigured", 100), what="the hold reached the watching renderer"
        )
        assert waits == [pytest.approx(4.0)]
        assert bucket_reads[reads_before:] == []
    finally:
        await watching.aclose()


async def test_watching_renderers_still_reserve_distinct_slots(nc):
    # their copies fall behind each other's writes: a compare-and-set against one loses and reads the key
    waits: list[float] = []
    first, second = await _watching(nc, waits), await _watching(nc, waits)
    try:
        waited = await asyncio.gather(*(r.admit("openai", "m", 0) for r in (first, second) for _ in range(5)))
        assert sum(waited) == 9
        assert sorted(round(w, 6) for w in waits) == [round(0.1 * i, 6) for i in range(1, 10)]
    finally:
        await first.aclose()
        await second.aclose()


async def test_after_nats_comes_back_the_copy_is_read_again_only_once_the_watch_caught_up(tmp_path):
    server = NatsServer(tmp_path / "nats", tmp_path / "nats.log").start()
    client = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    waits: list[float] = []
    watching = None
    try:
        await streams.ensure_streams(client.jetstream(), streams.StreamSettings())
        watching = await _watching(client, waits)
        server.stop()
        await until(lambda: not client.is_connected, what="the connection lost")
        assert not watching.copy_current
        server.start()
        await until(lambda: client.is_connected, what="the connection back")
        # learned while the watch had to start again: the copy must not answer without it
        await _renderer(client, []).learn("openai", "unconfigured", Observed(blocked_s=4.0))
        assert await watching.admit("openai", "unconfigured", 100)
        assert waits == [pytest.approx(4.0)]
        await until(lambda: watching.copy_current, what="the watch caught up")
    finally:
        if watching is not None:
            await watching.aclose()
        await client.close()
        server.stop()
