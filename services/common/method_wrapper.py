"""A gRPC server interceptor that wraps each method's handler once and serves every call with it.

grpc.aio asks the interceptors for a handler on every call; wrapping there would make a new
handler and closure per call. Here the wrapped handler is kept per method, and made again only if
the handler under it changes. What a call needs of its own (metadata, peer) it reads from its
servicer context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc


class MethodWrapper(grpc.aio.ServerInterceptor):
    def __init__(self) -> None:
        self._wrapped: dict[str, tuple[Any, Any]] = {}  # method -> (handler, what serves it)

    def wrap(self, method: str, handler: Any) -> Any:
        """What serves `method` instead of `handler` (None stays None)."""
        raise NotImplementedError

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        cached = self._wrapped.get(details.method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self.wrap(details.method, handler)
        self._wrapped[details.method] = (handler, wrapped)
        return wrapped
