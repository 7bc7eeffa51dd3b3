"""B6 fairness: one tenant's 1,000 queued jobs must not hold back another tenant's new ones.

One renderer × 16 slots (the default), the dev LLM at 200 ms a call. First tenant B submits 10 jobs
on the idle platform, each followed to its end: B's create → succeeded when alone. Then tenant A
submits 1,000 jobs (32 connections), and once all are created (a window dispatched, the rest
queued in the store), B submits its 10 again. Target: B's p50 under A's backlog ≤ 2 × B's p50
alone, both from the store's commit timestamps in the same platform. Run twice, each on a platform
of its own: with the default dispatch window (16, every slot) and with 8. Each B latency is split
into waiting for a renderer (created → claimed: what the scheduler decides) and running
(claimed → succeeded: what sharing the renderer costs). Also recorded: how many of A's jobs
succeeded after B's last one (in FIFO order none would), and A's own throughput.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import analysis, harness, workload
from bench.harness import Context
from bench.stats import ratio, summary
from services.common import defaults
from stack.platform import Platform

LLM_LATENCY_MS = 200
RENDERERS = 1
BUSY_KEY, BUSY_TENANT = "bench-busy-key", "bench-busy"
NEW_JOBS = 10
TARGET_RATIO = 2.0
CONCURRENCY = defaults.RENDERER_CONCURRENCY
# The default window (REPORTS_RENDER_CAPACITY: every slot), then half of it: a job shares the
# renderer with fewer others, which is what a CPU-bound renderer needs (Little's law: time in the
# renderer = jobs in it / its throughput).
WINDOWS = (CONCURRENCY, CONCURRENCY // 2)


def _newcomer(ctx: Context, p: Platform, media_id: str, log: str) -> dict[str, Any]:
    """Tenant B's 10 jobs, created side by side and followed to their end."""
    return harness.run_loadgen(
        "jobs",
        {
            "url": p.gateway_url,
            "nats_url": p.nats_url,
            "headers": workload.AUTH,
            "body": workload.job_body(media_id),
            "count": NEW_JOBS,
            "concurrency": NEW_JOBS,
            "timeout_s": 600,
        },
        ctx.log(log),
        timeout=900,
    )


def _split(result: dict[str, Any]) -> tuple[list[dict[str, float]], dict[str, Any]]:
    """The jobs' timelines, and create → succeeded with its two parts: waiting for a renderer
    (created → claimed: the dispatch window, the queue and the resolver) and rendering (claimed →
    succeeded)."""
    lines = analysis.timelines(result["jobs"], result["events"])
    done = [t for t in analysis.completed(lines) if "created" in t and "started" in t]
    return lines, {
        "create_to_succeeded_ms": analysis.job_latencies(lines)["create_to_succeeded_ms"],
        "waiting_ms": summary([t["started"] - t["created"] for t in done], 1000),
        "running_ms": summary([t["succeeded"] - t["started"] for t in done], 1000),
    }


def scenario(ctx: Context, backlog: int, window: int) -> dict[str, Any]:
    """Tenant B alone, then behind tenant A's backlog, on a platform of its own with this window."""
    busy_auth = {"Authorization": f"Bearer {BUSY_KEY}"}
    keys = f"{workload.API_KEY}={workload.TENANT},{BUSY_KEY}={BUSY_TENANT}"
    env = {"REPORTS_LLM_MODEL": f"dev-llm+latency={LLM_LATENCY_MS}", "REPORTS_DISPATCH_WINDOW": str(window)}
    name = f"b6-w{window}"
    with harness.platform(ctx.var(name), renderers=RENDERERS, env=env, api_keys=keys) as p:
        media_b = harness.create_media(p.gateway_url)
        media_a = harness.create_media(p.gateway_url, headers=busy_auth)
        _newcomer(ctx, p, media_b, f"{name}-warmup-loadgen.log")
        _, alone = _split(_newcomer(ctx, p, media_b, f"{name}-alone-loadgen.log"))

        busy = harness.Loadgen(
            "jobs",
            {
                "url": p.gateway_url,
                "nats_url": p.nats_url,
                "headers": busy_auth,
                "body": workload.job_body(media_a),
                "count": backlog,
                "concurrency": 32,
                "timeout_s": 1200,
            },
            ctx.log(f"{name}-backlog-loadgen.log"),
        )
        created = busy.message(timeout=600)
        if created.get("event") != "created":
            raise RuntimeError(f"B6: unexpected message {created}")
        lines_b, contended = _split(_newcomer(ctx, p, media_b, f"{name}-contended-loadgen.log"))
        backlog_result = busy.result(timeout=1500)

    lines_a = analysis.timelines(backlog_result["jobs"], backlog_result["events"])
    b_done = [t["succeeded"] for t in analysis.completed(lines_b)]
    if len(b_done) < NEW_JOBS:
        raise RuntimeError(f"B6: only {len(b_done)} of tenant B's {NEW_JOBS} jobs succeeded")
    value = ratio(contended["create_to_succeeded_ms"].get("p50"), alone["create_to_succeeded_ms"].get("p50"))
    after_b = sum(1 for t in analysis.completed(lines_a) if t["succeeded"] > max(b_done))
    print(
        f"  B6 window {window}: tenant B p50 {contended['create_to_succeeded_ms'].get('p50')} ms behind "
        f"{backlog} of A's jobs (waiting {contended['waiting_ms'].get('p50')}, running "
        f"{contended['running_ms'].get('p50')}) vs {alone['create_to_succeeded_ms'].get('p50')} ms alone "
        f"(x{value}, target <= {TARGET_RATIO}); {after_b} of A's jobs ended after B's last",
        file=sys.stderr,
    )
    return {
        "dispatch_window": window,
        "b_alone": alone,
        "b_contended": contended,
        "p50_ratio": value,
        "meets_target": value is not None and value <= TARGET_RATIO,
        "a_jobs_after_b_last": after_b,
        "a_throughput": analysis.throughput(lines_a),
        "a_running_ms": _split(backlog_result)[1]["running_ms"],
        "a_unfinished": backlog_result["unfinished"],
        "a_create_errors": backlog_result["error_count"],
    }


def run(ctx: Context) -> dict[str, Any]:
    backlog = int(ctx.size(1000, 200))
    return {
        "renderers": RENDERERS,
        "renderer_concurrency": CONCURRENCY,
        "llm_latency_ms": LLM_LATENCY_MS,
        "backlog_jobs": backlog,
        "new_jobs": NEW_JOBS,
        "target_ratio": TARGET_RATIO,
        "windows": [scenario(ctx, backlog, window) for window in WINDOWS],
    }
