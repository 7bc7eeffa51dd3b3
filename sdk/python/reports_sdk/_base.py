"""What the sync and async clients share: configuration, the retry rules, and backoff."""

from __future__ import annotations

import enum
import os
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from reports_sdk._version import __version__
from reports_sdk.errors import APIConnectionError, APITimeoutError, ConfigurationError

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 2
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
RETRY_AFTER_MAX_S = 60.0
# An open event stream hears a ping at least every 15 s (the gateway's default); a silent one is dead.
STREAM_READ_TIMEOUT_S = 45.0
STREAM_RECONNECT_BUDGET_S = 60.0


class Retry(enum.Enum):
    """When a request may be sent again after a failure."""

    # Reads, cancels and job creation (which always carries an idempotency key): after any
    # connection failure and on 429, 502, 503 and 504.
    SAFE = "safe"
    # Requests the server cannot recognise as repeats (media creation): only when the request
    # surely was not processed, that is when it was never sent (connect errors) or the API refused
    # it with 429.
    NOT_SENT = "not_sent"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    retry: Retry = Retry.SAFE
    timeout: float | None = None
    headers: dict[str, str] | None = None  # beyond the client's own (`Prefer`, ...)


@dataclass(frozen=True)
class Settings:
    base_url: str
    api_key: str
    timeout: float
    max_retries: int
    stream_reconnect_timeout: float

    @classmethod
    def resolve(
        cls,
        base_url: str | None,
        api_key: str | None,
        timeout: float,
        max_retries: int,
        stream_reconnect_timeout: float,
    ) -> Settings:
        url = base_url or os.environ.get("REPORTS_BASE_URL") or DEFAULT_BASE_URL
        key = api_key if api_key is not None else os.environ.get("REPORTS_API_KEY", "")
        if not key:
            raise ConfigurationError("no API key: pass api_key=... or set REPORTS_API_KEY")
        if max_retries < 0:
            raise ConfigurationError("max_retries must be 0 or more")
        return cls(url.rstrip("/"), key, timeout, max_retries, stream_reconnect_timeout)

    def url(self, path: str) -> str:
        return self.base_url + path

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"reports-sdk-python/{__version__}",
            **(extra or {}),
        }


def segment(value: str) -> str:
    """An id as one path segment, whatever characters it has."""
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"an id must be a non-empty string, not {value!r}")
    return quote(value, safe="")


def retryable_status(status: int, retry: Retry) -> bool:
    if status == 429:
        return True
    return retry is Retry.SAFE and status in (502, 503, 504)


def never_sent(exc: Exception) -> bool:
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def retryable_exception(exc: Exception, retry: Retry) -> bool:
    return never_sent(exc) or (retry is Retry.SAFE and isinstance(exc, httpx.TransportError))


def backoff(attempt: int, retry_after: float | None = None, cap: float = BACKOFF_MAX_S) -> float:
    """Exponential backoff with jitter: half the step fixed, half random; the server's hint wins."""
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_MAX_S)
    step = min(cap, BACKOFF_BASE_S * (2.0**attempt))
    return step / 2 + random.uniform(0, step / 2)


def connection_error(exc: httpx.TransportError) -> APIConnectionError:
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    what = "timed out" if cls is APITimeoutError else "failed"
    return cls(f"the connection to the API {what}: {str(exc) or type(exc).__name__}", code="connection_error")
