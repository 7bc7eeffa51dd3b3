"""B7 provider budget: 2 renderers share a budget of 600 LLM requests a minute that the dev LLM
itself enforces (DEVLLM_RPM, 429 past it), 1,000 jobs created at once.

Throughput: completed jobs ÷ (first `rendering` commit → last `succeeded` commit), per minute,
against the budget; the target is ≥ 0.9× of it with no job failed. The 429s are the dev LLM's own
count of the answers it refused (`/stats`, outcome `rate_limited`), read before and after: at most
one, the one a budget may learn from. Beside them, what says who set the pace: how long the jobs
that waited for their turn waited (stage `waiting` → `rendering`), and the services' CPU per job
(the budget's 10 calls a second need about 10 × that of the machine's CPU).
"""

from __future__ import annotations

import sys
from typing import Any

import httpx

from bench import analysis, harness, workload
from bench.harness import Context
from bench.stats import ratio, summary
from stack.platform import render_capacity

RPM = 600
RENDERERS = 2
MODEL = "dev-llm"
ENDPOINT = "openai.chat_completions"


def devllm_outcomes(devllm_url: str) -> dict[str, int]:
    """The dev LLM's answers so far on the chat endpoint, by outcome (ok, rate_limited, ...)."""
    stats = httpx.get(f"{devllm_url}/stats", timeout=10).json()
    return dict(stats.get("byEndpoint", {}).get(ENDPOINT, {}))


def turn_waits(events: list[list[Any]]) -> list[float]:
    """Per job that waited for its turn: seconds from its `waiting` event to the `rendering` one after
    it (the store's commit times). Long waits mean the budget set the pace; short or none, the platform."""
    waiting_at: dict[str, float] = {}
    waits = []
    for job_id, _status, stage, at, _received in sorted(events, key=lambda e: e[3]):
        if stage == "waiting":
            waiting_at.setdefault(job_id, at)
        elif stage == "rendering" and job_id in waiting_at:
            waits.append(at - waiting_at.pop(job_id))
    return waits


def run(ctx: Context) -> dict[str, Any]:
    count = int(ctx.size(1000, 200))
    env = {
        "DEVLLM_RPM": str(RPM),
        "REPORTS_LLM_MODEL": MODEL,
        "REPORTS_LLM_LIMITS": f"openai:{MODEL}=rpm:{RPM}",
        "REPORTS_RENDER_CAPACITY": str(render_capacity(RENDERERS)),
    }  # both renderers' slots: the dispatch window
    with harness.platform(ctx.var("b7"), renderers=RENDERERS, env=env) as p:
        media_id = harness.create_media(p.gateway_url)
        before = devllm_outcomes(p.addresses["devllm"])
        meter = harness.service_meter(p).start()
        result = harness.run_loadgen(
            "jobs",
            {
                "url": p.gateway_url,
                "nats_url": p.nats_url,
                "headers": workload.AUTH,
                "body": workload.job_body(media_id),
                "count": count,
                "concurrency": 32,
                "timeout_s": count * 60 / RPM * 3 + 60,
            },
            ctx.log("b7-loadgen.log"),
            timeout=count * 60 / RPM * 3 + 180,
        )
        cpu = meter.stop()
        after = devllm_outcomes(p.addresses["devllm"])

    served = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}
    failed = len({job_id for job_id, status, *_ in result["events"] if status == "failed"})
    waits = turn_waits(result["events"])
    lines = analysis.timelines(result["jobs"], result["events"])
    done = analysis.completed(lines)
    if not done:
        raise RuntimeError(f"B7: no job completed ({result['unfinished']} of {count} unfinished)")
    span = max(t["succeeded"] for t in done) - min(t["rendering"] for t in done if "rendering" in t)
    per_minute = len(done) / span * 60 if span > 0 else 0.0
    print(
        f"  B7: {len(done)}/{count} done in {span:.1f} s = {per_minute:.0f}/min of {RPM}; failed {failed}; "
        f"dev LLM answers {served}",
        file=sys.stderr,
    )
    return {
        "jobs": count,
        "completed": len(done),
        "failed": failed,
        "unfinished": result["unfinished"],
        "create_errors": result["error_count"],
        "renderers": RENDERERS,
        "budget_rpm": RPM,
        "span_s": round(span, 2),
        "jobs_per_minute": round(per_minute, 1),
        "ratio_to_budget": ratio(per_minute, RPM),
        "devllm_answers": served,
        "rate_limited": served.get("rate_limited", 0),
        "waited_for_turn": len(waits),
        "turn_wait_ms": summary(waits, 1000),
        "service_cpu_ms_per_job": round(sum(cpu.values()) / len(done) * 1000, 1),
        "service_cpu_s": cpu,
        "client_cpu": result["client_cpu"],
    }
