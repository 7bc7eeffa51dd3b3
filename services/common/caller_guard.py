"""The server side of services/common/callers.py: a call from an identity not allowed is refused.

PERMISSION_DENIED, before the servicer runs, naming the method and the caller, so a missing rule
is found by the first call that needs it. On a plaintext server (REPORTS_GRPC_INSECURE) there is no
identity to check and the guard is not installed.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc

from services.common import callers
from services.common.grpc_credentials import peer_identities
from services.common.method_wrapper import MethodWrapper

log = logging.getLogger(__name__)


class CallerGuard(MethodWrapper):
    def wrap(self, method: str, handler: Any) -> Any:
        return _guarded(method, handler)


def _guarded(method: str, handler: Any) -> Any:
    if handler is None or method.startswith(callers.OPEN_SERVICES):
        return handler

    async def refuse_unless_allowed(ctx: grpc.aio.ServicerContext[Any, Any]) -> None:
        identities = peer_identities(ctx)
        if not callers.allowed(method, identities):
            log.warning("caller refused", extra={"method": method, "caller": identities})
            await ctx.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"{'/'.join(identities) or 'this caller'} may not call {method} (services/common/callers.py)",
            )

    if handler.unary_unary is not None:
        inner = handler.unary_unary

        async def guarded(request: Any, ctx: grpc.aio.ServicerContext[Any, Any]) -> Any:
            await refuse_unless_allowed(ctx)
            return await inner(request, ctx)

        return grpc.unary_unary_rpc_method_handler(
            guarded, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )
    if handler.unary_stream is not None:
        streaming = handler.unary_stream

        async def guarded_stream(request: Any, ctx: grpc.aio.ServicerContext[Any, Any]) -> Any:
            await refuse_unless_allowed(ctx)
            async for item in streaming(request, ctx):
                yield item

        return grpc.unary_stream_rpc_method_handler(
            guarded_stream,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return None  # no client-streaming methods are served; refuse rather than let one through unchecked
