"""A streamed HTTP/1.1 answer read a network read at a time, not an HTTP chunk at a time.

Both providers send each streamed event as its own chunk of a chunked answer (a token or a few),
and one network read (64 KiB) often holds hundreds of them. httpcore hands h11's events up one by
one, each through about seven async generators (httpcore's connection and pool streams, httpx's
transport, client and response iterators), and that walk cost about a fifth of the renderer's CPU
per job in the B2 profile. `install` makes httpcore's HTTP/1.1 connection join the body chunks
that h11 already holds, parsed from reads already made, into one piece: the same bytes in the same
order, handed up once per read. It never waits for more data to join: a piece is handed up as soon
as h11 needs the network again, so a slow stream's chunks arrive as promptly as before.

A protocol error met while joining is left for the next read to raise (h11 stays in its error
state), so the pieces before it are delivered first, as they were.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import h11
from httpcore2._async.http11 import AsyncHTTP11Connection
from httpcore2._models import Request


async def _receive_response_body(self: AsyncHTTP11Connection, request: Request) -> AsyncGenerator[bytes]:
    timeout = request.extensions.get("timeout", {}).get("read", None)
    while True:
        event: h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED] = await self._receive_event(timeout=timeout)
        if isinstance(event, h11.Data):
            parts = [bytes(event.data)]
            try:
                while isinstance(event := self._h11_state.next_event(), h11.Data):
                    parts.append(bytes(event.data))
            except h11.RemoteProtocolError:  # raised again, and mapped, by the next read
                event = h11.NEED_DATA
            yield parts[0] if len(parts) == 1 else b"".join(parts)
        if isinstance(event, (h11.EndOfMessage, h11.PAUSED)):
            break


def install() -> None:
    """Idempotent; affects every httpx client of this process (only the SDKs use one here)."""
    AsyncHTTP11Connection._receive_response_body = _receive_response_body  # type: ignore[method-assign]  # the patch
