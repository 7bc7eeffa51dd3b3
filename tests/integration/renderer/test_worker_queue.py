"""The renderer's JetStream worker against a real nats-server, with jobs slower than the ack wait.

A pull request the client stopped waiting for (a `fetch` that timed out while the server was
still sending, on a busy event loop) leaves render commands in nats-py's local buffer: delivered,
their ack-wait clocks running, in no job's hands. This test makes one on purpose (a pull request
to the worker's own inbox) while the worker is full, and checks that those commands are neither
redelivered while the renderer holds them nor run beyond its concurrency.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from nats.aio.client import Client as NatsClient
from prometheus_client import REGISTRY

from reports.v1 import job_pb2
from services.common import heartbeat, streams
from services.renderer.worker import Worker, WorkerSettings
from tests.support.polling import until

CONCURRENCY = 2
ACK_WAIT_S = 1.0
JOB_S = 2.5 * ACK_WAIT_S  # each job outlives the ack wait: only heartbeats keep it ours
JOBS = 6
STRAYS = 3  # commands the orphaned pull request leaves in the local buffer


class SlowRunner:
    """Stands in for the JobRunner: each job takes JOB_S; records what ran and how many at once."""

    store = None

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.running = 0
        self.most_at_once = 0

    async def run(self, command: job_pb2.RenderCommand) -> str:
        self.started.append(command.job_id)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(JOB_S)  # the job's own duration, the condition under test
        finally:
            self.running -= 1
        self.finished.append(command.job_id)
        return "succeeded"


class GatedRunner:
    """Stands in for the JobRunner: each job waits for `release`; the job `failing` then raises."""

    store = None

    def __init__(self, failing: str) -> None:
        self.release = asyncio.Event()
        self.failing = failing
        self.ended: list[str] = []

    async def run(self, command: job_pb2.RenderCommand) -> str:
        try:
            await self.release.wait()
            if command.job_id == self.failing:
                raise RuntimeError("the job failed")
            return "succeeded"
        finally:
            self.ended.append(command.job_id)


def _redeliveries() -> float:
    return REGISTRY.get_sample_value("renderer_redeliveries_total") or 0.0


def _jobs_running() -> float:
    return REGISTRY.get_sample_value("renderer_jobs_running") or 0.0


async def test_jobs_running_counts_the_jobs_in_hand_until_each_succeeds_or_fails(nc: NatsClient):
    js = nc.jetstream()
    for job_id in ("job-succeeds", "job-fails"):
        await js.publish(streams.RENDER_SUBJECT, job_pb2.RenderCommand(job_id=job_id, tenant="t").SerializeToString())
    runner = GatedRunner(failing="job-fails")
    # the failed job's retry comes after the test
    worker = Worker(nc, runner, WorkerSettings(concurrency=CONCURRENCY, retry_delays_s=(60.0,)))  # type: ignore[arg-type]
    before = _jobs_running()
    running = asyncio.create_task(worker.run())
    try:
        await until(lambda: _jobs_running() == before + 2, what="two jobs running")
        runner.release.set()
        await until(lambda: _jobs_running() == before, what="both jobs ended")
    finally:
        worker.stop()
        await asyncio.wait_for(running, 30)

    assert sorted(runner.ended) == ["job-fails", "job-succeeds"]


async def test_commands_left_in_the_local_buffer_are_kept_alive_and_wait_for_a_free_slot(nc: NatsClient):
    js = nc.jetstream()
    for number in range(JOBS):
        await js.publish(
            streams.RENDER_SUBJECT, job_pb2.RenderCommand(job_id=f"job-{number}", tenant="t").SerializeToString()
        )
    runner = SlowRunner()
    worker = Worker(nc, runner, WorkerSettings(concurrency=CONCURRENCY, ack_wait_s=ACK_WAIT_S))  # type: ignore[arg-type]
    subscriptions = []
    bind = worker._js.pull_subscribe_bind

    async def bind_and_keep(*args, **kwargs):  # the worker's pull subscription, for its inbox
        subscription = await bind(*args, **kwargs)
        subscriptions.append(subscription)
        return subscription

    worker._js.pull_subscribe_bind = bind_and_keep  # type: ignore[method-assign]
    redeliveries_before = _redeliveries()
    running = asyncio.create_task(worker.run())
    try:
        await until(lambda: runner.running == CONCURRENCY, what="the worker to be full")
        # a pull request nobody waits for: the server sends STRAYS commands to the worker's inbox
        await nc.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{streams.JOBS_STREAM}.{streams.RENDERER_DURABLE}",
            json.dumps({"batch": STRAYS, "no_wait": True}).encode(),
            reply=subscriptions[0]._deliver,
        )
        await until(lambda: len(set(runner.finished)) == JOBS, timeout_s=60, what="every job to finish")
    finally:
        worker.stop()
        await asyncio.wait_for(running, 30)

    assert runner.most_at_once <= CONCURRENCY
    assert Counter(runner.started) == {f"job-{number}": 1 for number in range(JOBS)}
    assert _redeliveries() == redeliveries_before
    info = await js.consumer_info(streams.JOBS_STREAM, streams.RENDERER_DURABLE)
    assert info.num_redelivered == 0 and info.num_ack_pending == 0, info


def _duplicate_deliveries() -> float:
    labels = {"consumer": streams.RENDERER_DURABLE}
    return REGISTRY.get_sample_value("jetstream_duplicate_deliveries_total", labels) or 0.0


async def test_a_command_redelivered_to_the_renderer_running_its_job_does_not_start_it_again(
    nc: NatsClient, monkeypatch: pytest.MonkeyPatch
):
    js = nc.jetstream()
    await js.publish(streams.RENDER_SUBJECT, job_pb2.RenderCommand(job_id="job-held", tenant="t").SerializeToString())
    runner = GatedRunner(failing="")
    started: list[str] = []
    run = runner.run

    async def run_and_record(command: job_pb2.RenderCommand) -> str:
        started.append(command.job_id)
        return await run(command)

    runner.run = run_and_record  # type: ignore[method-assign]
    # Heartbeats late past the ack wait, as on a starved event loop: JetStream redelivers the command.
    heartbeats_due = asyncio.Event()
    keep_in_progress = heartbeat.keep_in_progress

    async def late_heartbeats(msg, ack_wait_s: float) -> None:  # type: ignore[no-untyped-def]
        await heartbeats_due.wait()
        await keep_in_progress(msg, ack_wait_s)

    monkeypatch.setattr(heartbeat, "keep_in_progress", late_heartbeats)
    worker = Worker(nc, runner, WorkerSettings(concurrency=CONCURRENCY, ack_wait_s=ACK_WAIT_S))  # type: ignore[arg-type]
    duplicates_before = _duplicate_deliveries()
    running = asyncio.create_task(worker.run())
    try:
        await until(
            lambda: _duplicate_deliveries() > duplicates_before or len(started) > 1, what="the command delivered again"
        )
        heartbeats_due.set()
        runner.release.set()
        await until(lambda: runner.ended == ["job-held"], what="the job to end")

        async def acked() -> bool:
            info = await js.consumer_info(streams.JOBS_STREAM, streams.RENDERER_DURABLE)
            return info.num_ack_pending == 0 and info.ack_floor.stream_seq == 1

        await until(acked, what="the command acked")
    finally:
        worker.stop()
        await asyncio.wait_for(running, 30)

    assert started == ["job-held"]
    assert _duplicate_deliveries() == duplicates_before + 1
    info = await js.consumer_info(streams.JOBS_STREAM, streams.RENDERER_DURABLE)
    assert info.num_pending == 0 and info.num_ack_pending == 0, info
