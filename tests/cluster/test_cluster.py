"""300 jobs through the production-shaped cluster while a NATS node, a renderer and a gateway die.

The cluster: 3 NATS nodes (JetStream R3), PostgreSQL, 2 store replicas, 2 gateways, 3 renderers,
a resolver, the dev LLM with 300 ms latency. Mid-run the JOBS stream's leader node, a renderer
(SIGKILL, jobs in hand) and a gateway (SIGKILL, SSE clients attached) are killed; the cluster
keeps working on what is left, then the three come back. Every job must end `succeeded` exactly
once with exactly one report, and every SSE client of the killed gateway must have resumed on
the other one with `Last-Event-ID`, missing and repeating nothing.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import nats
import psycopg
import pytest

from reports.v1 import job_pb2
from services.common import streams
from services.domain import job_states
from stack.cluster import Cluster
from tests.cluster.traffic import TERMINAL, Gateways, Watcher
from tests.support.metrics import scrape
from tests.support.polling import eventually
from tests.support.tenants import AUTH_A

pytestmark = pytest.mark.cluster

JOBS = 300
FIRST_WAVE = 240  # submitted before the kills; the rest while things are down
WATCHED_ON_KILLED = 24  # SSE clients on the gateway that dies, for the first wave's last jobs
WATCHED_ON_SURVIVOR = 8  # and some on the gateway that lives
MIN_RESUMED = 10  # the killed gateway's clients that must have been cut off mid-stream
DEADLINE_S = 240
POLL_S = 0.25  # each wait asks the gateways or a renderer over HTTP


def stream_leader(cluster: Cluster, stream: str) -> int:
    async def ask() -> str:
        nc = await nats.connect(cluster.nats_url.split(","))
        try:
            info = await nc.jetstream().stream_info(stream)
            assert info.config.num_replicas == len(cluster.nats), info.config
            assert info.cluster is not None and len(info.cluster.replicas or []) == len(cluster.nats) - 1
            return str(info.cluster.leader)
        finally:
            await nc.close()

    leader = asyncio.run(ask())
    return [node.process.name for node in cluster.nats].index(leader)


def pause_renderers(cluster: Cluster, seconds: float | None) -> None:
    """Pauses the renderers' JetStream consumer for `seconds` (None: resumes it). Jobs in hand go on."""
    body = {}
    if seconds is not None:
        until = datetime.now(UTC) + timedelta(seconds=seconds)
        body = {"pause_until": until.isoformat().replace("+00:00", "Z")}

    async def ask() -> dict:
        nc = await nats.connect(cluster.nats_url.split(","))
        try:
            subject = f"$JS.API.CONSUMER.PAUSE.{streams.JOBS_STREAM}.{streams.RENDERER_DURABLE}"
            return json.loads((await nc.request(subject, json.dumps(body).encode(), timeout=10)).data)
        finally:
            await nc.close()

    reply = asyncio.run(ask())
    assert reply.get("paused") is (seconds is not None), reply


def jobs_running(cluster: Cluster, name: str) -> float:
    """Jobs the renderer `name` holds now, unacked (its renderer_jobs_running)."""
    return scrape(cluster.metrics_urls[name], "renderer_jobs_running")


def redeliveries(cluster: Cluster, name: str) -> float:
    """Render commands the renderer `name` received again after another attempt (a dead renderer's)."""
    return scrape(cluster.metrics_urls[name], "renderer_redeliveries_total")


def job_events(cluster: Cluster) -> dict[str, list[tuple[int, str, str]]]:
    """Every event in JOB_EVENTS by job: [(stream sequence, status, event id)], in stream order."""

    async def read() -> dict[str, list[tuple[int, str, str]]]:
        nc = await nats.connect(cluster.nats_url.split(","))
        try:
            js = nc.jetstream()
            total = (await js.stream_info(streams.EVENTS_STREAM)).state.messages
            sub = await js.subscribe(streams.EVENTS_SUBJECTS, stream=streams.EVENTS_STREAM, ordered_consumer=True)
            events: dict[str, list[tuple[int, str, str]]] = {}
            for _ in range(total):
                msg = await sub.next_msg(timeout=10)
                event = job_pb2.JobEvent.FromString(msg.data)
                status = job_states.status_name(event.status) or str(event.status)
                events.setdefault(event.job_id, []).append((msg.metadata.sequence.stream, status, event.event_id))
            await sub.unsubscribe()
            return events
        finally:
            await nc.close()

    return asyncio.run(read())


