"""The dev LLM as a real process on an ephemeral port, shared by this package's tests, and a NATS
client on the test's nats-server with the streams and KV buckets made.

Tests keep their conversations apart (the dev LLM counts `fail=MODE*N` per conversation) by
giving each its own media title.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from nats.aio.client import Client as NatsClient

from services.common import streams
from tests.support.devllm import running_devllm


@pytest.fixture(scope="package")
def devllm_url() -> Iterator[str]:
    with running_devllm() as url:
        yield url


@pytest.fixture
async def nc(nats_server) -> AsyncIterator[NatsClient]:
    client = await nats.connect(nats_server.url)
    await streams.ensure_streams(client.jetstream(), streams.StreamSettings())
    try:
        yield client
    finally:
        await client.close()
