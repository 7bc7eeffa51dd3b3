"""The per-tenant cap on open event streams, and a slot given back however a stream ends."""

from __future__ import annotations

import asyncio

import pytest

from services.gateway.errors import ApiError
from services.gateway.event_fanout import EventFanout
from services.gateway.stream_slots import HeldStream, StreamSlots


def test_past_the_cap_a_tenant_gets_429_with_retry_after_and_others_are_unaffected():
    slots = StreamSlots(per_tenant=2)
    slots.take("acme")
    slots.take("acme")
    with pytest.raises(ApiError) as refused:
        slots.take("acme")
    assert (refused.value.status, refused.value.code, refused.value.headers) == (
        429,
        "too_many_streams",
        {"Retry-After": "5"},
    )
    slots.take("globex")
    slots.give_back("acme")
    slots.take("acme")
    assert slots.open_for("acme") == 2


async def test_a_stream_cut_by_its_client_gives_its_slot_back():
    slots = StreamSlots(per_tenant=1)
    slots.take("acme")
    started = asyncio.Event()

    async def forever():  # type: ignore[no-untyped-def]
        yield "event\n"
        started.set()
        await asyncio.Event().wait()

    response = HeldStream(slots, "acme", forever(), media_type="text/event-stream")
    messages: asyncio.Queue[dict] = asyncio.Queue()
    disconnect = asyncio.Event()

    async def receive() -> dict:
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        await messages.put(message)

    serving = asyncio.create_task(response({"type": "http", "asgi": {"spec_version": "2.3"}}, receive, send))
    await started.wait()
    assert slots.open_for("acme") == 1
    disconnect.set()
    await serving
    assert slots.open_for("acme") == 0


async def test_a_client_leaving_while_a_chunk_is_being_sent_takes_its_stream_off_the_fanout():
    fanout = EventFanout()
    slots = StreamSlots(per_tenant=1)
    slots.take("acme")
    sending = asyncio.Event()

    async def watching_job():  # type: ignore[no-untyped-def]
        with fanout.watch("job_1"):
            while True:
                yield "event\n"

    response = HeldStream(slots, "acme", watching_job(), media_type="text/event-stream")
    disconnect = asyncio.Event()

    async def receive() -> dict:
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            sending.set()
            await asyncio.Event().wait()  # the chunk never gets out: the client is leaving

    serving = asyncio.create_task(response({"type": "http", "asgi": {"spec_version": "2.3"}}, receive, send))
    await sending.wait()
    assert fanout.watching("job_1") == 1
    disconnect.set()
    await serving
    assert fanout.watching("job_1") == 0  # `response` still holds the generator: no GC involved
    assert slots.open_for("acme") == 0
