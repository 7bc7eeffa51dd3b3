"""The services' own timings: their Prometheus histograms, scraped before and after a load.

Where the platform gives a service a metrics port (`Platform.addresses["<name>-metrics"]`), the
count and sum of these histograms are read before and after a run; the difference is what that
run cost each of them:
- `grpc_server_handling_seconds{service, method}`: every gRPC method a service serves;
- `renderer_job_stage_seconds{stage}`: the renderer's own time per job stage;
- `http_request_duration_seconds{route, method}`: the gateway's time per route.
A platform without metrics ports gives an empty table, not a failure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

_SAMPLE = re.compile(
    r"^(grpc_server_handling_seconds|renderer_job_stage_seconds|http_request_duration_seconds)"
    r"_(sum|count)\{([^}]*)\}\s+([0-9.eE+-]+)$"
)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

Totals = dict[str, tuple[float, float]]  # "Store.GetJob", "renderer stage rendering", ... → (calls, seconds)


def _key(metric: str, labels: dict[str, str]) -> str:
    if metric == "grpc_server_handling_seconds":
        return f"{labels.get('service', '?')}.{labels.get('method', '?')}"
    if metric == "renderer_job_stage_seconds":
        return f"renderer stage {labels.get('stage', '?')}"
    return f"gateway {labels.get('method', '?')} {labels.get('route', '?')}"


def parse(text: str) -> Totals:
    """Count and sum of seconds per timed thing from a Prometheus text exposition."""
    out: dict[str, list[float]] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if not match:
            continue
        metric, kind, labels, value = match.groups()
        key = _key(metric, dict(_LABEL.findall(labels)))
        slot = out.setdefault(key, [0.0, 0.0])
        slot[0 if kind == "count" else 1] += float(value)
    return {k: (v[0], v[1]) for k, v in out.items()}


def scrape(addresses: Mapping[str, str]) -> Totals:
    """Every `<name>-metrics` endpoint's totals, summed by method (two renderers add up)."""
    total: dict[str, tuple[float, float]] = {}
    for name, url in addresses.items():
        if not name.endswith("-metrics"):
            continue
        try:
            text = httpx.get(url, timeout=5).text
        except httpx.HTTPError:
            continue
        for key, (calls, seconds) in parse(text).items():
            before = total.get(key, (0.0, 0.0))
            total[key] = (before[0] + calls, before[1] + seconds)
    return total


def per_job(before: Totals, after: Totals, jobs: int) -> list[dict[str, Any]]:
    """Per method over the run: calls per job, mean handling ms, handling ms per job; costliest first."""
    rows = []
    for key, (calls, seconds) in after.items():
        calls0, seconds0 = before.get(key, (0.0, 0.0))
        n, s = calls - calls0, seconds - seconds0
        if n <= 0:
            continue
        rows.append(
            {
                "method": key,
                "calls": int(n),
                "calls_per_job": round(n / max(1, jobs), 2),
                "mean_ms": round(1000 * s / n, 2),
                "ms_per_job": round(1000 * s / max(1, jobs), 2),
            }
        )
    return sorted(rows, key=lambda r: r["ms_per_job"], reverse=True)
