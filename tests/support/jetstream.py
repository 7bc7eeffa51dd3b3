"""A JetStream context on a test's nats-server, with the platform's streams made."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import nats
from nats.js import JetStreamContext

from services.common import streams


@contextlib.asynccontextmanager
async def jetstream(nats_url: str) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(nats_url)
    try:
        context = nc.jetstream()
        await streams.ensure_streams(context, streams.StreamSettings())
        yield context
    finally:
        await nc.close()
