"""B2 pipeline overhead: jobs through the whole pipeline with the dev LLM at zero latency.

Two loads on one platform (1 renderer × REPORTS_RENDERER_CONCURRENCY=16, the defaults):
- saturated: N jobs (2,000) created as fast as 32 connections can, for completed jobs per second
  and latency under that load (mostly queueing);
- unloaded: jobs one at a time (the next is created once the previous succeeded), for the
  pipeline's own overhead per job.
Every job's moments are the store's commit timestamps carried by its status events (read from
NATS by the load generator), so the stages need no extra instrumentation. The same-run baseline
for latency is the renderer's own work without the pipeline: `write_report` (dev LLM call,
checks, Markdown) in the load generator's process, one at a time.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import analysis, database, harness, metrics, past_jobs, workload
from bench.harness import Context
from bench.stats import ratio
from services.common import defaults
from services.store.settings import StoreSettings
from stack.platform import Platform

CONNECTIONS = 32
RENDERERS = 1


def load(ctx: Context, p: Platform, media_id: str, count: int, *, sequential: bool, log: str) -> dict[str, Any]:
    """`count` jobs created by CONNECTIONS connections (or one at a time), each followed to its end."""
    return harness.run_loadgen(
        "jobs",
        {
            "url": p.gateway_url,
            "nats_url": p.nats_url,
            "headers": workload.AUTH,
            "body": workload.job_body(media_id),
            "count": count,
            "concurrency": CONNECTIONS,
            "sequential": sequential,
            "timeout_s": 600,
        },
        ctx.log(log),
        timeout=900,
    )


def jobs(
    ctx: Context, p: Platform, media_id: str, count: int, *, sequential: bool, log: str
) -> tuple[dict[str, Any], dict[str, float], float]:
    meter = harness.service_meter(p).start()
    before = metrics.scrape(p.addresses)
    result = load(ctx, p, media_id, count, sequential=sequential, log=log)
    used = meter.stop()
    result["rpc_per_job"] = metrics.per_job(before, metrics.scrape(p.addresses), len(result["jobs"]))
    return result, used, meter.wall


def summarise(result: dict[str, Any], cpu: dict[str, float], wall: float) -> dict[str, Any]:
    lines = analysis.timelines(result["jobs"], result["events"])
    stages = analysis.stage_breakdown(lines)
    done = max(1, len(analysis.completed(lines)))
    return {
        "jobs": len(result["jobs"]),
        "create_errors": result["error_count"],
        "unfinished": result["unfinished"],
        **analysis.throughput(lines),
        **analysis.job_latencies(lines),
        "stages": stages,
        "largest_stage": analysis.largest_stage(stages),
        "service_cpu_s": cpu,
        "service_cpu_ms_per_job": {name: round(1000 * s / done, 2) for name, s in cpu.items()},
        "rpc_per_job": result["rpc_per_job"],
        "wall_s": round(wall, 2),
        "client_cpu": result["client_cpu"],
    }


def run(ctx: Context, p: Platform, media_id: str) -> dict[str, Any]:
    count = int(ctx.size(2000, 300))
    sequential = int(ctx.size(200, 30))
    past_jobs.write(StoreSettings.from_env(p.service_env()).database_url, workload.TENANT)
    jobs(ctx, p, media_id, int(ctx.size(100, 30)), sequential=False, log="b2-warmup-loadgen.log")
    database.analyze(p.config.database_url)

    saturated = summarise(*jobs(ctx, p, media_id, count, sequential=False, log="b2-saturated-loadgen.log"))
    print(
        f"  B2 saturated: {saturated['jobs_per_s']} jobs/s, create→succeeded p50 "
        f"{saturated['create_to_succeeded_ms'].get('p50')} ms; CPU ms/job {saturated['service_cpu_ms_per_job']}",
        file=sys.stderr,
    )
    unloaded = summarise(*jobs(ctx, p, media_id, sequential, sequential=True, log="b2-unloaded-loadgen.log"))
    print(
        f"  B2 unloaded: create→succeeded p50 {unloaded['create_to_succeeded_ms'].get('p50')} ms "
        f"p99 {unloaded['create_to_succeeded_ms'].get('p99')} ms",
        file=sys.stderr,
    )

    direct = harness.run_loadgen(
        "render_direct",
        {
            "store": p.addresses["store"],
            "resolver": p.addresses["resolver"],
            "devllm_url": p.addresses["devllm"],
            "tenant": workload.TENANT,
            "media_id": media_id,
            "template": "sales_playbook",
            "count": sequential,
        },
        ctx.log("b2-direct-loadgen.log"),
        timeout=600,
    )
    print(
        f"  B2 baseline write_report in-process: p50 {direct['write_report_ms'].get('p50')} ms "
        f"(LLM call p50 {direct['llm_call_ms'].get('p50')} ms)",
        file=sys.stderr,
    )
    base = direct["write_report_ms"]
    latency = unloaded["create_to_succeeded_ms"]
    return {
        "renderers": RENDERERS,
        "renderer_concurrency": defaults.RENDERER_CONCURRENCY,
        "connections": CONNECTIONS,
        "saturated": saturated,
        "unloaded": unloaded,
        "direct_render": direct,
        "ratios": {f"unloaded_{q}_vs_direct": ratio(latency.get(q), base.get(q)) for q in ("p50", "p95", "p99")},
    }
