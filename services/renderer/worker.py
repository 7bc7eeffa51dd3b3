"""The JetStream side of a renderer: render commands pulled from JOBS, each acked once its job ends.

A durable pull consumer on JOBS shared by every renderer process, run by the common pull worker
(services/common/jetstream_worker.py: in-flight bound, heartbeats, drain). Each message is acked
only after its job has reached an end. Transient trouble (a backend unavailable) naks with a
growing delay; the last delivery that still fails marks the job `failed` with code `internal`.
A renderer killed mid-job simply never acks: JetStream redelivers after the ack wait and another
renderer finishes the job; one killed on the last delivery leaves it to the max-deliveries
advisory, which fails the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

import grpc
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace

from reports.v1 import job_pb2
from services.common import context, defaults, jetstream_worker, streams, tracing
from services.common.rpc_errors import from_rpc_error
from services.renderer.job_runner import JobRunner, fail_job
from services.renderer.metrics import JOBS_FINISHED, JOBS_RUNNING, QUEUE_DEPTH, REDELIVERIES

log = logging.getLogger(__name__)
_tracer = tracing.tracer("reports.renderer")
MAX_DELIVERIES_ADVISORY = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{streams.JOBS_STREAM}.{streams.RENDERER_DURABLE}"


@dataclass(frozen=True)
class WorkerSettings:
    concurrency: int = defaults.RENDERER_CONCURRENCY
    ack_wait_s: float = 30.0
    max_deliver: int = 5
    retry_delays_s: tuple[float, ...] = (1.0, 5.0, 15.0, 30.0)
    drain_timeout_s: float = 20.0


class Worker:
    def __init__(self, nc: NatsClient, runner: JobRunner, settings: WorkerSettings) -> None:
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream()
        self._runner = runner
        self._settings = settings
        consumer = jetstream_worker.Consumer(
            streams.JOBS_STREAM, streams.RENDERER_DURABLE, streams.RENDER_SUBJECT, settings.max_deliver
        )
        self._pull = jetstream_worker.JetStreamWorker(
            self._js,
            consumer,
            self._handle,
            jetstream_worker.PullSettings(
                concurrency=settings.concurrency,
                ack_wait_s=settings.ack_wait_s,
                drain_timeout_s=settings.drain_timeout_s,
                unhandled_retry_s=settings.retry_delays_s[-1],
            ),
        )

    async def ensure_consumer(self) -> None:
        await self._pull.ensure_consumer()

    def stop(self) -> None:
        self._pull.stop()

    async def run(self) -> None:
        await self.ensure_consumer()
        advisories = await self._nc.subscribe(MAX_DELIVERIES_ADVISORY, queue="renderers", cb=self._on_max_deliveries)
        depth = asyncio.create_task(self._watch_queue_depth())
        try:
            await self._pull.run()
        finally:
            depth.cancel()
            await advisories.unsubscribe()

    async def _handle(self, msg: Msg) -> None:
        command = job_pb2.RenderCommand.FromString(msg.data)
        delivered = msg.metadata.num_delivered
        if delivered > 1:
            REDELIVERIES.inc()
        headers = dict(msg.headers or {})
        with (
            JOBS_RUNNING.track_inprogress(),
            context.bound(
                request_id=command.request_id or headers.get(streams.REQUEST_ID_HEADER),
                tenant=command.tenant,
                job_id=command.job_id,
            ),
            tracing.span(_tracer, "render job", carrier=headers, kind=trace.SpanKind.CONSUMER),
        ):
            try:
                outcome = await self._runner.run(command)
                JOBS_FINISHED.labels(outcome).inc()
                log.debug("job done", extra={"outcome": outcome, "delivery": delivered})
                await msg.ack()
            except grpc.aio.AioRpcError as exc:
                if _job_deleted(exc):  # deleted while queued or rendering: nothing left to do
                    JOBS_FINISHED.labels("deleted").inc()
                    log.info("job deleted; dropped", extra={"delivery": delivered})
                    await msg.ack()
                else:
                    await self._after_failure(msg, command, delivered, exc)
            except Exception as exc:  # noqa: BLE001 - any failure of the job is its failure, counted for redelivery
                await self._after_failure(msg, command, delivered, exc)

    async def _after_failure(self, msg: Msg, command: job_pb2.RenderCommand, delivered: int, exc: Exception) -> None:
        if delivered >= self._settings.max_deliver:
            log.error("job failed on its last delivery", extra={"jobId": command.job_id, "error": str(exc)})
            with contextlib.suppress(Exception):
                await fail_job(
                    self._runner.store,
                    command.tenant,
                    command.job_id,
                    "internal",
                    f"the job could not complete after {delivered} attempts",
                )
                await msg.ack()
            return
        delays = self._settings.retry_delays_s
        delay = delays[min(delivered - 1, len(delays) - 1)]
        log.warning(
            "job will be retried",
            extra={"jobId": command.job_id, "delivery": delivered, "retryInS": delay, "error": str(exc)},
        )
        with contextlib.suppress(Exception):
            await msg.nak(delay=delay)

    async def _watch_queue_depth(self, every_s: float = 5.0) -> None:
        while True:
            with contextlib.suppress(Exception):
                info = await self._js.consumer_info(streams.JOBS_STREAM, streams.RENDERER_DURABLE)
                QUEUE_DEPTH.labels("waiting").set(info.num_pending or 0)
                QUEUE_DEPTH.labels("in_flight").set(info.num_ack_pending or 0)
            await asyncio.sleep(every_s)  # a sampling period, not a wait for a condition

    async def _on_max_deliveries(self, advisory: Msg) -> None:
        """A job whose renderer died on its last delivery: fail it, and drop its command."""
        try:
            seq = int(json.loads(advisory.data)["stream_seq"])
            stored = await self._js.get_msg(streams.JOBS_STREAM, seq)
            command = job_pb2.RenderCommand.FromString(stored.data or b"")
            await fail_job(
                self._runner.store,
                command.tenant,
                command.job_id,
                "internal",
                f"the job did not complete after {self._settings.max_deliver} deliveries",
            )
            await self._js.delete_msg(streams.JOBS_STREAM, seq)
        except Exception as exc:  # noqa: BLE001 - the advisory loop must outlive one bad advisory
            log.error("could not handle a max-deliveries advisory: %s", exc)


def _job_deleted(exc: grpc.aio.AioRpcError) -> bool:
    """The store no longer has the job (DELETE of the job or its media): it never ends otherwise."""
    return exc.code() == grpc.StatusCode.NOT_FOUND and from_rpc_error(exc).code == "job_not_found"
