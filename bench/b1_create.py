"""B1 create-job: POST /v1/reports/jobs at 32 connections, against a bare Starlette endpoint.

Both servers run as one uvicorn process with the same settings, one after the other on the same
machine, driven by the same closed-loop client. The platform runs with `renderers=0`: no process
pulls the JOBS queue, so only the create path is measured (gateway, store transaction with its
outbox rows, the relay publishing them to JetStream). The queue grows during the run; the
per-second series shows whether creation slows as it does.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import database, harness, workload
from bench.harness import Context
from bench.procs import CpuMeter
from bench.stats import ratio

CONNECTIONS = 32
LIMIT_PAIRS = 2  # limit off, then on, this many times


def run(ctx: Context) -> dict[str, Any]:
    duration = ctx.size(20, 5)
    params = {
        "path": "/v1/reports/jobs",
        "headers": workload.AUTH,
        "connections": CONNECTIONS,
        "duration_s": duration,
        "warmup_s": ctx.size(3, 1),
    }
    timeout = duration + 120

    with harness.baseline_server(ctx.log_dir) as (url, process):
        assert process.proc is not None
        meter = CpuMeter({"baseline_app": process.proc.pid}).start()
        baseline = harness.run_loadgen(
            "http",
            {**params, "url": url, "body": workload.job_body("media_x")},
            ctx.log("b1-baseline-loadgen.log"),
            timeout,
        )
        baseline["server_cpu_s"] = meter.stop()

    # The tenant rate limit's cost: the same load with the gateway's limiter off, then on (as always),
    # in alternating pairs: one pair of fresh platforms can differ from the next by more than the
    # limit costs, so the figure is the pairs' summed throughput on ÷ off.
    pairs = [
        (
            _platform_run(ctx, f"b1-unlimited-{i}", params, timeout, {"REPORTS_TENANT_RATE_LIMIT_OFF": "1"}),
            _platform_run(ctx, f"b1-{i}", params, timeout, {}),
        )
        for i in range(ctx.size(LIMIT_PAIRS, 1))
    ]
    unlimited, pipeline = pairs[0]

    for name, result in (("baseline", baseline), ("platform, limits off", unlimited), ("platform", pipeline)):
        print(
            f"  B1 {name}: {result['throughput_rps']} req/s, p50 {result['latency_ms'].get('p50')} ms, "
            f"p99 {result['latency_ms'].get('p99')} ms, client CPU {result['client_cpu']['cpu_pct_of_core']}%",
            file=sys.stderr,
        )
    series = pipeline["per_second"]
    quarter = max(1, len(series) // 4)
    return {
        "connections": CONNECTIONS,
        "duration_s": duration,
        "baseline": baseline,
        "platform": pipeline,
        "platform_limits_off": unlimited,
        "rate_limit_cost": limiter_cost(pipeline, unlimited),
        "ratios": {
            "throughput": ratio(pipeline["throughput_rps"], baseline["throughput_rps"]),
            "p50": ratio(pipeline["latency_ms"].get("p50"), baseline["latency_ms"].get("p50")),
            "p99": ratio(pipeline["latency_ms"].get("p99"), baseline["latency_ms"].get("p99")),
            "limits_on_vs_off": limits_on_vs_off(pairs),
        },
        "limit_pairs_rps": [{"off": off["throughput_rps"], "on": on["throughput_rps"]} for off, on in pairs],
        "first_vs_last_quarter_rps": [
            round(sum(series[:quarter]) / quarter, 1),
            round(sum(series[-quarter:]) / quarter, 1),
        ],
    }


def _platform_run(
    ctx: Context, name: str, params: dict[str, Any], timeout: float, env: dict[str, str]
) -> dict[str, Any]:
    with harness.platform(ctx.var(name), renderers=0, env=env) as p:
        renderers = harness.renderer_names(p)
        if renderers:  # PlatformConfig(renderers=0) must start none, or jobs would be consumed
            raise RuntimeError(f"renderers=0 started {renderers}")
        media_id = harness.create_media(p.gateway_url)
        load = {**params, "url": p.gateway_url, "body": workload.job_body(media_id)}
        # As B2: the tables have grown a little, and a production database has statistics.
        harness.run_loadgen(
            "http", {**load, "duration_s": params["warmup_s"], "warmup_s": 0}, ctx.log(f"{name}-warmup.log"), timeout
        )
        database.analyze(p.config.database_url)
        meter = harness.service_meter(p).start()
        result = harness.run_loadgen("http", load, ctx.log(f"{name}-loadgen.log"), timeout)
        result["server_cpu_s"] = meter.stop()
        result["renderer_processes"] = len(renderers)
    return result


def limits_on_vs_off(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> float | None:
    """Throughput with the limit on ÷ off, summed over the alternating pairs."""
    return ratio(sum(on["throughput_rps"] for _, on in pairs), sum(off["throughput_rps"] for off, _ in pairs))


def limiter_cost(on: dict[str, Any], off: dict[str, Any]) -> dict[str, float | None]:
    """What the limit added per request: the gateway's and nats-server's CPU per created job, on − off."""

    def per_request_us(result: dict[str, Any], service: str) -> float | None:
        ok = result.get("ok") or 0
        cpu = result["server_cpu_s"].get(service)
        return None if not ok or cpu is None else cpu / ok * 1e6

    cost: dict[str, float | None] = {}
    for service in ("gateway", "nats"):
        with_limit, without = per_request_us(on, service), per_request_us(off, service)
        cost[f"{service}_cpu_us_per_request"] = (
            None if with_limit is None or without is None else round(with_limit - without, 1)
        )
    return cost
