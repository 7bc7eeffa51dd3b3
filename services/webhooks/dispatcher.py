"""The JetStream side of webhook delivery: durable consumers, one attempt per delivery, retries.

One durable pull consumer named "webhooks" on WEBHOOKS: the store writes a delivery there only
for the terminal event of a job that has a webhook (with the transition that ends the job), and
the redeliveries clients ask for, so jobs without a webhook cost the dispatcher nothing (it does
not read JOB_EVENTS). A message is one webhook event; JetStream delivery number n is attempt n. A failed attempt
naks the message with the schedule's delay for n, so the retry is JetStream's redelivery and
lives in the stream, not in this process: a dispatcher killed between an attempt and its retry
finds the message waiting when it (or another replica) starts again. The common pull worker
(services/common/jetstream_worker.py) bounds what is in flight and keeps the ack deadline away
with `in_progress` while a message is in hand; a dispatcher that dies mid-request leaves the message
to be redelivered after the ack wait.

Before sending, the job's webhook state is read from the store: an event already recorded as
delivered (or given up) is acked without sending again, so a crash between recording and
acking does not deliver twice. Every attempt is recorded on the job (RecordWebhookAttempt).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import Counter

from reports.v1 import job_pb2, store_pb2, store_pb2_grpc
from services.common import context, jetstream_worker, streams
from services.common.timeutil import to_timestamp
from services.domain import job_states, ssrf
from services.webhooks import delivery
from services.webhooks.delivery import DELIVERED, FAILED, PENDING, RetryPolicy, Verdict
from services.webhooks.transport import AddressForbidden, Sender, SendFailed

log = logging.getLogger(__name__)
WEBHOOK_DELIVERIES = Counter(
    "webhook_deliveries_total", "Webhook delivery attempts, by outcome (delivered, retrying, failed)", ["outcome"]
)

# Deliveries beyond the schedule's attempts, for messages redelivered after a dispatcher crash.
SPARE_DELIVERIES = 3
RECORD_BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class DispatcherSettings:
    policy: RetryPolicy
    ack_wait_s: float = 60.0
    concurrency: int = 64
    rpc_timeout_s: float = 10.0
    fetch_timeout_s: float = 1.0


class Dispatcher:
    def __init__(
        self, store: store_pb2_grpc.StoreAsyncStub, sender: Sender, key: bytes, settings: DispatcherSettings
    ) -> None:
        self._store = store
        self._sender = sender
        self._key = key
        self._settings = settings
        self._policy = settings.policy

    def pull_worker(self, js: JetStreamContext) -> jetstream_worker.JetStreamWorker:
        """The consumer that hands each webhook message to `handle`; one that raises is retried
        after the schedule's longest delay."""
        consumer = jetstream_worker.Consumer(
            streams.WEBHOOKS_STREAM,
            streams.WEBHOOKS_DURABLE,
            streams.WEBHOOKS_SUBJECTS,
            self._policy.attempts + SPARE_DELIVERIES,
        )
        return jetstream_worker.JetStreamWorker(
            js,
            consumer,
            self.handle,
            jetstream_worker.PullSettings(
                concurrency=self._settings.concurrency,
                ack_wait_s=self._settings.ack_wait_s,
                drain_timeout_s=self._sender.timeout_s + 5,
                unhandled_retry_s=self._policy.schedule_s[-1],
                fetch_timeout_s=self._settings.fetch_timeout_s,
            ),
        )

    async def handle(self, msg: Msg) -> None:
        try:
            event = job_pb2.JobEvent.FromString(msg.data)
        except DecodeError:
            log.error("dropping a message that is not a JobEvent", extra={"subject": msg.subject})
            await msg.term()
            return
        if event.status not in job_states.TERMINAL_VALUES:
            await msg.ack()
            return
        with context.bound(
            tenant=event.tenant, job_id=event.job_id, request_id=(msg.headers or {}).get(streams.REQUEST_ID_HEADER)
        ):
            await self._deliver(msg, event, msg.metadata.num_delivered)

    async def _deliver(self, msg: Msg, event: job_pb2.JobEvent, attempt: int) -> None:
        if event.HasField("has_webhook") and not event.has_webhook:
            await msg.ack()
            return
        try:
            job = await self._store.GetJob(
                store_pb2.GetJobRequest(tenant=event.tenant, job_id=event.job_id), timeout=self._settings.rpc_timeout_s
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                await msg.ack()
                return
            delay = self._policy.delay_after(attempt) or self._policy.schedule_s[-1]
            log.warning(
                "store unavailable; webhook event retried later",
                extra={
                    "jobId": event.job_id,
                    "eventId": event.event_id,
                    "retryInS": round(delay, 3),
                    "error": exc.code().name,
                },
            )
            await msg.nak(delay=delay)
            return
        if not job.HasField("webhook") or not job.HasField("webhook_state"):
            # No webhook, or a job from before webhook delivery existed.
            await msg.ack()
            return
        state = job.webhook_state
        if state.event_id == event.event_id and state.status in (DELIVERED, FAILED):
            await msg.ack()
            return
        verdict = await self._attempt(job, event)
        await self._settle(msg, job, event, attempt, verdict)

    async def _attempt(self, job: job_pb2.Job, event: job_pb2.JobEvent) -> Verdict:
        try:
            url = ssrf.parse(job.webhook.url)
        except ssrf.ForbiddenUrl as exc:
            return Verdict(FAILED, error=f"webhook URL refused: {exc}")
        timestamp = int(time.time())
        try:
            body = delivery.body(job, event)
            headers = delivery.headers(self._key, event.event_id, timestamp, body, job.webhook.headers)
            answer = await self._sender.post(url, headers, body)
        except AddressForbidden as exc:
            return Verdict(FAILED, error=str(exc))
        except SendFailed as exc:
            return Verdict(PENDING, error=str(exc))
        except (UnicodeError, ValueError, TypeError) as exc:
            # What was stored cannot be sent (a header value no HTTP client encodes, stored before
            # creation refused it): no retry will change that, so it fails now, recorded and acked.
            log.exception("webhook cannot be sent", extra={"jobId": job.id, "eventId": event.event_id})
            return Verdict(FAILED, error=f"the webhook cannot be sent as stored ({type(exc).__name__})")
        return delivery.judge(answer.status, answer.retry_after_s, answer.location)

    async def _settle(
        self, msg: Msg, job: job_pb2.Job, event: job_pb2.JobEvent, attempt: int, verdict: Verdict
    ) -> None:
        delay = None
        if verdict.status == PENDING:
            delay = self._policy.delay_after(attempt, verdict.retry_after_s)
            if delay is None:
                verdict = replace(verdict, status=FAILED)
        WEBHOOK_DELIVERIES.labels("retrying" if delay is not None else verdict.status).inc()
        log.info(
            "webhook attempt",
            extra={
                "jobId": job.id,
                "eventId": event.event_id,
                "attempt": attempt,
                "outcome": verdict.status,
                "statusCode": verdict.status_code,
                "error": verdict.error,
                "retryInS": None if delay is None else round(delay, 3),
            },
        )
        if delay is not None:
            # The retry is scheduled in JetStream before the attempt is recorded: a crash in
            # between loses only the record, never the retry.
            await msg.nak(delay=delay)
            await self._record(job, event, verdict, datetime.now(UTC) + timedelta(seconds=delay))
        else:
            await self._record(job, event, verdict, None)
            await msg.ack()

    async def _record(
        self, job: job_pb2.Job, event: job_pb2.JobEvent, verdict: Verdict, next_attempt_at: datetime | None
    ) -> None:
        request = store_pb2.RecordWebhookAttemptRequest(
            tenant=job.tenant, job_id=job.id, event_id=event.event_id, status=verdict.status
        )
        if verdict.status_code is not None:
            request.status_code = verdict.status_code
        if verdict.error is not None:
            request.error = delivery.trim(verdict.error) or ""
        if next_attempt_at is not None:
            request.next_attempt_at.CopyFrom(to_timestamp(next_attempt_at))
        for backoff in (*RECORD_BACKOFF_S, None):
            try:
                await self._store.RecordWebhookAttempt(request, timeout=self._settings.rpc_timeout_s)
                return
            except grpc.aio.AioRpcError as exc:
                transient = exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
                if not transient or backoff is None:
                    log.error(
                        "could not record a webhook attempt",
                        extra={"jobId": job.id, "eventId": event.event_id, "error": exc.code().name},
                    )
                    return
                await asyncio.sleep(backoff)  # backoff between retries of a store call
