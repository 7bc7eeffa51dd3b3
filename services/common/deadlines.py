"""The caller's deadline, honoured by a gRPC handler and by the work it hands to threads.

gRPC cancels a handler's coroutine when its caller's deadline passes, but not the thread it is
waiting on: a transcript parse or analytics pass would run on for minutes after the caller gave
up. A `Deadline` travels with that work; long loops call `check()` every so often and stop with
DEADLINE_EXCEEDED once it has passed. `within` bounds an awaitable by the same deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from services.common.rpc_errors import ServiceError

T = TypeVar("T")
CHECK_EVERY = 1024  # loop iterations between two looks at the clock


def exceeded() -> ServiceError:
    return ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, "timeout", "the caller's deadline passed")


@dataclass(frozen=True)
class Deadline:
    at: float | None  # time.monotonic() value; None: no deadline

    @classmethod
    def of(cls, context: grpc.aio.ServicerContext[Any, Any] | None) -> Deadline:
        remaining = context.time_remaining() if context is not None else None
        return cls(None if remaining is None else time.monotonic() + remaining)

    @classmethod
    def never(cls) -> Deadline:
        return cls(None)

    def remaining(self) -> float | None:
        return None if self.at is None else max(0.0, self.at - time.monotonic())

    def timeout(self, longest: float) -> float:
        """A timeout for a call made on the caller's behalf: `longest`, or less when the caller has less."""
        remaining = self.remaining()
        return longest if remaining is None else min(longest, remaining)

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at

    def check(self) -> None:
        if self.passed():
            raise exceeded()


async def within(deadline: Deadline, awaitable: Awaitable[T]) -> T:
    """The awaitable's result, or DEADLINE_EXCEEDED when the deadline passes first."""
    timeout = asyncio.timeout(deadline.remaining())  # no extra task, unlike wait_for
    try:
        async with timeout:
            return await awaitable
    except TimeoutError:
        if not timeout.expired():
            raise  # the work's own timeout, not the caller's deadline
        raise exceeded() from None
