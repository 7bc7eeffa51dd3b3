"""The gateway's gRPC clients and NATS connection, opened in the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2
from nats.aio.client import Client as NatsClient

from reports.v1 import resolver_pb2_grpc, store_pb2_grpc
from services.common import backoff, grpc_server, streams
from services.gateway.job_creates import JobCreates

log = logging.getLogger(__name__)


@dataclass
class Backends:
    store: store_pb2_grpc.StoreAsyncStub
    resolver: resolver_pb2_grpc.ResolverAsyncStub
    store_health_check: grpc.aio.UnaryUnaryMultiCallable[health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse]
    creates: JobCreates  # job creates to the store, several to a call (job_creates.py)
    channels: list[grpc.aio.Channel]
    nats_url: str
    nats: NatsClient | None = None
    nats_ready: asyncio.Event = field(default_factory=asyncio.Event)
    _nats_task: asyncio.Task[None] | None = None

    @classmethod
    def open(cls, store_target: str, resolver_target: str, nats_url: str) -> Backends:
        store_channel = grpc_server.channel(store_target, peer="store")
        resolver_channel = grpc_server.channel(resolver_target, peer="resolver")
        store = store_pb2_grpc.StoreStub(store_channel)
        backends = cls(
            store=store,
            resolver=resolver_pb2_grpc.ResolverStub(resolver_channel),
            # what health_pb2_grpc.HealthStub(store_channel).Check is, typed (the stub's stubs omit its methods)
            store_health_check=store_channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            ),
            creates=JobCreates(store),
            channels=[store_channel, resolver_channel],
            nats_url=nats_url,
        )
        backends._nats_task = asyncio.create_task(backends._connect_nats(), name="gateway-nats")
        return backends

    async def _connect_nats(self) -> None:
        self.nats = await backoff.until_up(
            lambda: streams.connect(self.nats_url, "gateway"), log=log, waiting="nats not reachable yet"
        )
        self.nats_ready.set()

    async def ready(self, timeout: float = 2.0) -> dict[str, bool]:
        store_ok = False
        with contextlib.suppress(grpc.RpcError, asyncio.TimeoutError):
            reply = await self.store_health_check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
            store_ok = reply.status == health_pb2.HealthCheckResponse.SERVING
        return {"store": store_ok, "nats": self.nats is not None and self.nats.is_connected}

    async def close(self) -> None:
        """Ends a NATS connect still under way (streams.connect closes what it opened), then the rest."""
        if self._nats_task is not None:
            self._nats_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._nats_task
        if self.nats is not None:
            with contextlib.suppress(Exception):
                await self.nats.close()
        for channel in self.channels:
            await channel.close()
