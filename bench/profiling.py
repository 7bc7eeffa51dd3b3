"""Profile the largest cost of B2: py-spy on the services that burned the most CPU per job.

A separate saturated burst on the B2 platform while `py-spy record` samples the two services with
the most CPU per job in B2's saturated run (100 Hz, `--nonblocking`: the target is never paused;
idle threads are left out, so the samples are CPU time). The collapsed stacks go to
bench/out/profile-<service>.txt; the top functions by own and by total samples go to
results.json and the README.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import analysis, b2_pipeline, harness, workload
from bench.harness import Context
from bench.procs import CpuMeter
from stack.platform import Platform

OUT = Path(__file__).resolve().parent / "out"
PYTHON_SERVICES = ("store", "renderer", "gateway", "resolver", "devllm")


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def targets(b2: dict[str, Any], count: int = 2) -> list[str]:
    per_job = b2["saturated"]["service_cpu_ms_per_job"]
    ranked = sorted(
        (n for n in per_job if n in PYTHON_SERVICES or n.startswith("renderer")), key=lambda n: per_job[n], reverse=True
    )
    return ranked[:count]


def run(ctx: Context, p: Platform, media_id: str, b2: dict[str, Any]) -> dict[str, Any]:
    binary = py_spy()
    if binary is None:
        return {"skipped": "py-spy not installed (pip install -e '.[bench]')"}
    OUT.mkdir(exist_ok=True)
    chosen = targets(b2)
    spies = {}
    for name in chosen:
        out = OUT / f"profile-{name}.txt"
        spies[name] = (
            out,
            subprocess.Popen(
                [
                    binary,
                    "record",
                    "--pid",
                    str(p.processes[name].proc.pid),  # type: ignore[union-attr]
                    "--rate",
                    "100",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=open(ctx.log(f"py-spy-{name}.log"), "w"),  # noqa: SIM115 - py-spy's stderr while it runs
            ),
        )
    count = int(ctx.size(600, 150))
    result, cpu, wall = b2_pipeline.jobs(ctx, p, media_id, count, sequential=False, log="profile-loadgen.log")
    profiles: dict[str, Any] = {}
    for name, (out, spy) in spies.items():
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(60)
        except subprocess.TimeoutExpired:
            spy.kill()
        if not out.exists():
            profiles[name] = {"error": f"py-spy wrote nothing; see {ctx.log(f'py-spy-{name}.log')}"}
            continue
        with open(out, encoding="utf-8") as lines:
            profiles[name] = {"file": str(out.relative_to(OUT.parent.parent)), **analysis.profile_summary(lines)}
    summary = b2_pipeline.summarise(result, cpu, wall)
    return {
        "targets": chosen,
        "jobs": count,
        "jobs_per_s_while_profiled": summary["jobs_per_s"],
        "service_cpu_ms_per_job": summary["service_cpu_ms_per_job"],
        "profiles": profiles,
        "store_rpc_floor": store_rpc_floor(ctx, p, result["jobs"][0]["id"] if result["jobs"] else ""),
    }


def store_rpc_floor(ctx: Context, p: Platform, job_id: str) -> list[dict[str, Any]]:
    """What one store RPC costs the store at least: GetJob and GetPrompt (reads of one row), over
    and over from 16 concurrent callers, with the store's CPU per call from /proc."""
    store_pid = p.processes["store"].proc.pid  # type: ignore[union-attr]
    rows = []
    for rpc in ("GetJob", "GetPrompt"):
        meter = CpuMeter({"store": store_pid}).start()
        count = int(ctx.size(2000, 300))
        result = harness.run_loadgen(
            "grpc_calls",
            {
                "store": p.addresses["store"],
                "rpc": rpc,
                "tenant": workload.TENANT,
                "job_id": job_id,
                "template": "sales_playbook",
                "count": count,
                "concurrency": 16,
            },
            ctx.log(f"rpc-{rpc}.log"),
            timeout=300,
        )
        used = meter.stop()["store"]
        rows.append(
            {
                "rpc": rpc,
                "calls": result["calls"],
                "calls_per_s": result["calls_per_s"],
                "latency_ms": result["latency_ms"],
                "store_cpu_ms_per_call": round(1000 * used / count, 3),
                "client_cpu": result["client_cpu"],
            }
        )
    return rows
