"""`python -m bench.b3_model [RESULTS]`: what B3's makespan would be for a CPU cost per job, and in which order.

With a `make bench` results file (bench/results.json unless given), its B3's CPU per job is a row too.

B3 runs 500 jobs through 2 renderers × 64 slots against an LLM that answers after 2 s, on two
cores. Each slot takes a job, spends CPU to start its call (fetch, claim, the request: `call`
work), waits 2 s, spends CPU to finish it (the answer read, checked, stored: `finish` work), and
only then takes the next job (the store's dispatch window holds one job per slot, and a place
frees when a completion commits). So the LLM waits overlap, but the CPU of a wave of answers
lands at once, and whatever comes first on the cores delays the rest.

This model has just that: `cores` run CPU work one piece at a time each, without preemption, in
one of two orders, and the slots wait for the LLM in parallel:

- `fifo`: work in the order it became ready. With the CPU per job B3 measures and a quarter of it
  on the call side, it reproduces the measured makespans (round 12 of bench/README.md).
- `calls first`: work that starts a call goes before work that finishes one, so a slot's next
  call never waits behind other jobs' answers.

It ignores everything else (network, NATS, batching), so read it for the shape, not the digits.
"""

from __future__ import annotations

import heapq
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

FIFO = "fifo"
CALLS_FIRST = "calls first"
ORDERS = (FIFO, CALLS_FIRST)


@dataclass(frozen=True)
class Load:
    jobs: int = 500
    slots: int = 128
    cores: int = 2
    llm_s: float = 2.0
    cpu_per_job_s: float = 0.0166
    call_share: float = 0.25  # of a job's CPU, spent before its LLM call

    @property
    def ideal_s(self) -> float:
        return math.ceil(self.jobs / self.slots) * self.llm_s


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

    while taken < min(load.slots, load.jobs):
        taken += 1
        make_ready(True)
    while done < load.jobs:
        while free_cores and ready:
            _, _, is_call = heapq.heappop(ready)
            free_cores -= 1
            at(now + (call_cpu if is_call else finish_cpu), "ran", is_call)
        now, _, what, is_call = heapq.heappop(events)
        if what == "answered":
            make_ready(False)
            continue
        free_cores += 1
        if is_call:
            at(now + load.llm_s, "answered")
            continue
        done += 1
        last_done = now
        if taken < load.jobs:
            taken += 1
            make_ready(True)
    return last_done


def measured_cpu_per_job_s(results: Path) -> tuple[float, float] | None:
    """(CPU per job, makespan ÷ ideal) of the B3 in a `make bench` results file, if it has one."""
    try:
        b3 = json.loads(results.read_text())["benchmarks"]["B3"]
    except (OSError, KeyError, ValueError):
        return None
    return sum(b3["service_cpu_s"].values()) / b3["completed"], b3["ratio_to_ideal"]


def main() -> int:
    results = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results.json"
    measured = measured_cpu_per_job_s(results)
    cpu_ms = [16.6, 12.0, 10.0, 8.0]
    if measured is not None:
        cpu, ratio = measured
        print(f"{results.name}: B3 used {cpu * 1000:.1f} ms of CPU per job and took {ratio:.2f}× its ideal")
        cpu_ms = sorted({round(cpu * 1000, 1), *cpu_ms}, reverse=True)
    print(f"{'CPU per job':>12}  " + "  ".join(f"{order + ' ÷ ideal':>20}" for order in ORDERS))
    for ms in cpu_ms:
        load = Load(cpu_per_job_s=ms / 1000)
        cells = "  ".join(f"{makespan(load, order) / load.ideal_s:20.3f}" for order in ORDERS)
        print(f"{ms:9.1f} ms  {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
