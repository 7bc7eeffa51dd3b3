"""What a watched copy of the provider-budget bucket saves each LLM call (services/renderer/budget_copies.py).

`python -m bench.budget_read`: one nats-server of its own, a model with no budget, `admit` 3,000 times
reading the bucket (a KV get per call, as before the copy) and 3,000 times reading the watched copy,
twice each, alternating. Prints the latency and this process's CPU per call.
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from pathlib import Path

import nats
from nats.aio.client import Client as NatsClient

from services.common import streams
from services.renderer.shared_budget import SharedBudget
from stack.nats_server import NatsServer

CALLS = 3000
WARMUP = 200


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _admits(nc: NatsClient, watching: bool) -> tuple[float, float]:
    """(µs per admit, µs of this process's CPU per admit)."""
    budget = SharedBudget(lambda: nc, {})
    try:
        if watching:
            budget.start_watching()
            while not budget.copy_current:
                await asyncio.sleep(0.01)
        for _ in range(WARMUP):
            await budget.admit("openai", "dev-llm", 100)
        cpu, started = _cpu_s(), time.perf_counter()
        for _ in range(CALLS):
            await budget.admit("openai", "dev-llm", 100)
        return 1e6 * (time.perf_counter() - started) / CALLS, 1e6 * (_cpu_s() - cpu) / CALLS
    finally:
        await budget.aclose()


async def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-budget-read-"))
    server = NatsServer(work / "nats", work / "nats.log").start()
    try:
        nc = await nats.connect(server.url)
        await streams.ensure_streams(nc.jetstream(), streams.StreamSettings())
        for watching in (False, True, False, True):
            latency, cpu = await _admits(nc, watching)
            source = "watched copy" if watching else "bucket (KV get)"
            print(f"{source:16s} {latency:7.1f} µs per admit, {cpu:6.1f} µs of the renderer's CPU")
        await nc.close()
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
