"""The store as a real gRPC server on an ephemeral port, and the gateway app in front of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from reports.v1 import store_pb2_grpc
from services.common import grpc_server
from services.gateway.app import create_app
from services.gateway.backends import Backends
from services.gateway.settings import GatewaySettings
from services.store import app as store_app
from stack.nats_server import NatsServer
from tests.support.names import loopback_resolver
from tests.support.stores import store_settings
from tests.support.tenants import KEYS


@pytest.fixture
async def store(database_url: str, nats_server: NatsServer) -> AsyncIterator[store_app.RunningStore]:
    running = await store_app.start(store_settings(database_url, nats_server.url))
    try:
        # The relay has made the streams: a test subscribing at once would find no stream otherwise.
        await asyncio.wait_for(running.relay.connected.wait(), timeout=30)
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def store_stub(store: store_app.RunningStore) -> AsyncIterator[store_pb2_grpc.StoreStub]:
    channel = grpc_server.channel(f"127.0.0.1:{store.port}")
    try:
        yield store_pb2_grpc.StoreStub(channel)
    finally:
        await channel.close()


@dataclass
class Gateway:
    client: httpx.AsyncClient
    backends: Backends
    app: Starlette


@pytest.fixture
async def gateway(store: store_app.RunningStore, nats_server: NatsServer) -> AsyncIterator[Gateway]:
    settings = GatewaySettings(
        host="127.0.0.1",
        port=0,
        store_target=f"127.0.0.1:{store.port}",
        resolver_target="127.0.0.1:1",
        nats_url=nats_server.url,
        api_keys=KEYS,
        rpc_timeout_s=5.0,
    )
    app = create_app(settings, webhook_resolver=loopback_resolver())
    backends = Backends.open(settings.store_target, settings.resolver_target, settings.nats_url)
    app.state.backends = backends
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        try:
            yield Gateway(client, backends, app)
        finally:
            await backends.close()
