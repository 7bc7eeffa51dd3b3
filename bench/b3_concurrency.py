"""B3 LLM-bound concurrency: the dev LLM at 2 s a call, N renderers × C jobs in flight each.

All jobs are created first, on a platform with no renderer, so the makespan measures draining the
queue and not the create rate. Then N renderers start side by side. Makespan: from the first
job's claim (its first `running` commit) to the last job's `succeeded` commit (the store's timestamps). Ideal:
ceil(jobs / (N·C)) × 2 s, the time N·C perfectly parallel LLM calls would need.
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any

from bench import analysis, harness, workload
from bench.harness import Context
from bench.stats import ratio
from stack.platform import render_capacity

LLM_LATENCY_S = 2.0
RENDERERS = 2
CONCURRENCY = 64
JOBS = 500


def ideal_s(jobs: int, slots: int, llm_s: float = LLM_LATENCY_S) -> float:
    """The makespan of `jobs` on `slots` perfectly parallel LLM calls of `llm_s` each."""
    return math.ceil(jobs / slots) * llm_s


def cpu_per_job_s(result: dict[str, Any]) -> float:
    """All processes' CPU over the run ÷ the jobs it completed."""
    return sum(result["service_cpu_s"].values()) / result["completed"]


def run(
    ctx: Context, *, concurrency: int = CONCURRENCY, count: int | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """B3; `concurrency` slots a renderer, `count` jobs and `env` for bench.traced_b3's smaller runs."""
    count = int(ctx.size(JOBS, 200)) if count is None else count
    env = {
        **(env or {}),
        "REPORTS_LLM_MODEL": f"dev-llm+latency={int(LLM_LATENCY_S * 1000)}",
        "REPORTS_RENDERER_CONCURRENCY": str(concurrency),
        "REPORTS_RENDER_CAPACITY": str(render_capacity(RENDERERS, concurrency)),
    }  # the store's dispatch window
    with harness.platform(ctx.var("b3"), renderers=0, env=env) as p:
        media_id = harness.create_media(p.gateway_url)
        loadgen = harness.Loadgen(
            "jobs",
            {
                "url": p.gateway_url,
                "nats_url": p.nats_url,
                "headers": workload.AUTH,
                "body": workload.job_body(media_id),
                "count": count,
                "concurrency": 32,
                "timeout_s": 300,
            },
            ctx.log("b3-loadgen.log"),
        )
        created = loadgen.message(timeout=300)
        if created.get("event") != "created":
            raise RuntimeError(f"B3: unexpected message {created}")
        names = [f"renderer-{i + 1}" for i in range(RENDERERS)]
        starters = [threading.Thread(target=p.start_renderer, args=(name,)) for name in names]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        meter = harness.service_meter(p).start()
        result = loadgen.result(timeout=600)
        cpu = meter.stop()

    lines = analysis.timelines(result["jobs"], result["events"])
    done = analysis.completed(lines)
    if not done:
        raise RuntimeError(
            f"B3: no job completed ({result['unfinished']} of {count} unfinished); "
            "see the renderers' logs (BENCH_KEEP=1)"
        )
    first_pickup = min(t["started"] for t in done if "started" in t)
    last_done = max(t["succeeded"] for t in done)
    makespan = last_done - first_pickup
    ideal = ideal_s(count, RENDERERS * concurrency)
    render_stage = next(r for r in analysis.stage_breakdown(lines) if r["from"] == "rendering")["ms"]
    print(f"  B3: makespan {makespan:.2f} s vs ideal {ideal:.1f} s ({len(done)}/{count} done)", file=sys.stderr)
    return {
        "jobs": count,
        "completed": len(done),
        "renderers": RENDERERS,
        "concurrency_per_renderer": concurrency,
        "llm_latency_s": LLM_LATENCY_S,
        "makespan_s": round(makespan, 2),
        "ideal_s": ideal,
        "ratio_to_ideal": ratio(makespan, ideal),
        "create_s": round(max(t["replied"] for t in lines) - min(t["sent"] for t in lines), 2),
        "render_stage_ms": render_stage,
        "service_cpu_s": cpu,
        "client_cpu": result["client_cpu"],
    }
