"""`python -m bench.rate_limit_cost`: what the shared tenant rate limit costs a request.

Starts its own nats-server (loopback, ephemeral port), makes the streams as the store does, and
times SharedRateLimiter.take (one KV read and one compare-and-set write) three ways:
  - one tenant, one request at a time: the latency each request pays;
  - 64 tenants, 64 requests at once: throughput without contention;
  - one tenant, 64 requests at once: the worst case, every request racing for the same key.
The limits are set so high that every request is allowed (a refusal costs only the read).

Environment: RATE_BENCH_N (requests per case, default 3000).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from services.common import streams
from services.common.tenant_limits import Limits, TenantLimits
from services.gateway import rate_limiter
from services.gateway.rate_limiter import SharedRateLimiter
from stack.nats_server import NatsServer

CONCURRENCY = 64


def _quantile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


async def _timed(limiter: SharedRateLimiter, tenant: str, latencies: list[float]) -> bool:
    started = time.perf_counter()
    decision = await limiter.take(tenant)
    latencies.append(time.perf_counter() - started)
    return decision is not None and decision.allowed


async def run(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rate-bench-") as work:
        server = NatsServer(Path(work) / "nats", Path(work) / "nats.log").start()
        try:
            nc = await streams.connect(server.url, "rate-bench")
            await streams.ensure_streams(nc.jetstream(), streams.StreamSettings())
            unlimited = TenantLimits(default=Limits(rps=1e6, burst=10**8))
            limiter = SharedRateLimiter(lambda: nc, unlimited)
            rate_limiter.TIMEOUT_S = 5.0   # measure the cost, not the fail-open cut-off
            await limiter.take("warm-up")

            serial: list[float] = []
            started = time.perf_counter()
            for _ in range(n):
                assert await _timed(limiter, "serial", serial)
            serial_s = time.perf_counter() - started
            print(f"sequential, 1 tenant:   mean {statistics.mean(serial) * 1e6:7.0f} µs  "
                  f"p50 {_quantile(serial, 0.5) * 1e6:7.0f} µs  p99 {_quantile(serial, 0.99) * 1e6:7.0f} µs  "
                  f"({n / serial_s:6.0f} req/s)")

            for label, tenants in ((f"{CONCURRENCY} at once, {CONCURRENCY} tenants", CONCURRENCY),
                                   (f"{CONCURRENCY} at once, 1 tenant  ", 1)):
                latencies: list[float] = []
                refused_by_contention = 0
                started = time.perf_counter()
                for batch in range(0, n, CONCURRENCY):
                    allowed = await asyncio.gather(*[_timed(limiter, f"c{i % tenants}", latencies)
                                                     for i in range(batch, min(n, batch + CONCURRENCY))])
                    refused_by_contention += allowed.count(False)
                elapsed = time.perf_counter() - started
                print(f"{label}: p50 {_quantile(latencies, 0.5) * 1e6:7.0f} µs  "
                      f"p99 {_quantile(latencies, 0.99) * 1e6:7.0f} µs  ({n / elapsed:6.0f} req/s; "
                      f"refused after 8 lost races: {refused_by_contention})")
            await nc.close()
        finally:
            server.stop()


def main() -> None:
    asyncio.run(run(int(os.environ.get("RATE_BENCH_N", "3000"))))


if __name__ == "__main__":
    main()
