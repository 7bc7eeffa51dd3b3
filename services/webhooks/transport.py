"""Sending one webhook request: the SSRF guard at connect time, no redirects, one deadline.

The connection pool's network backend resolves the host once, checks every address it resolves
to, and connects to a checked address: the address actually connected to is the one that was
checked, whatever DNS answers a moment later. TLS still verifies the certificate for the
URL's host name (SNI and certificate checks use the origin, not the address), and the request
carries the original `Host`. httpcore never follows redirects, so a 3xx is simply an answer.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import ssl
import typing
from dataclasses import dataclass
from datetime import UTC, datetime

import httpcore

from services.domain import ssrf

log = logging.getLogger(__name__)


class AddressForbidden(Exception):
    """The webhook's host is, or now resolves to, an address webhooks may not go to."""


class SendFailed(Exception):
    """No HTTP answer: DNS, connection, TLS, protocol trouble or the deadline."""


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after_s: float | None = None
    location: str | None = None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the SSRF guard allows, and to the address it checked."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: ssrf.Resolver = ssrf.system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await ssrf.resolve_checked(
                host, port, resolver=self._resolver, allow_private=self._allow_private
            )
        except ssrf.ForbiddenUrl as exc:
            raise AddressForbidden(str(exc)) from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressForbidden("webhooks do not go to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def host_header(url: ssrf.WebhookUrl) -> str:
    host = f"[{url.host}]" if ":" in url.host else url.host
    return host if url.is_default_port else f"{host}:{url.port}"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delay-seconds or an HTTP date; None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Sender:
    """POSTs webhook bodies through one connection pool whose connections the guard has checked."""

    def __init__(
        self,
        *,
        timeout_s: float,
        allow_private: bool,
        resolver: ssrf.Resolver = ssrf.system_resolver,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 100,
    ) -> None:
        self.timeout_s = timeout_s
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(allow_private=allow_private, resolver=resolver),
        )

    async def post(self, url: ssrf.WebhookUrl, headers: list[tuple[str, str]], body: bytes) -> Answer:
        request_url = httpcore.URL(
            scheme=url.scheme.encode(), host=url.host.encode(), port=url.port, target=url.target.encode()
        )
        all_headers = [("host", host_header(url)), *headers, ("content-length", str(len(body)))]
        timeouts = {"connect": self.timeout_s, "read": self.timeout_s, "write": self.timeout_s, "pool": self.timeout_s}
        try:
            async with asyncio.timeout(self.timeout_s):
                async with self._pool.stream(
                    "POST", request_url, headers=all_headers, content=body, extensions={"timeout": timeouts}
                ) as response:
                    # The body is not needed; leaving it unread closes the connection.
                    found = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
                    return Answer(
                        status=response.status,
                        retry_after_s=parse_retry_after(found.get("retry-after")),
                        location=found.get("location"),
                    )
        except AddressForbidden:
            raise
        except TimeoutError:
            raise SendFailed(f"no answer within {self.timeout_s:g} s") from None
        except httpcore.TimeoutException as exc:
            raise SendFailed(f"timed out: {str(exc) or type(exc).__name__}") from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, ssl.SSLError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        await self._pool.aclose()
