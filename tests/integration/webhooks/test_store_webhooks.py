"""The store keeps each job's webhook delivery state and queues redeliveries through the outbox."""

from __future__ import annotations

import grpc
import nats
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select

from reports.v1 import job_pb2, store_pb2
from services.common import streams
from services.common.rpc_errors import from_rpc_error
from services.store.tables import OUTBOX
from tests.integration.helpers import complete_job
from tests.integration.store.test_outbox import _created, _media
from tests.support.names import UNRESOLVED_HOOK

HOOK = UNRESOLVED_HOOK


async def _job(stub, *, webhook: bool = True, tenant: str = "t") -> job_pb2.Job:
    request = store_pb2.CreateJobRequest(
        tenant=tenant,
        media_id=await _media(stub, tenant),
        template="sales_playbook",
        request_fingerprint="f",
        request_id="req_test",
    )
    request.target.strategy, request.target.on_miss = "dominant", "error"
    if webhook:
        request.webhook.url = HOOK
        request.webhook.headers["authorization"] = "Bearer secret"
    return await _created(stub, request)


def _attempt(
    job: job_pb2.Job,
    status: str,
    code: int | None = None,
    error: str | None = None,
    event_id: str = "evt_x",
    next_in_s: int | None = None,
) -> store_pb2.RecordWebhookAttemptRequest:
    request = store_pb2.RecordWebhookAttemptRequest(tenant=job.tenant, job_id=job.id, event_id=event_id, status=status)
    if code is not None:
        request.status_code = code
    if error is not None:
        request.error = error
    if next_in_s is not None:
        when = Timestamp()
        when.GetCurrentTime()
        when.seconds += next_in_s
        request.next_attempt_at.CopyFrom(when)
    return request


async def _error(call) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code(), from_rpc_error(raised.value).code


async def test_a_job_with_a_webhook_starts_pending_with_no_attempts(store_stub):
    job = await _job(store_stub)
    assert (job.webhook_state.status, job.webhook_state.attempts) == ("pending", 0)
    assert not job.webhook_state.HasField("last_status_code")
    assert not (await _job(store_stub, webhook=False)).HasField("webhook_state")


async def test_each_recorded_attempt_counts_and_keeps_its_outcome(store_stub):
    job = await _job(store_stub)
    first = await store_stub.RecordWebhookAttempt(_attempt(job, "pending", 503, "HTTP 503", next_in_s=30))
    state = first.webhook_state
    assert (state.status, state.attempts, state.last_status_code, state.last_error, state.event_id) == (
        "pending",
        1,
        503,
        "HTTP 503",
        "evt_x",
    )
    assert state.HasField("next_attempt_at")
    second = await store_stub.RecordWebhookAttempt(_attempt(job, "delivered", 204))
    state = second.webhook_state
    assert (state.status, state.attempts, state.last_status_code) == ("delivered", 2, 204)
    assert not state.HasField("last_error") and not state.HasField("next_attempt_at")
    again = await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job.id))
    assert again.webhook_state == second.webhook_state


async def test_recording_is_refused_for_bad_requests_and_other_tenants(store_stub):
    job = await _job(store_stub)
    plain = await _job(store_stub, webhook=False)
    assert await _error(store_stub.RecordWebhookAttempt(_attempt(job, "sent"))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid_webhook_status",
    )
    assert await _error(store_stub.RecordWebhookAttempt(_attempt(plain, "delivered"))) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "webhook_not_configured",
    )
    other = _attempt(job, "delivered")
    other.tenant = "someone-else"
    assert (await _error(store_stub.RecordWebhookAttempt(other)))[0] == grpc.StatusCode.NOT_FOUND


async def test_redelivery_needs_a_job_that_has_ended_and_has_a_webhook(store_stub):
    running = await _job(store_stub)
    plain = await _job(store_stub, webhook=False)
    await complete_job(store_stub, "t", plain.id)
    redeliver = store_stub.RedeliverWebhook
    assert await _error(redeliver(store_pb2.RedeliverWebhookRequest(tenant="t", job_id=running.id))) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "job_not_ended",
    )
    assert await _error(redeliver(store_pb2.RedeliverWebhookRequest(tenant="t", job_id=plain.id))) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "webhook_not_configured",
    )
    assert (await _error(redeliver(store_pb2.RedeliverWebhookRequest(tenant="u", job_id=running.id))))[0] == (
        grpc.StatusCode.NOT_FOUND
    )


async def _events(nc, job_id: str, count: int) -> list[job_pb2.JobEvent]:  # type: ignore[no-untyped-def]
    sub = await nc.jetstream().subscribe(
        streams.event_subject(job_id), stream=streams.EVENTS_STREAM, ordered_consumer=True
    )
    try:
        return [job_pb2.JobEvent.FromString((await sub.next_msg(timeout=20)).data) for _ in range(count)]
    finally:
        await sub.unsubscribe()


