"""The load generator: `python -m bench.loadgen SCENARIO`, parameters as JSON on stdin.

It runs in a process of its own so its CPU is not the services' and the harness's. It writes JSON
lines on stdout: an optional `{"event": "ready", ...}` (the SSE scenario, once every subscriber
is connected) and then `{"event": "result", ...}`; every result carries `client_cpu` (this
process's user + system CPU from getrusage over the measured window), so a reader sees whether
the client was the bottleneck.

Scenarios: `http` (closed-loop requests on N keep-alive connections), `jobs` (create jobs and
follow their status events on NATS), `sse` (many SSE subscribers), `render_direct` (the
renderer's report writing in-process, no pipeline), `celery` (tasks through Celery + Redis).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.http1 import Connection, encode_request, host_port, json_request, sse_events

Params = dict[str, Any]


class CpuWindow:
    """This process's CPU and wall time between `start()` and `stop()`."""

    def start(self) -> CpuWindow:
        self._cpu0 = _cpu()
        self._t0 = time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self._t0
        cpu = _cpu() - self._cpu0
        return {
            "cpu_s": round(cpu, 2),
            "wall_s": round(wall, 2),
            "cpu_pct_of_core": round(100 * cpu / wall, 1) if wall > 0 else 0.0,
        }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# --- http: closed loop ---------------------------------------------------------------------------


async def http_scenario(p: Params) -> dict[str, Any]:
    from bench.stats import summary

    host = "{}:{}".format(*host_port(p["url"]))
    raw = json_request(p.get("method", "POST"), p["path"], host, p.get("headers", {}), p["body"])
    connections = int(p["connections"])
    warmup, duration = float(p.get("warmup_s", 2.0)), float(p["duration_s"])
    conns = [await Connection.open(p["url"]) for _ in range(connections)]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    per_second: dict[int, int] = {}
    errors: list[str] = []
    start = time.monotonic()
    measure_from = start + warmup
    end = measure_from + duration
    cpu = CpuWindow()

    async def worker(conn: Connection) -> None:
        while True:
            t0 = time.monotonic()
            if t0 >= end:
                return
            try:
                status, _ = await conn.request(raw)
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
                errors.append(repr(exc))
                return
            t1 = time.monotonic()
            if t0 >= measure_from:
                latencies.append(t1 - t0)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                second = int(t0 - measure_from)
                per_second[second] = per_second.get(second, 0) + 1

    async def start_cpu_window() -> None:
        await asyncio.sleep(warmup)
        cpu.start()

    await asyncio.gather(start_cpu_window(), *(worker(c) for c in conns))
    client = cpu.stop()
    for conn in conns:
        await conn.close()
    ok = sum(n for s, n in statuses.items() if s.startswith("2"))
    return {
        "connections": connections,
        "duration_s": duration,
        "warmup_s": warmup,
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "errors": errors[:5],
        "throughput_rps": round(ok / duration, 1),
        "latency_ms": summary(latencies, 1000),
        "per_second": [per_second.get(i, 0) for i in range(int(duration))],
        "client_cpu": client,
    }


# --- jobs: create, then follow every job's events on NATS -----------------------------------------


