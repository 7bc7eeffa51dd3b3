"""What every gRPC servicer method does around its work: structured errors, no leaked tracebacks, and
the caller's deadline (services.common.deadlines): the handler stops when it passes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import grpc

from services.common import deadlines
from services.common.rpc_errors import ServiceError, abort, internal

log = logging.getLogger(__name__)
Servicer = TypeVar("Servicer")
Request = TypeVar("Request")
Response = TypeVar("Response")


def rpc(
    method: Callable[[Servicer, Request, grpc.aio.ServicerContext[Request, Response]], Awaitable[Response]],
) -> Callable[[Servicer, Request, grpc.aio.ServicerContext[Request, Response]], Coroutine[Any, Any, Response]]:
    @functools.wraps(method)
    async def wrapper(
        self: Servicer, request: Request, context: grpc.aio.ServicerContext[Request, Response]
    ) -> Response:
        try:
            return await deadlines.within(deadlines.Deadline.of(context), method(self, request, context))
        except ServiceError as error:
            await abort(context, error)
        except grpc.aio.AbortError:
            raise
        except Exception:
            log.exception("unhandled error in %s", method.__name__)
            await abort(context, internal())

    return wrapper
