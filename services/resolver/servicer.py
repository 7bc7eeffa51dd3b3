"""The Resolver gRPC service (the gateway's preview route, tools): a MediaResolver behind gRPC."""

from __future__ import annotations

import logging
from collections.abc import Callable

import grpc

from reports.v1 import resolver_pb2, resolver_pb2_grpc
from services.common.deadlines import Deadline
from services.common.rpc_errors import invalid
from services.common.servicer import rpc
from services.resolver.media_resolver import STORE_TIMEOUT_S, MediaResolver

log = logging.getLogger(__name__)


class ResolverServicer(resolver_pb2_grpc.ResolverServicer):
    def __init__(self, resolver: MediaResolver) -> None:
        self._resolver = resolver

    @rpc
    async def ResolveTarget(
        self,
        request: resolver_pb2.ResolveTargetRequest,
        context: grpc.aio.ServicerContext[resolver_pb2.ResolveTargetRequest, resolver_pb2.Resolution],
    ) -> resolver_pb2.Resolution:
        if not request.tenant or not request.media_id:
            raise invalid("invalid_request", "tenant and media_id are required")
        resolution = await self._resolver.resolve(
            request.tenant, request.media_id, request.target, timeout_s=Deadline.of(context).timeout(STORE_TIMEOUT_S)
        )
        log.debug(
            "target resolved",
            extra={
                "mediaId": request.media_id,
                "entityId": resolution.entity.id,
                "strategy": resolution.strategy,
                "fellBack": resolution.fell_back,
            },
        )
        return resolution


def register(servicer: ResolverServicer) -> Callable[[grpc.aio.Server], None]:
    return lambda server: resolver_pb2_grpc.add_ResolverServicer_to_server(servicer, server)
