"""A streamed HTTP/1.1 answer read a network read at a time, not an HTTP chunk at a time.

Both providers send each streamed event as its own chunk of a chunked answer (a token or a few),
and one network read (64 KiB) often holds hundreds of them. httpcore hands h11's events up one by
one, each through about seven async generators (httpcore's connection and pool streams, httpx's
transport, client and response iterators), and that walk cost about a fifth of the renderer's CPU
per job in the B2 profile. `install` makes httpcore's HTTP/1.1 connection join the body chunks
that h11 already holds, parsed from reads already made, into one piece: the same bytes in the same
order, handed up once per read. It never waits for more data to join: a piece is handed up as soon
as h11 needs the network again, so a slow stream's chunks arrive as promptly as before.

While joining, each chunk is taken from h11's body reader directly rather than through
`Connection.next_event`: a Data event changes no state, and the state machine's bookkeeping per
event (a copy of both sides' states, the transition tables, the keep-alive checks) cost as much as
parsing the chunk itself (190 chunks: 1.9–2.0 ms through next_event, 1.1 ms from the reader). The
event that ends the run of chunks (the end of the message) goes through the state machine as
next_event would put it; NEED_DATA is left for the next read, whose next_event makes its checks.

A protocol error met while joining is left for the next read to raise (h11 is put in its error
state, as next_event does), so the pieces before it are delivered first, as they were.
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
            event = _join_body(self._h11_state, parts)
            yield parts[0] if len(parts) == 1 else b"".join(parts)
        if isinstance(event, (h11.EndOfMessage, h11.PAUSED)):
            break


def _join_body(connection: h11.Connection, parts: list[bytes]) -> h11.Event | type[h11.NEED_DATA]:
    """Appends the body chunks already in h11's buffer to `parts`; the event after them, processed
    (the end of the message), or NEED_DATA (also after a protocol error, which the next read raises)."""
    reader, buffer = connection._reader, connection._receive_buffer  # the private pieces next_event uses
    assert reader is not None  # a response's body is being read
    try:
        while type(event := reader(buffer)) is h11.Data:
            parts.append(bytes(event.data))
        if event is None:
            return h11.NEED_DATA
        ended: h11.Event = event
        connection._process_event(connection.their_role, ended)
    except h11.ProtocolError:  # the reader raises the local kind; next_event would re-raise it as remote
        connection._process_error(connection.their_role)
        return h11.NEED_DATA
    return ended


def install() -> None:
    """Idempotent; affects every httpx client of this process (only the SDKs use one here)."""
    AsyncHTTP11Connection._receive_response_body = _receive_response_body  # type: ignore[method-assign]  # the patch
