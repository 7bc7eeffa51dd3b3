"""Connection hygiene below the application: deadlines for a request's head and body, a cap on
the head's size and on open connections, each answered with the one JSON error shape.

uvicorn (with httptools) keeps a connection for as long as bytes trickle in: a head sent one line
every 2 s, or a body one line every 2 s, holds a connection and a task forever, and a 64 MB header
line is parsed. `protocol(limits)` is uvicorn's HTTP protocol with these checks added:

- the head (request line and headers) must arrive whole within `header_timeout_s` of the connection
  opening or of its first byte after a previous response: 408 `request_timeout` otherwise (an idle
  keep-alive connection is just closed, as uvicorn's keep-alive timeout does);
- the body must arrive whole within `body_timeout_s` of the head: 408 `request_timeout`;
- a head larger than `max_header_bytes` is refused before it is parsed: 431 `headers_too_large`;
- a connection beyond `max_connections` open at once is answered 503 `unavailable` (Retry-After 1)
  and closed at once, before reading anything.

A deadline that passes once the application has started its answer only closes the connection.
Every refusal closes the connection (`Connection: close`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)
_END_OF_HEAD = b"\r\n\r\n"
_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large", 503: "Service Unavailable"}


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    max_header_bytes: int = 32 * 1024
    max_connections: int = 2048


def refusal(status: int, code: str, message: str, retry_after: int | None = None) -> bytes:
    """A whole HTTP/1.1 response in the API's error shape, closing the connection."""
    body = json.dumps({"error": {"code": code, "message": message, "details": []}}).encode()
    head = [
        f"HTTP/1.1 {status} {_REASONS[status]}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
    ]
    if retry_after is not None:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class GuardedHttpProtocol(HttpToolsProtocol):
    limits: ClassVar[ConnectionLimits] = ConnectionLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's own signature
        super().connection_made(transport)
        self._head_bytes = 0  # of the request head being received
        self._tail = b""  # its last 3 bytes, to find CRLFCRLF across reads
        self._awaiting_head = True
        self._timer: asyncio.TimerHandle | None = None
        if len(self.connections) > self.limits.max_connections:
            log.warning("connection refused: %d open", len(self.connections) - 1)
            self._refuse(503, "unavailable", "the gateway has too many open connections; retry shortly", retry_after=1)
            return
        self._arm(self.limits.header_timeout_s, self._head_timed_out)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._awaiting_head:
            if self._timer is None:  # the first byte of a request after a previous response
                self._arm(self.limits.header_timeout_s, self._head_timed_out)
            window = self._tail + data
            end = window.find(_END_OF_HEAD)
            size = self._head_bytes + (end - len(self._tail) + len(_END_OF_HEAD) if end >= 0 else len(data))
            if size > self.limits.max_header_bytes:
                self._refuse(
                    431,
                    "headers_too_large",
                    f"the request line and headers exceed {self.limits.max_header_bytes} bytes",
                )
                return
            if end >= 0:
                self._awaiting_head = False
                self._disarm()
            else:
                self._head_bytes = size
                self._tail = window[-3:]
        super().data_received(data)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.limits.body_timeout_s, self._body_timed_out)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._disarm()
        self._awaiting_head, self._head_bytes, self._tail = True, 0, b""
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # deadlines

    def _arm(self, delay: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(delay, callback)

    def _disarm(self) -> None:
        timer: asyncio.TimerHandle | None = getattr(self, "_timer", None)  # unset before connection_made
        if timer is not None:
            timer.cancel()
            self._timer = None

    def _answering(self) -> bool:
        return self.cycle is not None and self.cycle.response_started and not self.cycle.response_complete

    def _head_timed_out(self) -> None:
        self._timer = None
        if self._answering():
            return
        if self._head_bytes == 0 and not self._tail:
            self.transport.close()  # nothing of a request came: an idle connection
            return
        self._refuse(
            408,
            "request_timeout",
            f"the request line and headers did not arrive within {self.limits.header_timeout_s:g} s",
        )

    def _body_timed_out(self) -> None:
        self._timer = None
        if self._answering() or (self.cycle is not None and self.cycle.response_complete):
            self.transport.close()
            return
        self._refuse(408, "request_timeout", f"the request body did not arrive within {self.limits.body_timeout_s:g} s")

    def _refuse(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(refusal(status, code, message, retry_after))
            self.transport.close()


def protocol(limits: ConnectionLimits) -> type[GuardedHttpProtocol]:
    """uvicorn's `http=` protocol class with these limits."""
    return type("GuardedHttpProtocol", (GuardedHttpProtocol,), {"limits": limits})