class EventLog:
    """Every job event seen on NATS, with the time it reached this process."""

    def __init__(self) -> None:
        from reports.v1 import job_pb2
        from services.domain import job_states

        self._decode = job_pb2.JobEvent.FromString
        self._status = job_states.status_name
        self._stage = job_states.stage_name
        self.events: list[tuple[str, str, str, float, float]] = []
        self.terminal: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future[None]] = {}

    async def on_message(self, msg: Any) -> None:
        now = time.time()
        ev = self._decode(msg.data)
        status = self._status(ev.status) or "?"
        at = ev.at.seconds + ev.at.nanos / 1e9
        self.events.append((ev.job_id, status, self._stage(ev.stage) or "", at, now))
        if status in ("succeeded", "failed", "canceled") and ev.job_id not in self.terminal:
            self.terminal[ev.job_id] = now
            waiter = self.waiters.pop(ev.job_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    async def wait(self, job_id: str, timeout: float) -> None:
        if job_id in self.terminal:
            return
        future = self.waiters.setdefault(job_id, asyncio.get_running_loop().create_future())
        await asyncio.wait_for(future, timeout)


async def subscribe_events(nats_url: str, log: EventLog) -> Any:
    import nats

    nc = await nats.connect(nats_url, name="bench-loadgen")
    await nc.subscribe("reports.events.>", cb=log.on_message)
    await nc.flush()
    return nc


async def jobs_scenario(p: Params) -> dict[str, Any]:
    host = "{}:{}".format(*host_port(p["url"]))
    raw = json_request("POST", "/v1/reports/jobs", host, p["headers"], p["body"])
    count, concurrency = int(p["count"]), int(p["concurrency"])
    sequential = bool(p.get("sequential", False))
    timeout = float(p.get("timeout_s", 300))
    log = EventLog()
    nc = await subscribe_events(p["nats_url"], log)
    jobs: list[dict[str, Any]] = []
    errors: list[str] = []
    next_index = iter(range(count))
    cpu = CpuWindow().start()

    async def creator() -> None:
        conn = await Connection.open(p["url"])
        try:
            for _ in next_index:
                sent = time.time()
                status, body = await conn.request(raw)
                replied = time.time()
                if status != 202:
                    errors.append(f"{status}: {body[:200]!r}")
                    continue
                job_id = json.loads(body)["jobId"]
                jobs.append({"id": job_id, "sent": sent, "replied": replied})
                if sequential:
                    await log.wait(job_id, timeout)
        finally:
            await conn.close()

    await asyncio.gather(*(creator() for _ in range(1 if sequential else concurrency)))
    emit({"event": "created", "jobs": len(jobs), "errors": len(errors)})
    created = time.monotonic()
    deadline = created + timeout
    while any(j["id"] not in log.terminal for j in jobs) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    client = cpu.stop()
    await nc.drain()
    return {
        "jobs": jobs,
        "events": log.events,
        "errors": errors[:5],
        "error_count": len(errors),
        "unfinished": sum(1 for j in jobs if j["id"] not in log.terminal),
        "client_cpu": client,
    }


# --- sse: many subscribers on one gateway ---------------------------------------------------------


async def sse_scenario(p: Params) -> dict[str, Any]:
    host = "{}:{}".format(*host_port(p["url"]))
    job_ids: list[str] = p["job_ids"]
    per_job = int(p["per_job"])
    connect_sem = asyncio.Semaphore(int(p.get("connect_concurrency", 50)))
    timeout = float(p.get("timeout_s", 180))
    log = EventLog()
    nc = await subscribe_events(p["nats_url"], log)
    deliveries: list[tuple[str, str, str, str, float]] = []
    connect_ms: list[float] = []
    errors: list[str] = []
    connected = asyncio.Event()
    total = len(job_ids) * per_job
    state = {"connected": 0}

    def mark_connected() -> None:
        state["connected"] += 1
        if state["connected"] == total:
            connected.set()

    def record(job_id: str, events: list[dict[str, str]], now: float) -> None:
        for event in events:
            data = json.loads(event["data"])
            if data.get("progress") is not None:
                continue  # a running job's progress (tokens written, a wait): not one of its transitions
            deliveries.append((job_id, data["status"], data["stage"], data["at"], now))

    async def subscriber(job_id: str) -> None:
        conn = None
        counted = False
        try:
            async with connect_sem:  # the slot is held until the stream's first event (the current state)
                t0 = time.monotonic()
                conn = await Connection.open(p["url"])
                status, chunks = await conn.stream(
                    encode_request(
                        "GET", f"/v1/jobs/{job_id}/events", host, {**p["headers"], "Accept": "text/event-stream"}
                    )
                )
                if status != 200:
                    raise RuntimeError(f"status {status}")
                stream = chunks.__aiter__()
                buffer = bytearray()
                first: list[dict[str, str]] = []
                while not first:
                    first = sse_events(buffer, await stream.__anext__())
                connect_ms.append((time.monotonic() - t0) * 1000)
                counted = True
                mark_connected()
                record(job_id, first[1:], time.time())
            async for chunk in stream:
                record(job_id, sse_events(buffer, chunk), time.time())
        except Exception as exc:  # noqa: BLE001 - a failed subscriber is a figure, not a crash
            errors.append(f"{job_id}: {exc!r}")
        finally:
            if not counted:
                mark_connected()  # so the wait for everyone can still end
            if conn is not None:
                await conn.close()

    tasks = [asyncio.create_task(subscriber(job_id)) for job_id in job_ids for _ in range(per_job)]
    t0 = time.monotonic()
    try:
        await asyncio.wait_for(connected.wait(), timeout)
    except TimeoutError:
        errors.append(f"only {state['connected']} of {total} subscribers connected within {timeout}s")
    emit({"event": "ready", "connected": state["connected"], "connect_s": round(time.monotonic() - t0, 2)})
    cpu = CpuWindow().start()
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    client = cpu.stop()
    await nc.drain()
    from bench.stats import summary

    return {
        "subscribers": total,
        "connected": len(connect_ms),
        "unfinished": len(pending),
        "connect_ms": summary(connect_ms),
        "deliveries": deliveries,
        "nats_events": log.events,
        "errors": errors[:5],
        "error_count": len(errors),
        "client_cpu": client,
    }


# --- render_direct: the renderer's work in this process, one report at a time --------------------


async def render_direct_scenario(p: Params) -> dict[str, Any]:
    """GetPrompt and ResolveTarget once, then `write_report` (LLM call + checks + Markdown) N times."""
    from bench.stats import summary
    from reports.v1 import resolver_pb2, resolver_pb2_grpc, store_pb2, store_pb2_grpc, target_pb2
    from services.common import grpc_server
    from services.renderer.job_runner import evidence_input
    from services.renderer.llm import Llm, LlmSettings
    from services.renderer.pipeline import write_report

    store_channel = grpc_server.channel(p["store"], peer="store")
    resolver_channel = grpc_server.channel(p["resolver"], peer="resolver")
    prompt = await store_pb2_grpc.StoreStub(store_channel).GetPrompt(
        store_pb2.GetPromptRequest(name=p["template"], label="production"), timeout=10
    )
    resolution = await resolver_pb2_grpc.ResolverStub(resolver_channel).ResolveTarget(
        resolver_pb2.ResolveTargetRequest(
            tenant=p["tenant"], media_id=p["media_id"], target=target_pb2.Target(strategy="dominant", on_miss="error")
        ),
        timeout=10,
    )
    evidence = evidence_input(resolution, resolution.entity.label or None)
    llm = Llm(
        LlmSettings(
            provider="openai", model=p.get("model", "dev-llm"), api_key="dev-llm", base_url=p["devllm_url"] + "/v1"
        )
    )
    llm_calls: list[float] = []
    complete = llm.provider.complete

    async def timed_complete(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await complete(*args, **kwargs)
        finally:
            llm_calls.append(time.perf_counter() - t0)

    llm.provider.complete = timed_complete  # type: ignore[method-assign]
    totals: list[float] = []
    for _ in range(int(p.get("warmup", 5))):
        await write_report(llm, prompt, p["template"], evidence, {})
    llm_calls.clear()
    cpu = CpuWindow().start()
    for _ in range(int(p["count"])):
        t0 = time.perf_counter()
        await write_report(llm, prompt, p["template"], evidence, {})
        totals.append(time.perf_counter() - t0)
    client = cpu.stop()
    await llm.aclose()
    await store_channel.close()
    await resolver_channel.close()
    return {
        "count": len(totals),
        "write_report_ms": summary(totals, 1000),
        "llm_call_ms": summary(llm_calls, 1000),
        "client_cpu": client,
    }


# --- grpc_calls: one store RPC over and over, for its cost floor ------------------------------------


async def grpc_calls_scenario(p: Params) -> dict[str, Any]:
    from bench.stats import summary
    from reports.v1 import store_pb2, store_pb2_grpc
    from services.common import grpc_server

    channel = grpc_server.channel(p["store"], peer="store")
    stub = store_pb2_grpc.StoreStub(channel)
    if p["rpc"] == "GetJob":
        call, request = stub.GetJob, store_pb2.GetJobRequest(tenant=p["tenant"], job_id=p["job_id"])
    else:
        call, request = stub.GetPrompt, store_pb2.GetPromptRequest(name=p["template"], label="production")
    for _ in range(20):
        await call(request, timeout=10)
    latencies: list[float] = []
    remaining = iter(range(int(p["count"])))

    async def worker() -> None:
        for _ in remaining:
            t0 = time.perf_counter()
            await call(request, timeout=10)
            latencies.append(time.perf_counter() - t0)

    cpu = CpuWindow().start()
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(int(p["concurrency"]))))
    wall = time.perf_counter() - t0
    client = cpu.stop()
    await channel.close()
    return {
        "rpc": p["rpc"],
        "calls": len(latencies),
        "calls_per_s": round(len(latencies) / wall, 1),
        "latency_ms": summary(latencies, 1000),
        "client_cpu": client,
    }


