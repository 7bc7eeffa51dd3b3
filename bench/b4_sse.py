"""B4 SSE fan-out: 1,000 subscribers on one gateway process, 10 on each of 100 jobs.

The jobs are created on a platform with no renderer, so they wait in `queued` while every
subscriber connects and receives the current state. Then one renderer starts and each job's
transitions (rendering, succeeded) reach its ten subscribers. Latency: from
the store's commit timestamp (event `at`) to the moment the client read the event. Same-run
baseline: a plain NATS subscriber in the same client process receiving the same events (what the
gateway adds on top of the outbox relay and NATS). Memory: the gateway's VmRSS idle with the jobs
created, with every subscriber connected, and its peak (VmHWM).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import httpx

from bench import analysis, harness, workload
from bench.harness import Context
from bench.procs import memory_kib
from bench.stats import ratio

PER_JOB = 10
TRANSITIONS = 2  # rendering (the claim, with the resolution) and succeeded


def run(ctx: Context) -> dict[str, Any]:
    job_count = int(ctx.size(100, 20))
    with harness.platform(ctx.var("b4"), renderers=0) as p:
        media_id = harness.create_media(p.gateway_url)
        with httpx.Client(base_url=p.gateway_url, headers=workload.AUTH, timeout=30) as http:
            job_ids = [
                http.post("/v1/reports/jobs", json=workload.job_body(media_id)).json()["jobId"]
                for _ in range(job_count)
            ]
        gateway_pid = p.processes["gateway"].proc.pid  # type: ignore[union-attr]
        idle = memory_kib(gateway_pid)
        loadgen = harness.Loadgen(
            "sse",
            {
                "url": p.gateway_url,
                "nats_url": p.nats_url,
                "headers": workload.AUTH,
                "job_ids": job_ids,
                "per_job": PER_JOB,
                "connect_concurrency": 50,
                "timeout_s": 180,
            },
            ctx.log("b4-loadgen.log"),
        )
        ready = loadgen.message(timeout=300)
        connected = memory_kib(gateway_pid)
        peak = {"VmRSS": connected.get("VmRSS", 0)}
        stop = threading.Event()

        def sample() -> None:  # VmHWM is the process's lifetime peak; this is the peak under load
            while not stop.wait(0.2):
                peak["VmRSS"] = max(peak["VmRSS"], memory_kib(gateway_pid).get("VmRSS", 0))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        meter = harness.service_meter(p).start()
        p.start_renderer("renderer")
        meter.pids.update(harness.service_pids(p))
        result = loadgen.result(timeout=400)
        cpu = meter.stop()
        stop.set()
        sampler.join()
        after = memory_kib(gateway_pid)

    delivery = analysis.sse_delivery(result["deliveries"], result["nats_events"])
    expected = job_count * PER_JOB * TRANSITIONS
    mib = lambda kib: round(kib / 1024, 1)  # noqa: E731
    print(
        f"  B4: {delivery['deliveries']}/{expected} deliveries, SSE p50 {delivery['sse_ms'].get('p50')} ms "
        f"p99 {delivery['sse_ms'].get('p99')} ms; NATS p99 {delivery['nats_direct_ms'].get('p99')} ms; "
        f"gateway RSS {mib(idle.get('VmRSS', 0))} → {mib(connected.get('VmRSS', 0))} MiB "
        f"(peak {mib(peak['VmRSS'])})",
        file=sys.stderr,
    )
    return {
        "subscribers": job_count * PER_JOB,
        "jobs": job_count,
        "connected": result["connected"],
        "connect_s": ready.get("connect_s"),
        "connect_ms": result["connect_ms"],
        "expected_deliveries": expected,
        **delivery,
        "ratios": {q: ratio(delivery["sse_ms"].get(q), delivery["nats_direct_ms"].get(q)) for q in ("p50", "p99")},
        "gateway_rss_mib": {
            "idle": mib(idle.get("VmRSS", 0)),
            "connected": mib(connected.get("VmRSS", 0)),
            "peak_during_delivery": mib(peak["VmRSS"]),
            "after": mib(after.get("VmRSS", 0)),
            "hwm": mib(after.get("VmHWM", 0)),
        },
        "rss_ratio_connected_vs_idle": ratio(connected.get("VmRSS"), idle.get("VmRSS")),
        "kib_per_subscriber": round(
            (connected.get("VmRSS", 0) - idle.get("VmRSS", 0)) / max(1, result["connected"]), 1
        ),
        "errors": result["errors"],
        "error_count": result["error_count"],
        "unfinished": result["unfinished"],
        "service_cpu_s": cpu,
        "client_cpu": result["client_cpu"],
    }
