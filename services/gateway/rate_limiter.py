"""Every gateway replica's token buckets in one place: a JetStream key-value bucket.

Each tenant is one key holding its bucket's TAT (services/gateway/token_bucket.py). A round of
requests (below) reads the key, decides, and writes the new TAT only if the key is still at the
revision it read (a compare-and-set: `Nats-Expected-Last-Subject-Sequence`); a replica that lost
the race reads again. A refusal writes nothing. So two replicas never spend the same token, and
the cost is one KV read plus one conditional write per round (bench/README.md, "Tenant rate
limit").

Why NATS KV rather than the store's database: every replica already holds a NATS connection, a KV
read and write are each one round trip to nats-server, while the database is one more gRPC hop to
the store and, on SQLite, a write lock that job creation contends for.

Within one replica a tenant's requests go to the counter in rounds: one round at a time per tenant,
and every request that arrived while a round was at the counter goes in the next one, which
decides them all from one read (as if they came one after another, token_bucket.decide_many) and
writes once. So a tenant's 32 concurrent requests cost a few round trips to nats-server in all
rather than two each, and only requests on other replicas can make a compare-and-set lose;
without the rounds, 64 concurrent requests of one tenant lost most of their races
(bench/README.md).

Leases: a round takes more tokens than its requests need, up to `lease_size` (at most
REPORTS_RATE_LIMIT_LEASE, default 32, a quarter of the tenant's burst and a tenth of a second of
its rate; tenants with a slow rate get none), and this replica spends the rest on the tenant's next
requests without a round trip, for at most LEASE_TTL_S. A tenant sending 400 requests a second to
one replica then costs it one read and one write per 32 requests instead of per round. The leased
tokens are spent in the shared bucket when they are taken, so replicas together never admit more
than the bucket holds at any one moment; what a lease bends is *when*: tokens leased at t and spent
up to LEASE_TTL_S later can go beside tokens the bucket has refilled by then, so over any window a
tenant may get at most one lease per replica more than the bucket alone would allow, and leased
tokens that expire unspent are lost to it (at most one lease per replica too). A leased request's
RateLimit-Remaining counts the bucket as the lease found it (other replicas' spending since is
not seen until the next round). REPORTS_RATE_LIMIT_LEASE=1 turns leases off: every round at the
counter.

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
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from nats.aio.client import Client as NatsClient
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from services.common import streams
from services.common.shared_kv import SharedKv
from services.common.tenant_limits import Limits, TenantLimits
from services.gateway.token_bucket import Decision, decide, decide_many

log = logging.getLogger(__name__)

TIMEOUT_S = 0.5
CAS_ATTEMPTS = 8
RETRY_AFTER_FAILURE_S = 1.0
LEASE_MOST = 32  # a lease's most tokens, the round's own included (REPORTS_RATE_LIMIT_LEASE)
LEASE_WINDOW_S = 0.1  # a lease is at most this long of a tenant's rate
LEASE_TTL_S = 1.0  # leased tokens not spent by then are dropped


def key_of(tenant: str) -> str:
    """A KV key for any tenant name (keys allow only [-/_=.a-zA-Z0-9])."""
    return "t." + tenant.encode().hex()


@dataclass
class Lease:
    """Tokens this replica took from the shared bucket ahead of its requests, spent without a round
    trip. They are spent in the shared TAT already: `tat` is where the lease left it."""

    tat: float
    left: int  # leased tokens not yet spent
    expires: float  # monotonic: unspent tokens are dropped then

    def spend(self, now: float, limits: Limits) -> Decision | None:
        """One request's decision from the lease (None when it has nothing left). The headers count
        as if this replica's requests were alone since the lease: the bucket as the lease found it."""
        if self.left <= 0:
            return None
        decision = decide(self.tat - self.left / limits.rps, now, limits.rps, limits.burst)
        self.left -= 1
        return decision if decision.allowed else None


