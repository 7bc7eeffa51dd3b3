"""B6 fairness: one tenant's 1,000 queued jobs must not hold back another tenant's new ones.

One renderer × 16 slots (the defaults; the store's dispatch window is REPORTS_RENDER_CAPACITY, 16),
the dev LLM at 200 ms a call. First tenant B submits 10 jobs on the idle platform, each followed to
its end: B's create → succeeded when alone. Then tenant A submits 1,000 jobs (32 connections), and
once all are created (16 dispatched, the rest queued in the store), B submits its 10 again.
Target: B's p50 under A's backlog ≤ 2 × B's p50 alone, both from the store's commit timestamps in
the same run. Also recorded: how many of A's jobs succeeded after B's last one (in FIFO order,
none would), and A's own throughput.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import analysis, harness, workload
from bench.harness import Context
from bench.stats import ratio
from stack.platform import Platform

LLM_LATENCY_MS = 200
RENDERERS = 1
BUSY_KEY, BUSY_TENANT = "bench-busy-key", "bench-busy"
NEW_JOBS = 10
TARGET_RATIO = 2.0


def _newcomer(ctx: Context, p: Platform, media_id: str, log: str) -> dict[str, Any]:
    """Tenant B's 10 jobs, created side by side and followed to their end."""
    return harness.run_loadgen("jobs", {
        "url": p.gateway_url, "nats_url": p.nats_url, "headers": workload.AUTH,
        "body": workload.job_body(media_id), "count": NEW_JOBS, "concurrency": NEW_JOBS,
        "timeout_s": 600}, ctx.log(log), timeout=900)


def _latencies(result: dict[str, Any]) -> tuple[list[dict[str, float]], dict[str, float]]:
    lines = analysis.timelines(result["jobs"], result["events"])
    return lines, analysis.job_latencies(lines)["create_to_succeeded_ms"]


def run(ctx: Context) -> dict[str, Any]:
    backlog = int(ctx.size(1000, 200))
    busy_auth = {"Authorization": f"Bearer {BUSY_KEY}"}
    keys = f"{workload.API_KEY}={workload.TENANT},{BUSY_KEY}={BUSY_TENANT}"
    env = {"REPORTS_LLM_MODEL": f"dev-llm+latency={LLM_LATENCY_MS}"}
    with harness.platform(ctx.var("b6"), renderers=RENDERERS, env=env, api_keys=keys) as p:
        media_b = harness.create_media(p.gateway_url)
        media_a = harness.create_media(p.gateway_url, headers=busy_auth)
        _newcomer(ctx, p, media_b, "b6-warmup-loadgen.log")
        _, alone = _latencies(_newcomer(ctx, p, media_b, "b6-alone-loadgen.log"))

        busy = harness.Loadgen("jobs", {
            "url": p.gateway_url, "nats_url": p.nats_url, "headers": busy_auth,
            "body": workload.job_body(media_a), "count": backlog, "concurrency": 32, "timeout_s": 1200},
            ctx.log("b6-backlog-loadgen.log"))
        created = busy.message(timeout=600)
        if created.get("event") != "created":
            raise RuntimeError(f"B6: unexpected message {created}")
        lines_b, contended = _latencies(_newcomer(ctx, p, media_b, "b6-contended-loadgen.log"))
        backlog_result = busy.result(timeout=1500)

    lines_a = analysis.timelines(backlog_result["jobs"], backlog_result["events"])
    b_done = [t["succeeded"] for t in analysis.completed(lines_b)]
    if len(b_done) < NEW_JOBS:
        raise RuntimeError(f"B6: only {len(b_done)} of tenant B's {NEW_JOBS} jobs succeeded")
    after_b = sum(1 for t in analysis.completed(lines_a) if t["succeeded"] > max(b_done))
    value = ratio(contended.get("p50"), alone.get("p50"))
    print(f"  B6: tenant B p50 {contended.get('p50')} ms behind {backlog} of A's jobs vs {alone.get('p50')} ms "
          f"alone (x{value}, target <= {TARGET_RATIO}); {after_b} of A's jobs ended after B's last",
          file=sys.stderr)
    return {
        "renderers": RENDERERS,
        "renderer_concurrency": 16,
        "dispatch_window": 16,
        "llm_latency_ms": LLM_LATENCY_MS,
        "backlog_jobs": backlog,
        "new_jobs": NEW_JOBS,
        "b_alone_create_to_succeeded_ms": alone,
        "b_contended_create_to_succeeded_ms": contended,
        "p50_ratio": value,
        "target_ratio": TARGET_RATIO,
        "meets_target": value is not None and value <= TARGET_RATIO,
        "a_jobs_after_b_last": after_b,
        "a_throughput": analysis.throughput(lines_a),
        "a_unfinished": backlog_result["unfinished"],
        "a_create_errors": backlog_result["error_count"],
    }
