"""`python -m bench.traced_job`: one job at a time with tracing on, and where each job's time goes.

A platform (SQLite, or PostgreSQL with BENCH_DATABASE_URL) exports its spans to a collector in this
process (OTLP over HTTP); the jobs are created one after another, each watched over SSE to its end.
For every span name the table gives, as medians over the jobs, when it starts after the gateway
received the create and how long it lasts, so the gaps between one service's span and the next
show the time no span covers: the RPCs' way in and out, the renderer's own steps between calls.
Tracing adds its own cost to every span; read the gaps against each other, not as B2's figures.

    python -m bench.traced_job [JOBS]    (default 60)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import httpx

from bench import harness, workload
from stack.span_collector import Span, span_collector

# A job's trace is complete once each service's last span of it has arrived (each exports its spans
# in batches of its own, every few seconds).
LAST_SPANS = frozenset({"POST /v1/reports/jobs", "render job", "Store/CompleteJob"})
EXPORT_WAIT_S = 30.0


def run_jobs(gateway_url: str, count: int) -> None:
    media_id = harness.create_media(gateway_url)
    with httpx.Client(base_url=gateway_url, headers=workload.AUTH, timeout=30) as http:
        for _ in range(count):
            job_id = http.post("/v1/reports/jobs", json=workload.job_body(media_id)).json()["jobId"]
            with http.stream("GET", f"/v1/jobs/{job_id}/events") as events:
                for line in events.iter_lines():
                    if line.startswith("data:") and any(f'"{s}"' in line for s in ("succeeded", "failed")):
                        break


def complete_traces(spans: list[Span]) -> int:
    names: dict[str, set[str]] = defaultdict(set)
    for span in spans:
        names[span.trace_id].add(span.name)
    return sum(1 for seen in names.values() if seen >= LAST_SPANS)


def timeline(spans: list[Span], jobs: int) -> list[tuple[float, float, int, str, str]]:
    """(start p50 ms after the create, duration p50 ms, jobs seen, service, span) of each span that
    appears in most of the jobs' traces, in order of start."""
    by_trace: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    seen: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for trace in by_trace.values():
        creates = [span.start_ns for span in trace if span.name == "POST /v1/reports/jobs"]
        if not creates or not any(span.name == "render job" for span in trace):
            continue
        for span in trace:
            seen[(span.service, span.name)].append(
                ((span.start_ns - creates[0]) / 1e6, (span.end_ns - span.start_ns) / 1e6)
            )
    rows = [
        (statistics.median(s for s, _ in v), statistics.median(d for _, d in v), len(v), service, name)
        for (service, name), v in seen.items()
        if 2 * len(v) > jobs
    ]
    return sorted(rows)


def main() -> int:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with span_collector() as collector:
        with (
            tempfile.TemporaryDirectory(prefix="reports-traced-") as work,
            harness.platform(
                Path(work) / "traced", env={"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint}
            ) as platform,
        ):
            run_jobs(platform.gateway_url, jobs)
            collector.wait_for(lambda spans: complete_traces(spans) >= jobs, EXPORT_WAIT_S)
        spans = collector.snapshot()
    if (whole := complete_traces(spans)) < jobs:
        print(f"only {whole} of {jobs} traces arrived whole", file=sys.stderr)
    print(f"{'starts at':>10} {'lasts':>9}  jobs  service / span (medians over {jobs} jobs, ms after the create)")
    for start, duration, seen, service, name in timeline(spans, jobs):
        print(f"{start:10.2f} {duration:9.2f}  {seen:4d}  {service} / {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
