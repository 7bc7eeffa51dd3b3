"""A chunked answer read through httpx with `batched_body` installed: the same bytes, fewer pieces."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx2
import pytest

from services.renderer.providers import batched_body

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


@contextlib.asynccontextmanager
async def serving(answer: Answer) -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await answer(writer)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    finally:
        server.close()


async def pieces(url: str, each: Callable[[bytes], None] = lambda _: None) -> list[bytes]:
    batched_body.install()
    got: list[bytes] = []
    async with httpx2.AsyncClient() as client, client.stream("GET", url) as response:
        async for piece in response.aiter_raw():
            got.append(piece)
            each(piece)
    return got


EVENTS = [b'data: {"n": %d}\n\n' % i for i in range(50)]


async def test_chunks_that_came_in_one_read_are_handed_over_together() -> None:
    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(HEAD + b"".join(chunk(e) for e in EVENTS) + b"0\r\n\r\n")
        await writer.drain()

    async with serving(answer) as url:
        got = await pieces(url)
    assert b"".join(got) == b"".join(EVENTS)
    assert len(got) < len(EVENTS)


async def test_a_chunk_is_handed_over_without_waiting_for_the_next() -> None:
    first_seen = asyncio.Event()

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(HEAD + chunk(EVENTS[0]))
        await writer.drain()
        await first_seen.wait()  # the next chunk is sent only once the first was read
        writer.write(chunk(EVENTS[1]) + b"0\r\n\r\n")
        await writer.drain()

    async with serving(answer) as url:
        got = await asyncio.wait_for(pieces(url, lambda _: first_seen.set()), 30)
    assert got == EVENTS[:2]


async def test_a_broken_chunk_fails_after_the_chunks_before_it() -> None:
    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(HEAD + chunk(EVENTS[0]) + chunk(EVENTS[1]) + b"not a chunk size\r\n")
        await writer.drain()

    got: list[bytes] = []
    async with serving(answer) as url:
        with pytest.raises(httpx2.RemoteProtocolError):
            await pieces(url, got.append)
    assert b"".join(got) == EVENTS[0] + EVENTS[1]


async def test_the_connection_is_reused_after_a_joined_answer_ends() -> None:
    """The end of the message, met while joining, moves h11 to its next cycle: the pool sends the
    next request on the same connection."""
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        for _ in range(2):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(HEAD + b"".join(chunk(e) for e in EVENTS) + b"0\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    batched_body.install()
    try:
        async with httpx2.AsyncClient() as client:
            for _ in range(2):
                async with client.stream("GET", url) as response:
                    assert b"".join([piece async for piece in response.aiter_raw()]) == b"".join(EVENTS)
    finally:
        server.close()
    assert connections == 1
