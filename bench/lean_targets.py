"""The lean job path's targets (issue 15), judged on one run: every figure is that run's own, and all
but the CPU per job are ratios to a baseline measured beside it."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.stats import dig


@dataclass(frozen=True)
class Judged:
    bench: str
    figure: str
    value: float | None  # None: the benchmark did not run, or did not produce the figure
    unit: str
    target: str
    met: bool | None


def _cpu_per_job(b2: Any) -> float | None:
    per_process = dig(b2, "saturated", "service_cpu_ms_per_job")
    return round(sum(per_process.values()), 2) if per_process else None


# (bench, figure, where its value is, unit, comparison, bound)
_TARGETS: list[tuple[str, str, Callable[[dict[str, Any]], float | None], str, str, float]] = [
    (
        "B5",
        "pipeline jobs/s ÷ Celery+Redis, same work",
        lambda b: dig(b, "B5", "render", "pipeline_ratio"),
        "×",
        "≥",
        1.0,
    ),
    (
        "B2",
        "CPU per completed job, all services (and the database server), saturated",
        lambda b: _cpu_per_job(b.get("B2")),
        " ms",
        "≤",
        25.0,
    ),
    (
        "B2",
        "create → succeeded p50 one at a time ÷ write_report in-process",
        lambda b: dig(b, "B2", "ratios", "unloaded_p50_vs_direct"),
        "×",
        "≤",
        2.0,
    ),
    ("B3", "makespan ÷ ideal", lambda b: dig(b, "B3", "ratio_to_ideal"), "×", "≤", 1.15),
    ("B4", "SSE delivery ÷ plain NATS subscriber, p50", lambda b: dig(b, "B4", "ratios", "p50"), "×", "≤", 2.0),
    ("B4", "SSE delivery ÷ plain NATS subscriber, p99", lambda b: dig(b, "B4", "ratios", "p99"), "×", "≤", 1.5),
    ("B1", "create throughput ÷ bare Starlette", lambda b: dig(b, "B1", "ratios", "throughput"), "×", "≥", 0.12),
]
_COMPARE = {"≥": operator.ge, "≤": operator.le}


def judged(results: dict[str, Any]) -> list[Judged]:
    benchmarks = results.get("benchmarks", {})
    out = []
    for bench, figure, value_of, unit, comparison, bound in _TARGETS:
        value = value_of(benchmarks)
        met = None if value is None else bool(_COMPARE[comparison](value, bound))
        shown = f"{bound:g}" if unit == " ms" else str(bound)  # 25 ms; 1.0×, 1.15×
        out.append(Judged(bench, figure, value, unit, f"{comparison} {shown}{unit}", met))
    return out