def lease_size(limits: Limits, most: int) -> int:
    """How many tokens a round takes at least: at most `most`, a quarter of the bucket and
    LEASE_WINDOW_S of the tenant's rate, and never fewer than one (one: no lease)."""
    return max(1, min(most, limits.burst // 4, math.floor(limits.rps * LEASE_WINDOW_S)))


class SharedRateLimiter:
    def __init__(
        self,
        nats: Callable[[], NatsClient | None],
        limits: TenantLimits,
        clock: Callable[[], float] = time.time,
        lease_most: int = LEASE_MOST,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._monotonic = monotonic
        self._lease_most = lease_most
        self._kv = SharedKv(nats, streams.RATE_LIMIT_BUCKET, "tenant rate limit", log)
        self._down_until: float | None = None
        self._leases: dict[str, Lease] = {}
        self._waiting: dict[str, list[asyncio.Future[Decision | None]]] = {}  # tenant -> its next round
        self._rounds: dict[str, asyncio.Task[None]] = {}  # tenant -> the task taking its rounds

    async def take(self, tenant: str) -> Decision | None:
        """The decision for one request by `tenant`, or None when the counter is unreachable (let it through)."""
        leased = self._from_lease(tenant)
        if leased is not None:
            return leased
        if self._down_until is not None and time.monotonic() < self._down_until:
            return None  # it failed a moment ago: do not make every request wait out TIMEOUT_S again
        future: asyncio.Future[Decision | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(tenant, []).append(future)
        if tenant not in self._rounds:
            self._rounds[tenant] = asyncio.create_task(self._take_rounds(tenant))
        return await future

    def _from_lease(self, tenant: str) -> Decision | None:
        lease = self._leases.get(tenant)
        if lease is None:
            return None
        decision = lease.spend(self._clock(), self._limits.of(tenant)) if self._monotonic() < lease.expires else None
        if decision is None or lease.left <= 0:
            del self._leases[tenant]
        return decision

    async def _take_rounds(self, tenant: str) -> None:
        """Rounds for `tenant` until nobody waits. A task of its own, so a request that goes away
        (its client disconnected) never leaves the others of its round unanswered."""
        try:
            while batch := self._waiting.pop(tenant, None):
                pending = []
                for future in batch:  # the lease the last round brought back serves those who waited
                    decision = None if future.done() else self._from_lease(tenant)
                    if decision is not None:
                        future.set_result(decision)
                    elif not future.done():
                        pending.append(future)
                if not pending:
                    continue
                decisions = await self._round(tenant, len(pending))
                for future, decision in zip(pending, decisions, strict=True):
                    if not future.done():
                        future.set_result(decision)
        finally:
            del self._rounds[tenant]

    async def _round(self, tenant: str, count: int) -> list[Decision | None]:
        try:
            async with asyncio.timeout(TIMEOUT_S):
                decisions: list[Decision | None] = list(await self._take(tenant, count))
        except Exception as exc:  # noqa: BLE001 - every failure of the counter fails open (TimeoutError too)
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S
            self._kv.failed(exc)
            return [None] * count
        self._down_until = None
        return decisions

    async def _take(self, tenant: str, count: int) -> list[Decision]:
        kv = await self._kv.bucket()
        limits = self._limits.of(tenant)
        key = key_of(tenant)
        wanted = max(count, lease_size(limits, self._lease_most))
        decisions: list[Decision] = []
        for _ in range(CAS_ATTEMPTS):
            try:
                entry = await kv.get(key)
                stored, revision = float(entry.value or b"0"), entry.revision or 0
            except KeyNotFoundError:
                stored, revision = None, 0
            decisions = decide_many(stored, self._clock(), limits.rps, limits.burst, wanted)
            allowed = [d for d in decisions if d.allowed]
            if not allowed:
                return decisions[:count]
            try:
                await kv.update(key, repr(allowed[-1].tat).encode(), last=revision)
            except KeyWrongLastSequenceError:
                continue  # another replica spent tokens first: read again
            leased = len(allowed) - count
            if leased > 0:
                self._leases[tenant] = Lease(allowed[-1].tat, leased, self._monotonic() + LEASE_TTL_S)
            return decisions[:count]
        # So many of this tenant's requests raced on other replicas that none of ours won: over its rate.
        return [Decision(False, d.tat, limits.burst, 0, d.reset_s, 1) for d in decisions[:count]]
