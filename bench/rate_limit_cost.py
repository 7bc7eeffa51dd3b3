"""`python -m bench.rate_limit_cost`: what the shared tenant rate limit costs a request.

Starts its own nats-server (loopback, ephemeral port), makes the streams as the store does, and
times SharedRateLimiter.take three ways, once with leases off (REPORTS_RATE_LIMIT_LEASE=1: every
round of requests at the counter) and once with the default lease:
  - one tenant, one request at a time: the latency each request pays;
  - 64 tenants, 64 requests at once: throughput without contention;
  - one tenant, 64 requests at once: the worst case, every request racing for the same key.
Each case says its CPU per request (this process, i.e. the limiter and its NATS client, plus
nats-server, from /proc) and its KV operations per request (reads and compare-and-set writes).
The limits are set so high that every request is allowed (a refusal costs only the read).

Environment: RATE_BENCH_N (requests per case, default 3000).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nats.js.kv import KeyValue

from bench.procs import CpuMeter
from services.common import streams
from services.common.tenant_limits import Limits, TenantLimits
from services.gateway import rate_limiter
from services.gateway.rate_limiter import SharedRateLimiter
from stack.nats_server import NatsServer

CONCURRENCY = 64
KV_OPS: Counter[str] = Counter()


def _counted(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        KV_OPS[name] += 1
        return await method(*args, **kwargs)

    return call


def _quantile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


async def _timed(limiter: SharedRateLimiter, tenant: str, latencies: list[float]) -> bool:
    started = time.perf_counter()
    decision = await limiter.take(tenant)
    latencies.append(time.perf_counter() - started)
    return decision is not None and decision.allowed


async def _case(label: str, limiter: SharedRateLimiter, n: int, tenants: int | None, nats_pid: int) -> None:
    """`tenants` None: one request at a time; else CONCURRENCY at once over that many tenants."""
    latencies: list[float] = []
    refused = 0
    KV_OPS.clear()
    meter = CpuMeter({"limiter": os.getpid(), "nats": nats_pid}).start()
    started = time.perf_counter()
    if tenants is None:
        for _ in range(n):
            refused += not await _timed(limiter, label, latencies)
    else:
        for batch in range(0, n, CONCURRENCY):
            allowed = await asyncio.gather(
                *[
                    _timed(limiter, f"{label}{i % tenants}", latencies)
                    for i in range(batch, min(n, batch + CONCURRENCY))
                ]
            )
            refused += allowed.count(False)
    elapsed = time.perf_counter() - started
    cpu = meter.stop()
    print(
        f"  {label:24} p50 {_quantile(latencies, 0.5) * 1e6:6.0f} µs  p99 {_quantile(latencies, 0.99) * 1e6:6.0f} µs"
        f"  mean {statistics.mean(latencies) * 1e6:6.0f} µs  {n / elapsed:6.0f} req/s"
        f"  CPU/request: limiter {cpu['limiter'] / n * 1e6:4.0f} µs + nats {cpu['nats'] / n * 1e6:4.0f} µs"
        f"  KV ops/request {(KV_OPS['get'] + KV_OPS['update']) / n:.3f}  refused {refused}"
    )


async def run(n: int) -> None:
    KeyValue.get = _counted("get", KeyValue.get)  # type: ignore[method-assign]
    KeyValue.update = _counted("update", KeyValue.update)  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory(prefix="rate-bench-") as work:
        server = NatsServer(Path(work) / "nats", Path(work) / "nats.log").start()
        try:
            assert server.process.proc is not None
            nc = await streams.connect(server.url, "rate-bench")
            await streams.ensure_streams(nc.jetstream(), streams.StreamSettings())
            unlimited = TenantLimits(default=Limits(rps=1e6, burst=10**8))
            rate_limiter.TIMEOUT_S = 5.0  # measure the cost, not the fail-open cut-off
            for lease in (1, rate_limiter.LEASE_MOST):
                limiter = SharedRateLimiter(lambda: nc, unlimited, lease_most=lease)
                await limiter.take("warm-up")
                print(f"lease of {lease} token{'s' if lease > 1 else ''}:")
                await _case(f"l{lease}-sequential", limiter, n, None, server.process.proc.pid)
                await _case(f"l{lease}-64-tenants", limiter, n, CONCURRENCY, server.process.proc.pid)
                await _case(f"l{lease}-1-tenant-64-at-once", limiter, n, 1, server.process.proc.pid)
            await nc.close()
        finally:
            server.stop()


def main() -> None:
    asyncio.run(run(int(os.environ.get("RATE_BENCH_N", "3000"))))


if __name__ == "__main__":
    main()