async def test_redelivery_queues_the_terminal_event_again_with_its_event_id(store_stub, nats_server):
    job = await _job(store_stub)
    report_id = await complete_job(store_stub, "t", job.id)
    nc = await nats.connect(nats_server.url)
    try:
        events = await _events(nc, job.id, 3)
        terminal = events[-1]
        assert terminal.status == job_pb2.JOB_STATUS_SUCCEEDED
        # Before any attempt was recorded, the event id comes from the outbox.
        first = await store_stub.RedeliverWebhook(store_pb2.RedeliverWebhookRequest(tenant="t", job_id=job.id))
        assert (first.webhook_state.status, first.webhook_state.event_id) == ("pending", terminal.event_id)
        await store_stub.RecordWebhookAttempt(_attempt(job, "failed", 410, event_id=terminal.event_id))
        second = await store_stub.RedeliverWebhook(store_pb2.RedeliverWebhookRequest(tenant="t", job_id=job.id))
        assert (second.webhook_state.status, second.webhook_state.attempts) == ("pending", 1)
        assert not second.webhook_state.HasField("next_attempt_at")
        pull = await nc.jetstream().pull_subscribe(
            streams.webhook_redeliver_subject(job.id), stream=streams.WEBHOOKS_STREAM
        )
        queued = []
        while len(queued) < 2:
            queued += [job_pb2.JobEvent.FromString(m.data) for m in await pull.fetch(2 - len(queued), timeout=20)]
        assert [e.event_id for e in queued] == [terminal.event_id, terminal.event_id]
        assert all((e.status, e.report_id, e.at) == (terminal.status, report_id, terminal.at) for e in queued)
    finally:
        await nc.close()


async def test_every_event_says_whether_its_job_has_a_webhook(store_stub, nats_server):
    with_hook, without = await _job(store_stub), await _job(store_stub, webhook=False)
    for job in (with_hook, without):
        await complete_job(store_stub, "t", job.id)
    nc = await nats.connect(nats_server.url)
    try:
        for job, expected in ((with_hook, True), (without, False)):
            events = await _events(nc, job.id, 3)
            assert [(e.HasField("has_webhook"), e.has_webhook) for e in events] == [(True, expected)] * 3
    finally:
        await nc.close()


async def test_only_a_job_with_a_webhook_gets_a_delivery_the_terminal_event_written_with_it(
    store, store_stub, nats_server
):
    succeeded, without = await _job(store_stub), await _job(store_stub, webhook=False)
    failed, canceled = await _job(store_stub), await _job(store_stub)
    for job in (succeeded, without):
        await complete_job(store_stub, "t", job.id)
    await store_stub.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="t",
            job_id=failed.id,
            status=job_pb2.JOB_STATUS_FAILED,
            error=job_pb2.JobError(code="llm_unavailable", message="down"),
        )
    )
    await store_stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=canceled.id))
    deliveries = await store.db.run(
        lambda c: c.execute(
            select(OUTBOX.c.subject, OUTBOX.c.payload).where(OUTBOX.c.subject.like("reports.webhooks.%"))
        ).all()
    )
    assert sorted(row.subject for row in deliveries) == sorted(
        streams.webhook_deliver_subject(job.id) for job in (succeeded, failed, canceled)
    )
    nc = await nats.connect(nats_server.url)
    try:
        for job, count, status in (
            (succeeded, 3, job_pb2.JOB_STATUS_SUCCEEDED),
            (failed, 2, job_pb2.JOB_STATUS_FAILED),
            (canceled, 2, job_pb2.JOB_STATUS_CANCELED),
        ):
            terminal = (await _events(nc, job.id, count))[-1]
            pull = await nc.jetstream().pull_subscribe(
                streams.webhook_deliver_subject(job.id), stream=streams.WEBHOOKS_STREAM
            )
            [message] = await pull.fetch(1, timeout=20)
            assert job_pb2.JobEvent.FromString(message.data) == terminal
            assert terminal.status == status
    finally:
        await nc.close()


async def test_a_deleted_jobs_unsent_delivery_is_dropped_with_it(store, store_stub):
    job = await _job(store_stub)
    store.relay.stop()  # nothing is published: the delivery is still in the outbox when the job goes
    await store.relay_task
    await complete_job(store_stub, "t", job.id)
    await store_stub.DeleteJob(store_pb2.DeleteRequest(tenant="t", id=job.id))
    left = await store.db.run(
        lambda c: c.execute(select(OUTBOX.c.subject).where(OUTBOX.c.subject.like("reports.webhooks.%"))).all()
    )
    assert left == []
