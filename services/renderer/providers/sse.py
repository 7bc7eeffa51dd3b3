"""Server-sent events read straight off an SDK's streaming response, a batch per network read.

Why not the SDKs' own streams: both build a pydantic model for every chunk (OpenAI's
`construct_type` walks each field's type), which cost about 60% of the renderer's CPU per job
in the B2 profile, and chunks are small (OpenAI about a token each; docs:
api-reference/chat-streaming). The SDKs still make the request (auth, headers, base URL) and
raise their errors for a failed status; only the 200 answer's body is read here.

`Decoder` follows the HTML standard's event-stream rules (html.spec.whatwg.org, "Interpreting an
event stream"): lines end with CRLF, LF or CR (a CR at the end of one read may be followed by the
LF of the next); a line starting with `:` is a comment (a keep-alive); `data` lines of one event
are joined with LF; an empty line ends an event, and one without data is not dispatched; `id`,
`retry` and unknown fields are ignored. Text is UTF-8, decoded per complete line batch, so a
character split between two reads is never cut. A line, or an event's data, longer than
`MAX_EVENT_BYTES` (1 MiB; the providers' events are a token or a few hundred bytes) is a broken
stream: a stalled `TransientFailure`, so a body that never ends a line cannot grow the buffer
without bound. The unended line is kept as a list of reads, joined once its end comes, so a line
arriving in many small reads costs linear time, not a copy per read.

`EventReader` applies the idle timeout (`idle_s`) without a timer of its own: silence is the
HTTP client's read timeout, which both providers set to `idle_s` (`base.client_options`), and a
stream that sends only keep-alives (comments, `ping`) fails at the first one that comes more than
`idle_s` after the last event. Either is a stalled `TransientFailure`. (A timer per chunk cost a
tenth of the renderer's CPU.)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any, NamedTuple

import httpx2

from services.renderer.providers.base import TransientFailure

MAX_EVENT_BYTES = 1 << 20  # one line, or one event's data lines together
KEEPALIVE_EVENTS = frozenset({"ping"})  # Anthropic's keep-alive event (docs: streaming, "Ping events")


class Event(NamedTuple):
    name: str  # "" when the event has no `event:` field (OpenAI's chunks)
    data: str


class Decoder:
    """Bytes in as they arrive, complete events out."""

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._pending: list[bytes] = []  # the start of a line not yet ended, as read
        self._pending_bytes = 0
        self._skip_lf = False  # the last read ended with CR: an LF starting the next is its pair
        self._name = ""
        self._data: list[str] = []
        self._data_chars = 0
        self._max = max_event_bytes

    def feed(self, chunk: bytes) -> list[Event]:
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            self._pending_bytes += len(chunk)
            if self._pending_bytes > self._max:
                raise self._too_long("a line")
            self._pending.append(chunk)
            return []
        if (
            self._pending
            and self._pending_bytes + min(i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0) > self._max
        ):
            raise self._too_long("a line")
        complete = b"".join((*self._pending, chunk[: end + 1])) if self._pending else chunk[: end + 1]
        rest = chunk[end + 1 :]
        if len(rest) > self._max:
            raise self._too_long("a line")
        self._pending, self._pending_bytes = ([rest], len(rest)) if rest else ([], 0)
        if b"\r" in complete:
            self._skip_lf = complete.endswith(b"\r")
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events: list[Event] = []
        lines = complete.decode("utf-8", errors="replace").split("\n")
        lines.pop()  # what follows the last line end: kept in `_pending`
        for line in lines:
            if not line:
                if self._data:
                    events.append(Event(self._name, "\n".join(self._data)))
                    self._data, self._data_chars = [], 0
                self._name = ""
            elif line[0] == ":":
                continue
            else:
                field, _, value = line.partition(":")
                if value[:1] == " ":
                    value = value[1:]
                if field == "data":
                    self._data_chars += len(value) + 1
                    if self._data_chars > self._max:
                        raise self._too_long("an event")
                    self._data.append(value)
                elif field == "event":
                    self._name = value
        return events

    def _too_long(self, what: str) -> TransientFailure:
        return TransientFailure(f"the stream broke: {what} longer than {self._max} bytes", stalled=True)


_RAW_DECODE = json.JSONDecoder().raw_decode


def json_of(data: str) -> Any:
    """`json.loads(data)`: the same value, or the same error. An event's data has no whitespace
    around its JSON, and `raw_decode` skips loads' two scans for it: a token-sized chunk parses in
    about half the time (json.loads was a tenth of the renderer's CPU per job in the B2 profile)."""
    try:
        value, end = _RAW_DECODE(data)
    except ValueError:
        return json.loads(data)
    return value if end == len(data) else json.loads(data)


class EventReader:
    """The events of one streamed answer, a list per piece of body that brought any."""

    def __init__(
        self, chunks: AsyncIterable[bytes], idle_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._chunks = chunks.__aiter__()
        self._idle_s = idle_s
        self._decoder = Decoder()
        self._clock = clock
        self._last = clock()  # when the last event (or the request) was

    def __aiter__(self) -> AsyncIterator[list[Event]]:
        return self

    async def __anext__(self) -> list[Event]:
        while True:
            try:
                chunk = await anext(self._chunks)
            except httpx2.TimeoutException:  # the client's read timeout is `idle_s`
                raise TransientFailure(f"no streamed chunk within {self._idle_s:g}s", stalled=True) from None
            events = self._decoder.feed(chunk)
            now = self._clock()
            if any(e.name not in KEEPALIVE_EVENTS for e in events):
                self._last = now
                return events
            if now - self._last > self._idle_s:
                raise TransientFailure(
                    f"only keep-alives for {now - self._last:.0f}s (more than {self._idle_s:g}s)", stalled=True
                )
            if events:
                return events

    async def drain(self, within_s: float = 1.0) -> None:
        """Reads what is left of the body (after OpenAI's `[DONE]`), so an HTTP/1.1 connection
        goes back to the pool instead of being closed; gives up quietly after `within_s`."""
        try:
            async with asyncio.timeout(within_s):
                async for _ in self._chunks:
                    pass
        except (TimeoutError, httpx2.HTTPError):  # the answer is complete: nothing after it counts
            return
