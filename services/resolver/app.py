"""Wiring the resolver: the store client and the gRPC server. Tests build it in-process with `start`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import grpc

from reports.v1 import resolver_pb2, store_pb2_grpc
from services.common import grpc_server
from services.resolver.media_resolver import MediaResolver
from services.resolver.servicer import ResolverServicer, register
from services.resolver.settings import ResolverSettings

log = logging.getLogger("services.resolver")
SERVICE_NAME = resolver_pb2.DESCRIPTOR.services_by_name["Resolver"].full_name


@dataclass
class RunningResolver:
    server: grpc.aio.Server
    port: int
    store_channel: grpc.aio.Channel

    async def stop(self, grace: float = 2.0) -> None:
        await self.server.stop(grace)
        await self.store_channel.close()


async def start(settings: ResolverSettings) -> RunningResolver:
    store_channel = grpc_server.channel(settings.store_target, peer="store")
    servicer = ResolverServicer(MediaResolver(store_pb2_grpc.StoreStub(store_channel), settings.resolving))
    server, port, _ = await grpc_server.create_server([register(servicer)], [SERVICE_NAME], settings.listen)
    log.info("listening", extra={"grpc_port": port})
    return RunningResolver(server, port, store_channel)
