"""The HTTP services' listening socket: accepted connections send small writes without waiting."""

from __future__ import annotations

import asyncio
import socket

from services.common.listen import tcp_listener


async def _nodelay_of_an_accepted_connection(listener: socket.socket) -> int:
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def on_connect(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listener)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        value = await asyncio.wait_for(accepted, timeout=10)
        writer.close()
        return value
    finally:
        server.close()
        await server.wait_closed()


async def test_connections_accepted_from_the_listener_have_nagle_off():
    # Nagle on, a response's body waits for the delayed ACK of its headers: 40 ms per response.
    assert await _nodelay_of_an_accepted_connection(tcp_listener("127.0.0.1", 0)) == 1


def test_the_listener_binds_the_port_asked_for_and_listens():
    first = tcp_listener("127.0.0.1", 0)
    port = first.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    first.close()
    again = tcp_listener("127.0.0.1", port)  # SO_REUSEADDR: a restart takes its port back at once
    assert again.getsockname()[1] == port
    again.close()
