"""Every gateway replica's token buckets in one place: a JetStream key-value bucket.

Each tenant is one key holding its bucket's TAT (services/gateway/token_bucket.py). A request reads
the key, decides, and writes the new TAT only if the key is still at the revision it read (a
compare-and-set: `Nats-Expected-Last-Subject-Sequence`); a replica that lost the race reads again.
A refusal writes nothing. So two replicas never spend the same token, and the cost is one KV read
plus one conditional write per request (bench/README.md, "Tenant rate limit").

Why NATS KV rather than the store's database: every replica already holds a NATS connection, a KV
read and write are each one round trip to nats-server, while the database is one more gRPC hop to
the store and, on SQLite, a write lock that job creation contends for.

Within one replica a tenant's requests take turns (a lock per tenant while it has requests in
flight), so only requests on other replicas can make a compare-and-set lose; without the turns, 64
concurrent requests of one tenant lost most of their races (bench/README.md).

When the shared counter cannot be reached (NATS down, the bucket missing, an answer slower than
TIMEOUT_S) the request is let through (fail open) without RateLimit-* headers, a warning is logged
at most once a minute, and for RETRY_AFTER_FAILURE_S after a failure requests do not try the counter. The limit protects fairness, not correctness: the store still enforces each
tenant's queued-jobs cap on its own, so failing closed would turn a NATS outage, which the API
otherwise survives for everything but live events, into a total outage for every tenant.

Clocks: a TAT is wall-clock time, compared across replicas; replicas a second apart in time let a
tenant a second's worth of tokens more or less. Keep hosts on NTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from nats.aio.client import Client as NatsClient
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from services.common import streams
from services.common.shared_kv import SharedKv
from services.common.tenant_limits import TenantLimits
from services.gateway.token_bucket import Decision, decide

log = logging.getLogger(__name__)

TIMEOUT_S = 0.5
CAS_ATTEMPTS = 8
RETRY_AFTER_FAILURE_S = 1.0


def key_of(tenant: str) -> str:
    """A KV key for any tenant name (keys allow only [-/_=.a-zA-Z0-9])."""
    return "t." + tenant.encode().hex()


class SharedRateLimiter:
    def __init__(self, nats: Callable[[], NatsClient | None], limits: TenantLimits,
                 clock: Callable[[], float] = time.time) -> None:
        self._limits = limits
        self._clock = clock
        self._kv = SharedKv(nats, streams.RATE_LIMIT_BUCKET, "tenant rate limit", log)
        self._down_until: float | None = None
        self._turns: dict[str, list] = {}   # tenant -> [its lock, requests holding or awaiting it]

    async def take(self, tenant: str) -> Decision | None:
        """The decision for one request by `tenant`, or None when the counter is unreachable (let it through)."""
        if self._down_until is not None and time.monotonic() < self._down_until:
            return None   # it failed a moment ago: do not make every request wait out TIMEOUT_S again
        async with self._turn(tenant):
            try:
                async with asyncio.timeout(TIMEOUT_S):
                    decision = await self._take(tenant)
            except Exception as exc:   # noqa: BLE001 - every failure of the counter fails open (TimeoutError too)
                self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S
                self._kv.failed(exc)
                return None
        self._down_until = None
        return decision

    @contextlib.asynccontextmanager
    async def _turn(self, tenant: str) -> AsyncIterator[None]:
        """One request of a tenant at a time in this replica: its requests queue here rather than race
        each other for the key (only other replicas' requests can make a compare-and-set lose)."""
        entry = self._turns.setdefault(tenant, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._turns[tenant]

    async def _take(self, tenant: str) -> Decision:
        kv = await self._kv.bucket()
        limits = self._limits.of(tenant)
        key = key_of(tenant)
        decision = None
        for _ in range(CAS_ATTEMPTS):
            try:
                entry = await kv.get(key)
                stored, revision = float(entry.value or b"0"), entry.revision or 0
            except KeyNotFoundError:
                stored, revision = None, 0
            decision = decide(stored, self._clock(), limits.rps, limits.burst)
            if not decision.allowed:
                return decision
            try:
                await kv.update(key, repr(decision.tat).encode(), last=revision)
                return decision
            except KeyWrongLastSequenceError:
                continue   # another request (here or on another replica) spent a token first: read again
        # So many of this tenant's requests raced that none of ours won: it is over its rate.
        assert decision is not None
        return Decision(False, decision.tat, limits.burst, 0, decision.reset_s, 1)
