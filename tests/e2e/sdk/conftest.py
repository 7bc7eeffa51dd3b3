"""The SDK against the whole platform: clients for tenant A, and a record of the HTTP requests made."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from reports_sdk import AsyncClient, Client
from stack.platform import Platform
from tests.e2e.conftest import _platforms

KEY_A, KEY_B = "key-a", "key-b"


@dataclass
class Requests:
    """Every request an SDK client sent: (method, path, headers, body)."""

    sent: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    def record(self, request: httpx.Request) -> None:
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = b""
        self.sent.append((request.method, request.url.path, dict(request.headers), body))

    async def arecord(self, request: httpx.Request) -> None:
        self.record(request)

    def to(self, path_suffix: str) -> list[tuple[str, str, dict[str, str], bytes]]:
        return [r for r in self.sent if r[1].endswith(path_suffix)]

    def bodies(self, path: str) -> list[dict]:
        return [json.loads(body) for _m, p, _h, body in self.sent if p == path and body]


@pytest.fixture
def requests() -> Requests:
    return Requests()


@pytest.fixture
def client(platform: Platform, requests: Requests) -> Iterator[Client]:
    http = httpx.Client(event_hooks={"request": [requests.record]})
    with Client(platform.gateway_url, KEY_A, http_client=http) as c:
        yield c
    http.close()


@pytest.fixture
async def aclient(platform: Platform, requests: Requests) -> AsyncIterator[AsyncClient]:
    http = httpx.AsyncClient(event_hooks={"request": [requests.arecord]})
    async with AsyncClient(platform.gateway_url, KEY_A, http_client=http) as c:
        yield c
    await http.aclose()


# Platforms whose dev LLM is slow (jobs stay running for seconds) or fails (jobs end `failed`).
SLOW_LLM = {"REPORTS_LLM_MODEL": "dev-llm+latency=3000"}
FAILING_LLM = {"REPORTS_LLM_MODEL": "dev-llm+fail=500", "REPORTS_LLM_MAX_ATTEMPTS": "1"}


@pytest.fixture(scope="module")
def slow_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    for start in _platforms(tmp_path_factory.mktemp("slow")):
        yield start(**SLOW_LLM)


@pytest.fixture(scope="module")
def failing_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    for start in _platforms(tmp_path_factory.mktemp("failing")):
        yield start(**FAILING_LLM)
