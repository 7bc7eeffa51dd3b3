"""The listening socket an HTTP service hands to uvicorn, and the URL it is reached at."""

from __future__ import annotations

import socket


def tcp_listener(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    """A bound, listening TCP socket whose accepted connections send small writes at once.

    asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose protocol number is
    IPPROTO_TCP. `socket.socket(AF_INET, SOCK_STREAM)` and `socket.create_server` leave it 0, and
    the connections accepted from them inherit that, so Nagle stays on: uvicorn writes a response's
    headers and then its body, and the body waits for the client's delayed ACK of the headers,
    40 ms on every response of a kept-alive connection, and on each server-sent event.
    """
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def http_url(host: str, port: int) -> str:
    """`http://host:port`, with an IPv6 host in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
