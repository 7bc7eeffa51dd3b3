"""The cost of mTLS between the services: B1's create burst and B2's saturated run, with and without.

The platform's internal gRPC is mutual TLS by default; REPORTS_GRPC_INSECURE=1 turns it into
plaintext (and the callers' checks off). Each mode gets platforms of its own, one after the
other in the same run, with shorter loads than B1 and B2 (the ratio is the figure, not the
absolutes):
- create: `renderers=0`, 32 keep-alive connections POSTing jobs for a few seconds (B1's load);
- saturated: one renderer, N jobs created at once by 32 connections, completed jobs/s and the
  services' CPU per completed job (B2's load).
Ratio = mTLS ÷ plaintext: below 1× for throughput, above 1× for CPU, is what mTLS costs.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import analysis, b2_pipeline, harness, workload
from bench.harness import Context
from bench.stats import ratio

CONNECTIONS = 32
MODES = {"mtls": {}, "plaintext": {"REPORTS_GRPC_INSECURE": "1"}}
PLAINTEXT_LOG = "gRPC server without TLS"  # what a service logs when REPORTS_GRPC_INSECURE holds


def _check_mode(p: Any, mode: str) -> None:
    """The store serves the mode asked for (checked like B1 checks it has no renderer)."""
    store = p.processes["store"]
    if mode == "plaintext":
        store.wait_for(PLAINTEXT_LOG, timeout=10)
    elif PLAINTEXT_LOG in store.log_path.read_text(encoding="utf-8"):
        raise RuntimeError("the mTLS platform's store serves plaintext")


def _create(ctx: Context, mode: str, env: dict[str, str]) -> dict[str, Any]:
    duration = ctx.size(10, 3)
    with harness.platform(ctx.var(f"tls-create-{mode}"), renderers=0, env=env) as p:
        _check_mode(p, mode)
        media_id = harness.create_media(p.gateway_url)
        meter = harness.service_meter(p).start()
        result = harness.run_loadgen(
            "http",
            {
                "url": p.gateway_url,
                "path": "/v1/reports/jobs",
                "headers": workload.AUTH,
                "body": workload.job_body(media_id),
                "connections": CONNECTIONS,
                "duration_s": duration,
                "warmup_s": ctx.size(2, 1),
            },
            ctx.log(f"tls-create-{mode}-loadgen.log"),
            duration + 120,
        )
        result["server_cpu_s"] = meter.stop()
    return {
        "throughput_rps": result["throughput_rps"],
        "latency_ms": result["latency_ms"],
        "server_cpu_s": result["server_cpu_s"],
        "client_cpu": result["client_cpu"],
        "duration_s": duration,
    }


def _saturated(ctx: Context, mode: str, env: dict[str, str]) -> dict[str, Any]:
    count = int(ctx.size(600, 100))
    with harness.platform(ctx.var(f"tls-jobs-{mode}"), renderers=1, env=env) as p:
        _check_mode(p, mode)
        media_id = harness.create_media(p.gateway_url)
        b2_pipeline.load(
            ctx, p, media_id, int(ctx.size(50, 10)), sequential=False, log=f"tls-warmup-{mode}-loadgen.log"
        )
        meter = harness.service_meter(p).start()
        result = b2_pipeline.load(ctx, p, media_id, count, sequential=False, log=f"tls-jobs-{mode}-loadgen.log")
        cpu = meter.stop()
    lines = analysis.timelines(result["jobs"], result["events"])
    done = analysis.throughput(lines)
    per_job = None if not done["completed"] else round(1000 * sum(cpu.values()) / done["completed"], 2)
    return {
        "jobs": count,
        "unfinished": result["unfinished"],
        **done,
        "service_cpu_s": cpu,
        "service_cpu_ms_per_job": per_job,
        "client_cpu": result["client_cpu"],
    }


def run(ctx: Context) -> dict[str, Any]:
    create = {mode: _create(ctx, mode, env) for mode, env in MODES.items()}
    saturated = {mode: _saturated(ctx, mode, env) for mode, env in MODES.items()}
    ratios = {
        "create_throughput": ratio(create["mtls"]["throughput_rps"], create["plaintext"]["throughput_rps"]),
        "jobs_per_s": ratio(saturated["mtls"]["jobs_per_s"], saturated["plaintext"]["jobs_per_s"]),
        "cpu_ms_per_job": ratio(
            saturated["mtls"]["service_cpu_ms_per_job"], saturated["plaintext"]["service_cpu_ms_per_job"]
        ),
    }
    print(
        f"  TLS: create {create['mtls']['throughput_rps']} vs {create['plaintext']['throughput_rps']} req/s; "
        f"jobs/s {saturated['mtls']['jobs_per_s']} vs {saturated['plaintext']['jobs_per_s']}; CPU ms/job "
        f"{saturated['mtls']['service_cpu_ms_per_job']} vs {saturated['plaintext']['service_cpu_ms_per_job']} "
        f"(mTLS vs plaintext)",
        file=sys.stderr,
    )
    return {"connections": CONNECTIONS, "create": create, "saturated": saturated, "ratios": ratios}
