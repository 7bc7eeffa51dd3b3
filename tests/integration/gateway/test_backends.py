"""The gateway's backends close whatever their NATS connect is doing, and leave no connection open.

The gateway connects to NATS in the background (services/gateway/backends.py), so a shutdown can
come while that connect is half done. A TCP server that accepts and never says INFO holds the
connect there, and shows whether the client hung up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.gateway.backends import Backends

NO_GRPC = "127.0.0.1:1"  # never dialled: the test makes no call


@pytest.fixture
async def silent_server() -> AsyncIterator[tuple[str, asyncio.Queue[asyncio.StreamReader]]]:
    """A NATS address that accepts connections and says nothing; the readers of what it accepted."""
    accepted: asyncio.Queue[asyncio.StreamReader] = asyncio.Queue()
    writers: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await accepted.put(reader)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"nats://127.0.0.1:{port}", accepted
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def test_closing_while_the_nats_connect_is_half_done_hangs_up_its_connection(silent_server):
    url, accepted = silent_server
    backends = Backends.open(NO_GRPC, NO_GRPC, url)
    first = await asyncio.wait_for(accepted.get(), 30)  # the connect waits for the server's INFO
    await backends.close()

    readers = [first]
    while not accepted.empty():  # a connect that timed out on a slow machine tried again
        readers.append(accepted.get_nowait())
    for reader in readers:
        assert await asyncio.wait_for(reader.read(), 30) == b"", "the gateway left a NATS connection open"
    assert backends.nats is None and not backends.nats_ready.is_set()


async def test_closing_once_connected_closes_the_connection(nats_server):
    backends = Backends.open(NO_GRPC, NO_GRPC, nats_server.url)
    await asyncio.wait_for(backends.nats_ready.wait(), 30)
    nc = backends.nats
    await backends.close()
    assert nc is not None and nc.is_closed