# --- celery: the peer ------------------------------------------------------------------------------


def celery_scenario(p: Params) -> dict[str, Any]:
    """Send N tasks (all at once, as a burst), then collect every result with its worker timestamps."""
    from bench.celery_peer import make_app

    app = make_app(p["broker"])
    count = int(p["count"])
    args = p.get("args", [])
    # One warm-up round trip: connections to the broker and the backend are open before timing.
    app.send_task(p["task"], args=[-1, *args]).get(timeout=60)
    cpu = CpuWindow().start()
    sent: list[float] = []
    results = []
    for i in range(count):
        sent.append(time.time())
        results.append(app.send_task(p["task"], args=[i, *args]))
    submitted = time.time()
    outcomes = []
    errors: list[str] = []
    for result in results:
        try:
            outcomes.append(result.get(timeout=float(p.get("timeout_s", 300))))
        except Exception as exc:  # noqa: BLE001 - a failed task is a figure, not a crash
            errors.append(repr(exc))
    client = cpu.stop()
    return {
        "sent": sent,
        "submitted": submitted,
        "outcomes": outcomes,
        "errors": errors[:5],
        "error_count": len(errors),
        "client_cpu": client,
    }


SCENARIOS: dict[str, Callable[[Params], Awaitable[dict[str, Any]]]] = {
    "http": http_scenario,
    "jobs": jobs_scenario,
    "sse": sse_scenario,
    "render_direct": render_direct_scenario,
    "grpc_calls": grpc_calls_scenario,
}


def main() -> None:
    scenario = sys.argv[1]
    params = json.loads(sys.stdin.read())
    if scenario == "celery":
        result = celery_scenario(params)
    else:
        result = asyncio.run(SCENARIOS[scenario](params))
    emit({"event": "result", **result})


if __name__ == "__main__":
    main()
