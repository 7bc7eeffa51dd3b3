"""The JetStream side of a renderer: pull render commands, keep them alive, ack when done.

A durable pull consumer on JOBS shared by every renderer process. Each message is acked only
after its job has reached an end; from the moment the renderer has it in hand, `in_progress`
keeps its ack deadline away (at once, then every third of the ack wait).

nats-py's `fetch` hands over whatever its local buffer holds, which can be more than the batch
asked for: a pull request whose `fetch` timed out on a busy event loop still gets the server's
messages. Such a message is delivered, its ack-wait clock running, yet in no job's hands; left
there while every slot is busy it would be redelivered to another renderer and then run here
too. So the worker also takes buffered messages when it is full (checked every heartbeat
period), heartbeats them at once, and a semaphore keeps the jobs that run at `concurrency`.
Transient trouble (a backend unavailable) naks with a growing delay; the last delivery that
still fails marks the job `failed` with code `internal`. A renderer killed mid-job simply never
acks: JetStream redelivers after the ack wait and another renderer finishes the job.
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
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import BadRequestError
from opentelemetry import trace

from reports.v1 import job_pb2
from services.common import context, heartbeat, streams, tracing
from services.common.rpc_errors import from_rpc_error
from services.renderer.job_runner import JobRunner, fail_job
from services.renderer.metrics import JOBS_FINISHED, QUEUE_DEPTH, REDELIVERIES

log = logging.getLogger(__name__)
_tracer = tracing.tracer("reports.renderer")
MAX_DELIVERIES_ADVISORY = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{streams.JOBS_STREAM}.{streams.RENDERER_DURABLE}"


@dataclass(frozen=True)
class WorkerSettings:
    concurrency: int = 16
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
        self._inflight: set[asyncio.Task[None]] = set()  # jobs running or waiting for a slot
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._stopping = asyncio.Event()

    async def ensure_consumer(self) -> None:
        config = ConsumerConfig(
            durable_name=streams.RENDERER_DURABLE,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._settings.ack_wait_s,
            max_deliver=self._settings.max_deliver,
            filter_subject=streams.RENDER_SUBJECT,
            max_ack_pending=-1,
        )
        try:
            await self._js.add_consumer(streams.JOBS_STREAM, config)
        except BadRequestError as exc:
            log.info("renderer consumer exists with other settings; using it: %s", exc)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        await self.ensure_consumer()
        advisories = await self._nc.subscribe(MAX_DELIVERIES_ADVISORY, queue="renderers",
                                              cb=self._on_max_deliveries)
        psub = await self._js.pull_subscribe_bind(durable=streams.RENDERER_DURABLE, stream=streams.JOBS_STREAM)
        depth = asyncio.create_task(self._watch_queue_depth())
        try:
            while not self._stopping.is_set():
                room = self._settings.concurrency - len(self._inflight)
                if room <= 0 and not psub.pending_msgs:
                    await asyncio.wait(self._inflight, timeout=heartbeat.period_s(self._settings.ack_wait_s),
                                       return_when=asyncio.FIRST_COMPLETED)
                    continue
                # One message a fetch, or what is already in this renderer's buffer: a fetch of more
                # finding the queue empty waits for all of them (up to its timeout) before handing
                # over the first, and the store dispatches jobs one at a time as places free.
                try:
                    messages = await psub.fetch(batch=max(psub.pending_msgs, 1), timeout=1.0)
                except TimeoutError:
                    continue
                except Exception as exc:  # NATS reconnecting: the client retries on its own
                    log.warning("fetch failed: %s", exc)
                    await asyncio.sleep(0.5)
                    continue
                for msg in messages:
                    task = asyncio.create_task(self._handle(msg))
                    self._inflight.add(task)
                    task.add_done_callback(self._inflight.discard)
        finally:
            depth.cancel()
            await advisories.unsubscribe()
            if self._inflight:
                await asyncio.wait(self._inflight, timeout=self._settings.drain_timeout_s)
            with contextlib.suppress(Exception):
                await psub.unsubscribe()

    async def _handle(self, msg: Msg) -> None:
        command = job_pb2.RenderCommand.FromString(msg.data)
        delivered = msg.metadata.num_delivered
        if delivered > 1:
            REDELIVERIES.inc()
        headers = dict(msg.headers or {})
        with context.bound(request_id=command.request_id or headers.get(streams.REQUEST_ID_HEADER),
                           tenant=command.tenant, job_id=command.job_id), \
                _tracer.start_as_current_span("render job", context=tracing.extract(headers),
                                              kind=trace.SpanKind.CONSUMER):
            keep_alive = asyncio.create_task(heartbeat.keep_in_progress(msg, self._settings.ack_wait_s))
            try:
                async with self._slots:
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
            except Exception as exc:
                await self._after_failure(msg, command, delivered, exc)
            finally:
                keep_alive.cancel()

    async def _after_failure(self, msg: Msg, command: job_pb2.RenderCommand, delivered: int, exc: Exception) -> None:
        if delivered >= self._settings.max_deliver:
            log.error("job failed on its last delivery", extra={"jobId": command.job_id, "error": str(exc)})
            with contextlib.suppress(Exception):
                await fail_job(self._runner.store, command.tenant, command.job_id, "internal",
                               f"the job could not complete after {delivered} attempts")
                await msg.ack()
            return
        delays = self._settings.retry_delays_s
        delay = delays[min(delivered - 1, len(delays) - 1)]
        log.warning("job will be retried", extra={"jobId": command.job_id, "delivery": delivered,
                                                  "retryInS": delay, "error": str(exc)})
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
            await fail_job(self._runner.store, command.tenant, command.job_id, "internal",
                           f"the job did not complete after {self._settings.max_deliver} deliveries")
            await self._js.delete_msg(streams.JOBS_STREAM, seq)
        except Exception as exc:
            log.error("could not handle a max-deliveries advisory: %s", exc)


def _job_deleted(exc: grpc.aio.AioRpcError) -> bool:
    """The store no longer has the job (DELETE of the job or its media): it never ends otherwise."""
    return exc.code() == grpc.StatusCode.NOT_FOUND and from_rpc_error(exc).code == "job_not_found"
