"""Percentiles and summaries of latency samples: pure functions, unit-tested."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks.

    The same definition as numpy's default (`linear`): p50 of [1, 2, 3, 4] is 2.5.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Iterable[float], scale: float = 1.0, digits: int = 2) -> dict[str, float]:
    """n, mean, p50, p90, p95, p99 and max of `values` times `scale` (e.g. 1000 for s → ms)."""
    scaled = sorted(v * scale for v in values)
    if not scaled:
        return {"n": 0}
    out: dict[str, float] = {"n": len(scaled), "mean": round(sum(scaled) / len(scaled), digits)}
    for p in (50, 90, 95, 99):
        out[f"p{p}"] = round(percentile(scaled, p), digits)
    out["max"] = round(scaled[-1], digits)
    return out


def ratio(value: float | None, baseline: float | None, digits: int = 2) -> float | None:
    """value / baseline, or None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return round(value / baseline, digits)


def rate(count: int, seconds: float, digits: int = 1) -> float:
    """Events per second over a window; 0 for an empty window."""
    return round(count / seconds, digits) if seconds > 0 else 0.0


def cpu_share(cpu_seconds: float, wall_seconds: float) -> float:
    """CPU time over wall time, in percent of one core (200 = two cores busy)."""
    return round(100 * cpu_seconds / wall_seconds, 1) if wall_seconds > 0 else 0.0


def dig(data: Any, *path: Any) -> Any:
    """The value at `path` in nested results (dicts), or None where the path stops."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data
