"""httpx for what tests call over plain HTTP on 127.0.0.1: gateways, the dev LLM, /metrics, monitors.

httpx loads certifi's CA bundle into a new TLS context for every client made with the default
`verify` (`httpx.get` and `httpx.stream` make a client a call): 0.1–0.3 s each on this project's
2-core machine, paid by every poll and every test. These clients never speak TLS, so they share one
TLS context that trusts no CA (an https URL fails verification rather than skipping it); everything
else is httpx's defaults.

    with plain_http.client(base_url=url) as http: ...
    response = plain_http.get(url, headers=AUTH_A)
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts no CA


def client(**options: Any) -> httpx.Client:
    return httpx.Client(verify=NO_TLS, **options)


def async_client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=NO_TLS, **options)


def request(method: str, url: str, **options: Any) -> httpx.Response:
    """`httpx.request` (one call on a client of its own)."""
    with client() as http:
        return http.request(method, url, **options)


def get(url: str, **options: Any) -> httpx.Response:
    return request("GET", url, **options)


def post(url: str, **options: Any) -> httpx.Response:
    return request("POST", url, **options)


@contextmanager
def stream(method: str, url: str, **options: Any) -> Iterator[httpx.Response]:
    """`httpx.stream`: the response open for reading while the block runs."""
    with client() as http, http.stream(method, url, **options) as response:
        yield response
