"""A cap on the event streams (SSE) one tenant holds open on one gateway process.

Each stream holds a connection, a JetStream consumer and a task for as long as its job runs (or
the client stays). Past `per_tenant` open streams a tenant's next one is refused with 429
`too_many_streams` and Retry-After, before any consumer is made; a stream's slot is given back when
it ends, however it ends. The cap is per gateway process (REPORTS_SSE_MAX_PER_TENANT).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from services.gateway.errors import ApiError

RETRY_AFTER_S = 5


class StreamSlots:
    def __init__(self, per_tenant: int) -> None:
        self.per_tenant = per_tenant
        self._open: Counter[str] = Counter()

    def open_for(self, tenant: str) -> int:
        return self._open[tenant]

    def take(self, tenant: str) -> None:
        if self._open[tenant] >= self.per_tenant:
            raise ApiError(
                429,
                "too_many_streams",
                f"this tenant has {self.per_tenant} event streams open on this gateway; close one or retry later",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        self._open[tenant] += 1

    def give_back(self, tenant: str) -> None:
        self._open[tenant] -= 1
        if self._open[tenant] <= 0:
            del self._open[tenant]


class HeldStream(StreamingResponse):
    """A streaming response that gives its tenant's slot back when it is done, however it ends
    (finished, failed, or cancelled by the client going away, even before the first byte).

    It also closes its body generator then: a client that leaves while a chunk is being sent
    leaves the generator suspended at its `yield`, and only closing it runs its `finally`/`with`
    exits (the fan-out's subscriber leaves there) now rather than whenever the GC finalizes it."""

    def __init__(self, slots: StreamSlots, tenant: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots, self._tenant = slots, tenant

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                aclose = getattr(self.body_iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                self._slots.give_back(self._tenant)
