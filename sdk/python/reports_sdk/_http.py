"""Sending one API request, with retries, and opening an event stream (one attempt)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from reports_sdk._base import (
    STREAM_READ_TIMEOUT_S,
    Call,
    Settings,
    backoff,
    connection_error,
    retryable_exception,
    retryable_status,
)
from reports_sdk.errors import from_response, retry_after_seconds


def _timeout(settings: Settings, call: Call) -> httpx.Timeout:
    return httpx.Timeout(call.timeout or settings.timeout, connect=min(10.0, call.timeout or settings.timeout))


def _stream_timeout(read: float | None) -> httpx.Timeout:
    return httpx.Timeout(10.0, read=read if read is not None else STREAM_READ_TIMEOUT_S)


def _stream_headers(settings: Settings, last_event_id: int | None) -> dict[str, str]:
    headers = {**settings.headers(), "Accept": "text/event-stream", "Cache-Control": "no-cache"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    return headers


class SyncHTTP:
    def __init__(self, settings: Settings, http_client: httpx.Client | None = None) -> None:
        self.settings = settings
        self._owned = http_client is None
        self._client = http_client or httpx.Client()

    def request(self, call: Call) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self._client.request(
                    call.method,
                    self.settings.url(call.path),
                    params=call.params,
                    json=call.json,
                    headers=self.settings.headers(call.headers),
                    timeout=_timeout(self.settings, call),
                )
            except httpx.TransportError as exc:
                if attempt < self.settings.max_retries and retryable_exception(exc, call.retry):
                    time.sleep(backoff(attempt))
                    attempt += 1
                    continue
                raise connection_error(exc) from exc
            if response.is_success:
                return response
            if attempt < self.settings.max_retries and retryable_status(response.status_code, call.retry):
                time.sleep(backoff(attempt, retry_after_seconds(response)))
                attempt += 1
                continue
            raise from_response(response)

    def json(self, call: Call) -> Any:
        return self.request(call).json()

    @contextlib.contextmanager
    def stream(self, path: str, last_event_id: int | None, read_timeout: float | None) -> Iterator[httpx.Response]:
        """An open `text/event-stream` response; a non-2xx answer raises its typed error."""
        request = self._client.build_request(
            "GET",
            self.settings.url(path),
            headers=_stream_headers(self.settings, last_event_id),
            timeout=_stream_timeout(read_timeout),
        )
        response = self._client.send(request, stream=True)
        try:
            if not response.is_success:
                response.read()
                raise from_response(response)
            yield response
        finally:
            response.close()

    def close(self) -> None:
        if self._owned:
            self._client.close()


class AsyncHTTP:
    def __init__(self, settings: Settings, http_client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._owned = http_client is None
        self._client = http_client or httpx.AsyncClient()

    async def request(self, call: Call) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self._client.request(
                    call.method,
                    self.settings.url(call.path),
                    params=call.params,
                    json=call.json,
                    headers=self.settings.headers(call.headers),
                    timeout=_timeout(self.settings, call),
                )
            except httpx.TransportError as exc:
                if attempt < self.settings.max_retries and retryable_exception(exc, call.retry):
                    await asyncio.sleep(backoff(attempt))
                    attempt += 1
                    continue
                raise connection_error(exc) from exc
            if response.is_success:
                return response
            if attempt < self.settings.max_retries and retryable_status(response.status_code, call.retry):
                await asyncio.sleep(backoff(attempt, retry_after_seconds(response)))
                attempt += 1
                continue
            raise from_response(response)

    async def json(self, call: Call) -> Any:
        return (await self.request(call)).json()

    @contextlib.asynccontextmanager
    async def stream(
        self, path: str, last_event_id: int | None, read_timeout: float | None
    ) -> AsyncIterator[httpx.Response]:
        request = self._client.build_request(
            "GET",
            self.settings.url(path),
            headers=_stream_headers(self.settings, last_event_id),
            timeout=_stream_timeout(read_timeout),
        )
        response = await self._client.send(request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                raise from_response(response)
            yield response
        finally:
            await response.aclose()

    async def close(self) -> None:
        if self._owned:
            await self._client.aclose()
