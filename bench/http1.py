"""A small HTTP/1.1 keep-alive client on asyncio streams, for the load generator.

httpx costs far more CPU per request than the servers we measure; on a 2-core machine the client
would be the bottleneck. This speaks just enough HTTP/1.1: Content-Length bodies, and chunked
bodies for server-sent events.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit


class HttpError(RuntimeError):
    pass


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def encode_request(method: str, path: str, host: str, headers: Mapping[str, str], body: bytes | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def json_request(method: str, path: str, host: str, headers: Mapping[str, str], payload: Any) -> bytes:
    return encode_request(
        method, path, host, {**headers, "Content-Type": "application/json"}, json.dumps(payload).encode()
    )


def _head(raw: bytes) -> tuple[int, dict[str, str]]:
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    return status, headers


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = host_port(url)
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Sends an encoded request; returns (status, body)."""
        self.writer.write(raw)
        status, headers = _head(await self.reader.readuntil(b"\r\n\r\n"))
        if "content-length" in headers:
            return status, await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            return status, b"".join([chunk async for chunk in self._chunks()])
        raise HttpError("response without Content-Length or chunked encoding")

    async def stream(self, raw: bytes) -> tuple[int, AsyncIterator[bytes]]:
        """Sends a request whose answer is a chunked stream; returns (status, chunks)."""
        self.writer.write(raw)
        status, headers = _head(await self.reader.readuntil(b"\r\n\r\n"))
        if headers.get("transfer-encoding") != "chunked":
            length = int(headers.get("content-length", "0"))
            body = await self.reader.readexactly(length)

            async def once() -> AsyncIterator[bytes]:
                yield body

            return status, once()
        return status, self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("the server closed the connection inside a chunked body")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return
            data = await self.reader.readexactly(size + 2)
            yield data[:-2]

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def sse_events(buffer: bytearray, chunk: bytes) -> list[dict[str, str]]:
    """Appends `chunk` to `buffer` and takes out every complete event: [{id, event, data}, ...].

    Comment lines (`: ping`) are dropped; an event is complete at its blank line.
    """
    buffer += chunk.replace(b"\r\n", b"\n")
    events = []
    while True:
        end = buffer.find(b"\n\n")
        if end < 0:
            return events
        block = bytes(buffer[:end]).decode()
        del buffer[: end + 2]
        event: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            event[key] = event[key] + "\n" + value if key in event else value
        if event:
            events.append(event)
