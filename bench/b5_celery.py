"""B5 peer: the same 2,000 jobs through Celery with Redis, against B2's saturated jobs per second.

The benchmark starts its own redis-server (a free port, nothing on disk) when `redis-server` is
installed, and a Celery worker with the prefork pool, one process per core. Two tasks:
- `bench.noop`, the issue's peer: queue + worker + result backend, no work at all;
- `bench.render`, the same work as a job without the pipeline's bookkeeping: resolve the target
  in the task's process (the transcript read from the platform's store, as a renderer does), read
  the prompt from its store, write the report through its
  dev LLM (see bench/celery_peer.py); half as many tasks, to keep `make bench` short.
Jobs per second: tasks / (first send → last task's end, the worker's clock). Latency per task:
send → end.

The pipeline's run (B2) and Celery's run one after the other, and this machine changes speed by
the minute (bench/README.md, round 15: one build's B2 ran 62 to 108 jobs/s within minutes). Both
sides make the same calls to the same dev LLM, whose CPU per job moves only with the machine's
speed, so the same-work ratio is also given with each side's jobs/s weighted by the dev LLM's CPU
per job in its own run (`speed_weighted_ratio`): what each side completes per unit of machine.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from bench import harness, workload
from bench.harness import Context
from bench.procs import CpuMeter, cpu_seconds
from bench.stats import ratio, summary
from stack.platform import Platform


def redis_binary() -> str | None:
    return os.environ.get("BENCH_REDIS_SERVER") or shutil.which("redis-server")


def tasks(ctx: Context, broker: str, worker_pid: int, task: str, count: int, args: list[Any]) -> dict[str, Any]:
    pids = harness.process_tree_cpu_pids(worker_pid)
    before = sum(cpu_seconds(pid) for pid in pids)
    result = harness.run_loadgen(
        "celery",
        {"broker": broker, "task": task, "count": count, "args": args, "timeout_s": 600},
        ctx.log(f"b5-{task}-loadgen.log"),
        timeout=900,
    )
    worker_cpu = sum(cpu_seconds(pid) for pid in pids) - before
    outcomes = result["outcomes"]
    if not outcomes:
        return {"task": task, "error": result["errors"]}
    first_sent = min(result["sent"])
    last_done = max(o["done"] for o in outcomes)
    sent = {i: t for i, t in enumerate(result["sent"])}
    span = last_done - first_sent
    return {
        "task": task,
        "tasks": count,
        "completed": len(outcomes),
        "errors": result["errors"],
        "makespan_s": round(span, 2),
        "jobs_per_s": round(len(outcomes) / span, 1) if span > 0 else 0.0,
        "latency_ms": summary([o["done"] - sent[o["i"]] for o in outcomes], 1000),
        "submit_s": round(result["submitted"] - first_sent, 2),
        "worker_cpu_s": round(worker_cpu, 2),
        "worker_cpu_ms_per_task": round(1000 * worker_cpu / max(1, len(outcomes)), 2),
        "client_cpu": result["client_cpu"],
    }


def run(ctx: Context, p: Platform, media_id: str, b2: dict[str, Any]) -> dict[str, Any]:
    binary = redis_binary()
    if binary is None:
        return {
            "skipped": "redis-server is not installed here, so B5 did not run "
            "(apt-get install redis-server, or set BENCH_REDIS_SERVER)"
        }
    count = int(ctx.size(2000, 300))
    concurrency = os.cpu_count() or 2
    pipeline_rate = b2["saturated"]["jobs_per_s"]
    env = {
        "REPORTS_STORE_ADDR": p.addresses["store"],
        "OPENAI_BASE_URL": p.addresses["devllm"] + "/v1",
    }
    out: dict[str, Any] = {
        "redis": f"own redis-server ({binary})",
        "worker": f"prefork × {concurrency}",
        "pipeline_jobs_per_s": pipeline_rate,
    }
    with harness.redis_server(ctx.log_dir, binary) as (broker, redis):
        with harness.celery_worker(ctx.log_dir, broker, concurrency, env) as worker:
            assert worker.proc is not None
            redis_meter = CpuMeter({"redis": redis.proc.pid})  # type: ignore[union-attr]
            redis_meter.start()
            out["noop"] = tasks(ctx, broker, worker.proc.pid, "bench.noop", count, [])
            out["noop"]["redis_cpu_s"] = redis_meter.stop()["redis"]
            # Warm every pool process's gRPC channels and LLM client before timing.
            harness.run_loadgen(
                "celery",
                {
                    "broker": broker,
                    "task": "bench.render",
                    "count": 2 * concurrency,
                    "args": [workload.TENANT, media_id, "sales_playbook"],
                },
                ctx.log("b5-render-warmup.log"),
                timeout=300,
            )
            meter = harness.service_meter(p).start()
            redis_meter.start()
            out["render"] = tasks(
                ctx, broker, worker.proc.pid, "bench.render", count // 2, [workload.TENANT, media_id, "sales_playbook"]
            )
            out["render"]["redis_cpu_s"] = redis_meter.stop()["redis"]
            out["render"]["platform_cpu_s"] = meter.stop()
    for name in ("noop", "render"):
        rate = out[name].get("jobs_per_s")
        out[name]["pipeline_ratio"] = ratio(pipeline_rate, rate)
        print(f"  B5 celery {name}: {rate} tasks/s; pipeline/celery = {out[name]['pipeline_ratio']}", file=sys.stderr)
    render = out["render"]
    if "platform_cpu_s" in render:
        render["speed_weighted_ratio"] = speed_weighted_ratio(
            pipeline_rate,
            b2["saturated"]["service_cpu_ms_per_job"].get("devllm"),
            render.get("jobs_per_s"),
            1000 * render["platform_cpu_s"].get("devllm", 0.0) / max(1, render.get("completed") or 0),
        )
    return out


def speed_weighted_ratio(
    pipeline_rate: float | None, pipeline_llm_ms: float | None, celery_rate: float | None, celery_llm_ms: float | None
) -> float | None:
    """Pipeline ÷ Celery, each side's jobs/s times the dev LLM's CPU ms per job in its own run: a
    run on a slower machine completes fewer jobs a second and burns more CPU per job, so the product
    is the work done per unit of machine. None when a figure is missing."""
    if not (pipeline_rate and pipeline_llm_ms and celery_rate and celery_llm_ms):
        return None
    return ratio(pipeline_rate * pipeline_llm_ms, celery_rate * celery_llm_ms)
