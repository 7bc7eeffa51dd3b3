"""From raw samples to figures: job timelines, per-stage costs, SSE delivery latency. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from bench.stats import summary

# (status, stage) of each event a job passes through, in order, and the moments it marks. `started`
# is the claim: the first running event, at stage rendering (the renderer resolved the target
# before it claimed the job), or at resolving for a job claimed before it was resolved.
MOMENTS = {
    ("queued", "queued"): ("created",),
    ("running", "resolving"): ("started",),
    ("running", "rendering"): ("started", "rendering"),
    ("succeeded", ""): ("succeeded",),  # a succeeded job has no stage
}

# Each stage: (name, from moment, to moment, what it covers). Moments `sent`, `replied` and
# `observed` are the client's clock; the rest are the store's commit timestamps (event `at`).
STAGES: list[tuple[str, str, str, str]] = [
    (
        "create: client → store",
        "sent",
        "created",
        "HTTP + gateway (auth, JSON Schema validation, protobuf) + gRPC + store up to the commit's timestamp",
    ),
    ("create: store → client", "created", "replied", "store commit and estimate, gRPC reply, gateway JSON response"),
    (
        "queue + resolve: outbox → JetStream → renderer → claim",
        "created",
        "started",
        "outbox relay publish, JOBS work queue, renderer fetch, the target resolved in the renderer "
        "(the transcript read from the store once per media), ClaimJob commit with the resolution "
        "(answered with job + prompt)",
    ),
    (
        "render + store: LLM + checks + report",
        "rendering",
        "succeeded",
        "dev LLM call (OpenAI SDK over HTTP), schema/quote checks, Markdown, "
        "CompleteJob: report row + job row + outbox event",
    ),
    (
        "event: outbox → NATS → client",
        "succeeded",
        "observed",
        "outbox relay publishes the succeeded event; a NATS subscriber receives it",
    ),
]


def timelines(jobs: Sequence[dict[str, Any]], events: Iterable[Sequence[Any]]) -> list[dict[str, float]]:
    """One dict per job with the moments it passed: sent, replied, created ... succeeded, observed.

    `events` are (job_id, status, stage, at, received) tuples; the first of each kind counts (a
    redelivered job repeats none, but a replayed publish could).
    """
    seen: dict[str, dict[str, float]] = {}
    for job_id, status, stage, at, received in events:
        marks = seen.setdefault(job_id, {})
        for moment in MOMENTS.get((status, stage), ()):
            if moment not in marks:
                marks[moment] = at
                if moment == "succeeded":
                    marks["observed"] = received
    out = []
    for job in jobs:
        marks = {"sent": job["sent"], "replied": job["replied"], **seen.get(job["id"], {})}
        out.append(marks)
    return out


def completed(lines: Sequence[dict[str, float]]) -> list[dict[str, float]]:
    return [t for t in lines if "succeeded" in t]


def stage_breakdown(lines: Sequence[dict[str, float]]) -> list[dict[str, Any]]:
    """Per stage: its latency summary in ms over the completed jobs, and its share of the p50s."""
    done = completed(lines)
    rows = []
    for name, start, end, covers in STAGES:
        values = [t[end] - t[start] for t in done if start in t and end in t]
        rows.append({"stage": name, "from": start, "to": end, "covers": covers, "ms": summary(values, 1000)})
    total = sum(r["ms"].get("p50", 0) for r in rows if r["from"] != "created" or r["to"] != "replied")
    for r in rows:
        overlapping = r["from"] == "created" and r["to"] == "replied"  # runs beside the queue stage
        r["share_of_p50_sum"] = None if overlapping or not total else round(r["ms"].get("p50", 0) / total, 3)
    return rows


def largest_stage(rows: Sequence[dict[str, Any]]) -> str:
    candidates = [r for r in rows if r["share_of_p50_sum"] is not None]
    return max(candidates, key=lambda r: r["ms"].get("p50", 0))["stage"] if candidates else ""


def job_latencies(lines: Sequence[dict[str, float]]) -> dict[str, dict[str, float]]:
    """create → succeeded from the store's own timestamps, and client POST sent → event observed."""
    done = completed(lines)
    return {
        "create_to_succeeded_ms": summary([t["succeeded"] - t["created"] for t in done if "created" in t], 1000),
        "client_post_to_observed_ms": summary([t["observed"] - t["sent"] for t in done], 1000),
    }


def throughput(lines: Sequence[dict[str, float]]) -> dict[str, float]:
    """Completed jobs per second from the first POST sent to the last job's succeeded commit."""
    done = completed(lines)
    if not done:
        return {"completed": 0, "makespan_s": 0.0, "jobs_per_s": 0.0}
    first = min(t["sent"] for t in lines)
    last = max(t["succeeded"] for t in done)
    span = last - first
    return {
        "completed": len(done),
        "makespan_s": round(span, 2),
        "jobs_per_s": round(len(done) / span, 1) if span > 0 else 0.0,
    }


