"""A TCP proxy on 127.0.0.1 whose two directions can each be held: bytes sent while a direction is
held are kept (and counted) but never delivered, as if the network had dropped them.

Tests put it between a process and nats-server to stop a publish on its way to the server
(`hold_upstream`) or its ack on its way back (`hold_downstream`) at a moment they choose.
"""

from __future__ import annotations

import asyncio
import contextlib

from stack.processes import free_port


class TcpProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.upstream_held = False
        self.downstream_held = False
        self.held_upstream = bytearray()  # what the client sent while upstream was held
        self.held_downstream = bytearray()  # what the server sent while downstream was held
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> TcpProxy:
        self.port = free_port()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        return self

    def hold_upstream(self) -> None:
        self.upstream_held = True

    def hold_downstream(self) -> None:
        self.downstream_held = True

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [client_writer, server_writer]
        for reader, writer, upstream in ((client_reader, server_writer, True), (server_reader, client_writer, False)):
            task = asyncio.create_task(self._pipe(reader, writer, upstream))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: bool) -> None:
        try:
            while data := await reader.read(65536):
                if upstream and self.upstream_held:
                    self.held_upstream += data
                elif not upstream and self.downstream_held:
                    self.held_downstream += data
                else:
                    writer.write(data)
                    await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
