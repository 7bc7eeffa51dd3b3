"""`python -m bench.b3_model [RESULTS]`: what B3's makespan would be for a CPU cost per job, and in which order.

B3 runs 500 jobs through 2 renderers × 64 slots against an LLM that answers after 2 s, on two
cores. Each slot takes a job, spends CPU to start its call (fetch, claim, the request: `call`
work), waits 2 s, spends CPU to finish it (the answer generated and read, checked, stored:
`finish` work), and only then takes the next job (the store's dispatch window holds one job per
slot, and a place frees when a completion commits). So the LLM waits overlap, but the CPU of a
wave of answers lands at once, and whatever comes first on the cores delays the rest.

This model has just that: `cores` run CPU work one piece at a time each, without preemption, in
one of two orders, and the slots wait for the LLM in parallel:

- `fifo`: work in the order it became ready. Its figures depend on the share of a job's CPU that
  starts its call (`call_share`; a quarter by default, from the per-process CPU of B2 and B3:
  the renderer's fetch, claim and request, the store's claim, the dev LLM reading the request).
- `calls first`: work that starts a call goes before work that finishes one, so a slot's next
  call never waits behind other jobs' answers. Its figures hardly depend on the share.

It ignores everything else (network, NATS, batching), so read it for the shape, not the digits.
With a `make bench` results file (bench/results.json unless given), its B3's CPU per job is a row too.
"""

from __future__ import annotations

import heapq
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from bench import b3_concurrency

FIFO = "fifo"
CALLS_FIRST = "calls first"
ORDERS = (FIFO, CALLS_FIRST)


@dataclass(frozen=True)
class Load:
    jobs: int = b3_concurrency.JOBS
    slots: int = b3_concurrency.RENDERERS * b3_concurrency.CONCURRENCY
    cores: int = 2
    llm_s: float = b3_concurrency.LLM_LATENCY_S
    cpu_per_job_s: float = 0.0165
    call_share: float = 0.25  # of a job's CPU, spent before its LLM call

    def __post_init__(self) -> None:
        if min(self.jobs, self.slots, self.cores) < 1:
            raise ValueError("a load needs at least one job, slot and core")
        if self.llm_s < 0 or self.cpu_per_job_s < 0 or not 0 <= self.call_share <= 1:
            raise ValueError("times must not be negative, and the call's share is within 0..1")

    @property
    def ideal_s(self) -> float:
        return b3_concurrency.ideal_s(self.jobs, self.slots, self.llm_s)


def makespan(load: Load, order: str) -> float:
    """Seconds from the first job taken to the last finished."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    call_cpu = load.cpu_per_job_s * load.call_share
    finish_cpu = load.cpu_per_job_s - call_cpu
    ready: list[tuple[int, int, bool]] = []  # (rank, seq, is_call): the work waiting for a core
    events: list[tuple[float, int, str, bool]] = []  # (at, seq, what, is_call)
    seq = 0
    free_cores = load.cores
    taken = done = 0
    now = last_done = 0.0

    def make_ready(is_call: bool) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(ready, (0 if is_call and order == CALLS_FIRST else 1, seq, is_call))

    def at(when: float, what: str, is_call: bool = False) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (when, seq, what, is_call))

    def take_next_job() -> None:
        nonlocal taken
        if taken < load.jobs:
            taken += 1
            make_ready(True)

    for _ in range(load.slots):
        take_next_job()
    while done < load.jobs:
        while free_cores and ready:
            _, _, is_call = heapq.heappop(ready)
            free_cores -= 1
            at(now + (call_cpu if is_call else finish_cpu), "ran", is_call)
        now = events[0][0]
        while events and events[0][0] == now:  # all that happens at this instant, before a core is given
            _, _, what, is_call = heapq.heappop(events)
            if what == "answered":
                make_ready(False)
                continue
            free_cores += 1
            if is_call:
                at(now + load.llm_s, "answered")
                continue
            done += 1
            last_done = now
            take_next_job()
    return last_done


class Measured(NamedTuple):
    cpu_per_job_s: float
    ratio_to_ideal: float


def measured_b3(results: Path) -> Measured | None:
    """The B3 of a `make bench` results file, if it has one."""
    try:
        b3 = json.loads(results.read_text())["benchmarks"]["B3"]
    except (OSError, KeyError, ValueError):
        return None
    return Measured(b3_concurrency.cpu_per_job_s(b3), b3["ratio_to_ideal"])


def main() -> int:
    results = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results.json"
    cpu_ms = [12.0, 10.0, 9.0, 8.0]
    measured = measured_b3(results)
    if measured is not None:
        print(
            f"{results.name}: B3 used {measured.cpu_per_job_s * 1000:.1f} ms of CPU per job "
            f"and took {measured.ratio_to_ideal:.2f}× its ideal"
        )
        cpu_ms.insert(0, round(measured.cpu_per_job_s * 1000, 1))
    print(f"{'CPU per job':>12}  " + "  ".join(f"{order + ' ÷ ideal':>20}" for order in ORDERS))
    for ms in cpu_ms:
        load = Load(cpu_per_job_s=ms / 1000)
        cells = "  ".join(f"{makespan(load, order) / load.ideal_s:20.3f}" for order in ORDERS)
        print(f"{ms:9.1f} ms  {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
