"""The gateway's HTTP server cuts slow and oversized requests and caps its connections.

A real uvicorn server with the gateway's protocol (services/gateway/connections.py) on a free
port, and raw sockets playing the clients a real HTTP library would not be.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from services.common.listen import tcp_listener
from services.gateway.connections import ConnectionLimits, protocol
from tests.support.polling import until

LIMITS = ConnectionLimits(header_timeout_s=0.5, body_timeout_s=0.5, max_header_bytes=4096, max_connections=3)


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"bytes": len(await request.body())})


async def slow_answer(_request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[str]:
        for index in range(3):
            # A slow answer (an SSE stream, say) spanning several body timeouts: not a slow client.
            await asyncio.sleep(LIMITS.body_timeout_s)
            yield f"chunk {index}\n"

    return StreamingResponse(chunks(), media_type="text/plain")


@pytest.fixture
async def server() -> AsyncIterator[int]:
    app = Starlette(routes=[Route("/echo", echo, methods=["POST", "GET"]), Route("/slow", slow_answer)])
    sock = tcp_listener("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", http=protocol(LIMITS))
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve(sockets=[sock]))
    await until(lambda: running.started or task.done(), what="the server listening")
    if not running.started:  # it ended before it listened: its error, not a wait that never ends
        task.result()
        pytest.fail("the server ended before it listened")
    try:
        yield port
    finally:
        running.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One whole response from a connection the server closes (every refusal closes it)."""
    raw = await asyncio.wait_for(reader.read(), 20)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


async def test_a_head_that_never_ends_is_answered_408_and_closed(server: int):
    reader, writer = await connect(server)
    writer.write(b"GET /echo HTTP/1.1\r\nHost: x\r\n")
    status, headers, body = await answer(reader)
    assert status == 408 and headers["connection"] == "close"
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert "headers" in json.loads(body)["error"]["message"]


async def test_a_head_trickled_a_line_at_a_time_is_still_cut(server: int):
    reader, writer = await connect(server)
    writer.write(b"GET /echo HTTP/1.1\r\nHost: x\r\n")
    read = asyncio.ensure_future(reader.read())
    for line in range(1000):  # one header line every 0.1 s, until the server answers
        if read.done():
            break
        writer.write(f"X-Line-{line}: y\r\n".encode())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(read), 0.1)
    raw = await read
    assert raw.startswith(b"HTTP/1.1 408 ")


async def test_a_body_that_never_ends_is_answered_408(server: int):
    reader, writer = await connect(server)
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
    status, _, body = await answer(reader)
    assert status == 408
    assert "body" in json.loads(body)["error"]["message"]


async def test_a_head_over_the_size_limit_is_answered_431_unparsed(server: int):
    reader, writer = await connect(server)
    writer.write(b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64 * 1024)
    status, _, body = await answer(reader)
    assert status == 431
    assert json.loads(body)["error"]["code"] == "headers_too_large"


async def test_a_connection_past_the_cap_is_answered_503_and_closed(server: int):
    held = [await connect(server) for _ in range(LIMITS.max_connections)]
    # Each held connection answers a request, so all of them are open on the server's side.
    for reader, writer in held:
        writer.write(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200 ")
        await reader.readexactly(len(b'{"bytes":0}'))
    reader, _ = await connect(server)
    status, headers, body = await answer(reader)
    assert status == 503 and headers["retry-after"] == "1"
    assert json.loads(body)["error"]["code"] == "unavailable"
    for _, writer in held:
        writer.close()


async def test_well_behaved_requests_keep_their_connection_and_slow_answers_are_not_cut(server: int):
    reader, writer = await connect(server)
    for _ in range(3):  # keep-alive: three requests on one connection
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        assert await reader.readexactly(len(b'{"bytes":2}')) == b'{"bytes":2}'
    writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    raw = await asyncio.wait_for(reader.read(), 20)
    assert raw.startswith(b"HTTP/1.1 200 ")
    assert b"chunk 2" in raw
    writer.close()


def test_the_limits_are_read_from_the_environment():
    from services.gateway.settings import GatewaySettings

    settings = GatewaySettings.from_env(
        {
            "REPORTS_API_KEYS": "k=t",
            "REPORTS_GATEWAY_HEADER_TIMEOUT_S": "3",
            "REPORTS_GATEWAY_BODY_TIMEOUT_S": "7",
            "REPORTS_GATEWAY_MAX_HEADER_BYTES": "9000",
            "REPORTS_GATEWAY_MAX_CONNECTIONS": "11",
            "REPORTS_SSE_MAX_PER_TENANT": "4",
        }
    )
    assert settings.connection_limits == ConnectionLimits(3.0, 7.0, 9000, 11)
    assert settings.sse_max_per_tenant == 4