def parse_iso(at: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def sse_delivery(deliveries: Iterable[Sequence[Any]], nats_events: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """SSE latency (commit → SSE client) and, as its floor, NATS latency (commit → NATS client).

    A delivery's commit time is the event's `at` taken from the NATS copy of the same event
    (microseconds); the SSE copy's `at` (milliseconds) is used only when no NATS copy was seen.
    The same event: same job, status, stage and `at` to the millisecond (a running job's progress
    events share its status and stage, and must not take the commit time of the first of them).
    """
    precise: dict[tuple[str, str, str, int], tuple[float, float]] = {}
    for job_id, status, stage, at, received in nats_events:
        precise.setdefault((job_id, status, stage or "", math.floor(at * 1000 + 1e-6)), (at, received))
    sse, exact = [], 0
    for job_id, status, stage, at_iso, received in deliveries:
        match = precise.get((job_id, status, stage or "", round(parse_iso(at_iso) * 1000)))
        if match is not None:
            exact += 1
            sse.append(received - match[0])
        else:
            sse.append(received - parse_iso(at_iso))
    direct = [received - at for at, received in precise.values()]
    return {
        "deliveries": len(sse),
        "matched_to_nats": exact,
        "sse_ms": summary(sse, 1000),
        "nats_direct_ms": summary(direct, 1000),
    }


AREAS = {
    "asyncio": "asyncio event loop",
    "selectors.py": "asyncio event loop",
    "concurrent": "threads and queues",
    "threading.py": "threads and queues",
    "queue.py": "threads and queues",
    "sqlalchemy": "SQLAlchemy",
    "sqlmodel": "SQLAlchemy",
    "grpc": "gRPC",
    "protobuf": "protobuf",
    "google": "protobuf",
    "jsonschema": "jsonschema",
    "referencing": "jsonschema",
    "json": "json",
    "logging": "logging",
    "openai": "LLM SDK + HTTP client",
    "httpx": "LLM SDK + HTTP client",
    "httpx2": "LLM SDK + HTTP client",
    "httpcore": "LLM SDK + HTTP client",
    "httpcore2": "LLM SDK + HTTP client",
    "anyio": "LLM SDK + HTTP client",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "nats": "nats-py",
    "starlette": "Starlette + uvicorn",
    "uvicorn": "Starlette + uvicorn",
    "h11": "Starlette + uvicorn",
    "services": "project code",
    "stack": "project code",
}


def profile_summary(lines: Iterable[str], top: int = 15) -> dict[str, Any]:
    """A py-spy `--format raw` profile (collapsed stacks) summed up for reading.

    A line is `frame;frame;...;frame COUNT`, outermost first, a frame `function (file:line)`.
    Returns the samples by thread role (event loop, thread pool, other threads), by area (the
    library whose code was on CPU), the project's functions by total samples (themselves and what
    they call), and the functions by own samples. Functions are told apart by name and file.
    """
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    roles: dict[str, int] = {}
    areas: dict[str, int] = {}
    samples = 0
    for line in lines:
        stack, _, count_text = line.rstrip("\n").rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = [_function(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        role = (
            "thread pool (database work)"
            if "concurrent/futures/thread.py" in stack
            else "event loop"
            if "asyncio/base_events.py" in stack
            else "other threads (gRPC core, ...)"
        )
        roles[role] = roles.get(role, 0) + count
        leaf_path = frames[-1].rpartition(" (")[2].rstrip(")")
        area = AREAS.get(leaf_path.split("/")[0], "other")
        areas[area] = areas.get(area, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + count

    def ranked(table: dict[str, int], keep: Any = lambda f: True, limit: int = top) -> list[dict[str, Any]]:
        best = sorted(((f, n) for f, n in table.items() if keep(f)), key=lambda kv: kv[1], reverse=True)[:limit]
        return [{"function": f, "samples": n, "share": round(n / samples, 3) if samples else 0} for f, n in best]

    def project(frame: str) -> bool:
        return "(services/" in frame and "__main__" not in frame

    return {
        "samples": samples,
        "by_role": ranked(roles),
        "by_area": ranked(areas),
        "project_by_total": ranked(total, project),
        "by_own": ranked(own),
    }


def _function(frame: str) -> str:
    """`write (/x/site-packages/sqlalchemy/y.py:12)` → `write (sqlalchemy/y.py)`."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/lib/python3":
                path = path.split("/", 1)[1] if "/" in path else path
            break
    else:
        for top in ("services/", "stack/", "bench/", "reports/"):
            if f"/{top}" in path:
                path = top + path.split(f"/{top}", 1)[1]
                break
    return f"{name} ({path})" if path else name