def test_300_jobs_survive_a_killed_nats_node_renderer_and_gateway(cluster: Cluster):
    started = time.monotonic()
    deadline = started + DEADLINE_S
    killed_gateway, surviving_gateway = cluster.gateway_urls
    api = Gateways(cluster.gateway_urls, AUTH_A)
    media_id = api.create_media()
    job_ids: dict[int, str] = {}

    def submit(numbers: range) -> None:
        with ThreadPoolExecutor(8) as pool:
            for number, job_id in zip(numbers, pool.map(lambda n: api.create_job(media_id, n), numbers)):
                job_ids[number] = job_id

    # 1. the first wave flows; then the renderers' consumer is paused (JetStream consumer pause)
    #    while its last jobs are created, each with an SSE client from the moment it exists: most
    #    on the gateway that will die, some on the one that lives. Paused, nothing can finish
    #    before every client is attached, however fast or slow this machine is.
    watched = WATCHED_ON_KILLED + WATCHED_ON_SURVIVOR
    submit(range(FIRST_WAVE - watched))
    eventually(lambda: api.statuses()["succeeded"] >= 20, 120, "20 succeeded jobs (the cluster works)", POLL_S)
    nats_victim = stream_leader(cluster, streams.JOBS_STREAM)
    pause_renderers(cluster, 60)
    watchers: list[Watcher] = []
    threads: list[threading.Thread] = []
    for number in range(FIRST_WAVE - watched, FIRST_WAVE):
        job_ids[number] = api.create_job(media_id, number)
        order = [killed_gateway, surviving_gateway]
        watchers.append(Watcher(job_ids[number], order if number % 4 else order[::-1], AUTH_A))
        threads.append(threading.Thread(target=watchers[-1].run, args=(deadline,), daemon=True))
        threads[-1].start()
    on_killed = [w for w in watchers if w.gateways[0] == killed_gateway]
    for watcher in watchers:
        assert watcher.attached.wait(60), f"SSE client of {watcher.job_id} got no event: {watcher.problems}"
    assert not any(w.finished.is_set() for w in watchers), [w.parts for w in watchers if w.finished.is_set()]

    # 2. the renderers go on; at once a gateway (SIGKILL, SSE clients attached), the JOBS stream's
    #    leader node and a renderer with jobs in hand die; the second wave comes while they are down
    pause_renderers(cluster, None)
    open_at_kill = {w.job_id for w in on_killed if not w.finished.is_set()}
    cluster.kill("gateway-1")
    cluster.kill_nats(nats_victim)
    # renderer-1 dies with jobs in hand (each takes an LLM call's latency, far longer than a scrape)
    eventually(lambda: jobs_running(cluster, "renderer-1") >= 1, 60, "a job running on renderer-1", POLL_S)
    cluster.kill("renderer-1")
    killed_at = time.monotonic()
    second_wave = threading.Thread(target=submit, args=(range(FIRST_WAVE, JOBS),), daemon=True)
    second_wave.start()
    succeeded_at_kill = api.statuses()["succeeded"]

    # 3. the rest of the cluster carries on: the cut-off clients resume, more jobs succeed
    eventually(
        lambda: all(w.finished.is_set() or len(w.parts) > 1 for w in on_killed),
        60,
        "reconnection of the killed gateway's SSE clients to the other gateway",
        POLL_S,
    )
    eventually(
        lambda: api.statuses()["succeeded"] >= succeeded_at_kill + 30,
        120,
        "30 more succeeded jobs with a NATS node, a renderer and a gateway down",
        POLL_S,
    )
    degraded_s = time.monotonic() - killed_at

    # 4. bring them back, and let every job finish
    cluster.restart_nats(nats_victim)
    cluster.restart("renderer-1")
    cluster.restart("gateway-1")
    second_wave.join(timeout=max(1.0, deadline - time.monotonic()))
    assert not second_wave.is_alive(), "the second wave of submissions did not finish"
    assert len(job_ids) == JOBS
    eventually(
        lambda: sum(api.statuses()[s] for s in TERMINAL) >= JOBS,
        max(1.0, deadline - time.monotonic()),
        "end of every job",
        POLL_S,
    )
    for watcher, thread in zip(watchers, threads):
        thread.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not thread.is_alive(), f"SSE client of {watcher.job_id} still open"

    # every job, exactly once: one job per submission, all succeeded, one report each
    jobs = api.all_pages("/v1/jobs")
    assert sorted(j["jobId"] for j in jobs) == sorted(job_ids.values())
    assert Counter(j["status"] for j in jobs) == {"succeeded": JOBS}, [j for j in jobs if j["status"] != "succeeded"][
        :3
    ]
    reports = api.all_pages("/v1/reports")
    per_job = Counter(r["jobId"] for r in reports)
    assert set(per_job) == set(job_ids.values()) and set(per_job.values()) == {1}
    assert {j["reportId"] for j in jobs} == {r["id"] for r in reports}
    with psycopg.connect(cluster.database.url) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT job_id) FROM reports").fetchone() == (JOBS, JOBS)
        assert conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone() == (0,)

    # every job's events in JOB_EVENTS (what SSE and webhooks read): queued first, then one
    # `succeeded`, last; no event twice
    in_stream = job_events(cluster)
    assert set(in_stream) == set(job_ids.values())
    for job_id, events in in_stream.items():
        statuses = [status for _, status, _ in events]
        assert statuses[0] == "queued" and statuses[-1] == "succeeded", (job_id, statuses)
        assert statuses.count("succeeded") == 1, (job_id, statuses)
        assert len({event_id for _, _, event_id in events}) == len(events), (job_id, events)

    # every SSE client saw the tail of its job's full history (Last-Event-ID: 0) exactly, across
    # the reconnect; that history is the job's events in the stream
    for watcher in watchers:
        assert watcher.problems == [], (watcher.job_id, watcher.problems)
        full = api.events(watcher.job_id, "0")
        assert [(seq, event["status"]) for seq, event in full] == [
            (seq, status) for seq, status, _ in in_stream[watcher.job_id]
        ]
        seen = watcher.events
        assert seen == full[len(full) - len(seen) :], (watcher.job_id, watcher.parts, full)
        assert seen[-1][1]["status"] == "succeeded"
    # the killed gateway's clients that were streaming were cut off mid-job, and each resumed on
    # the surviving gateway with Last-Event-ID = the last event it had
    resumed = [w for w in on_killed if w.cut_off]
    assert len([w for w in resumed if w.job_id in open_at_kill]) >= MIN_RESUMED, (
        f"only {len(resumed)} SSE clients were cut off; {len(open_at_kill)} were streaming when the gateway died"
    )
    for watcher in resumed:
        first, then = watcher.parts[0], watcher.parts[1]
        assert (first.gateway, then.gateway) == (killed_gateway, surviving_gateway), watcher.parts
        assert then.last_event_id == first.events[-1][0], watcher.parts
    broken_elsewhere = [
        (w.job_id, p.gateway, p.ended)
        for w in watchers
        for p in w.parts
        if p.ended != "terminal" and p.gateway == surviving_gateway
    ]

    # the killed renderer's jobs came back (JetStream redelivery after the ack wait): to another
    # renderer, or to renderer-1 itself when it was back before the ack wait ran out
    redelivered = sum(redeliveries(cluster, name) for name in ("renderer-1", "renderer-2", "renderer-3"))
    assert redelivered > 0, "no job was redelivered after the renderer's SIGKILL"

    print(
        f"\ncluster test: {JOBS} jobs, all succeeded once; NATS node {cluster.nats[nats_victim].process.name} "
        f"(JOBS leader), renderer-1 and gateway-1 killed for {degraded_s:.1f}s; {len(resumed)} SSE clients "
        f"resumed on {surviving_gateway}; {redelivered:.0f} jobs redelivered; "
        f"{len(broken_elsewhere)} SSE connections to the surviving gateway broke {broken_elsewhere[:3]}; "
        f"{time.monotonic() - started:.1f}s after the cluster was up"
    )
