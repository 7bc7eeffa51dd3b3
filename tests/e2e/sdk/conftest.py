"""The SDK against the whole platform: clients for tenant A, and a record of the HTTP requests made."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from reports_sdk import AsyncClient, Client
from stack.platform import Platform
from tests.support import plain_http
from tests.support.databases import SchemaTemplate
from tests.support.platforms import started_platforms
from tests.support.sent_requests import Requests
from tests.support.tenants import KEY_A


@pytest.fixture
def requests() -> Requests:
    return Requests()


@pytest.fixture
def client(platform: Platform, requests: Requests) -> Iterator[Client]:
    http = plain_http.client(event_hooks={"request": [requests.record]})
    with Client(platform.gateway_url, KEY_A, http_client=http) as c:
        yield c
    http.close()


@pytest.fixture
async def aclient(platform: Platform, requests: Requests) -> AsyncIterator[AsyncClient]:
    http = httpx.AsyncClient(event_hooks={"request": [requests.arecord]})
    async with AsyncClient(platform.gateway_url, KEY_A, http_client=http) as c:
        yield c
    await http.aclose()


# Platforms whose dev LLM is slow (jobs stay running for seconds) or fails (jobs end `failed`),
# shared by this package's modules: their tests only call the API.
SLOW_LLM = {"REPORTS_LLM_MODEL": "dev-llm+latency=3000"}
FAILING_LLM = {"REPORTS_LLM_MODEL": "dev-llm+fail=500", "REPORTS_LLM_MAX_ATTEMPTS": "1"}


@pytest.fixture(scope="package")
def slow_platform(tmp_path_factory: pytest.TempPathFactory, schema_template: SchemaTemplate) -> Iterator[Platform]:
    for start in started_platforms(tmp_path_factory.mktemp("slow"), schema_template):
        yield start(**SLOW_LLM)


@pytest.fixture(scope="package")
def failing_platform(tmp_path_factory: pytest.TempPathFactory, schema_template: SchemaTemplate) -> Iterator[Platform]:
    for start in started_platforms(tmp_path_factory.mktemp("failing"), schema_template):
        yield start(**FAILING_LLM)
