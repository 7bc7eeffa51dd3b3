"""One webhook message through the dispatcher: a real store, a real receiver, JetStream's side faked.

The fake message records what the dispatcher tells JetStream (ack, nak with a delay, term), which
is all that retries and restarts rely on; the end-to-end tests run the real consumer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from reports.v1 import job_pb2, store_pb2
from reports.v1.store_pb2_grpc import StoreStub
from services.common import grpc_server, streams
from services.webhooks import signing
from services.webhooks.delivery import RetryPolicy
from services.webhooks.dispatcher import Dispatcher, DispatcherSettings
from services.webhooks.transport import Sender
from tests.integration.helpers import complete_job
from tests.integration.store.test_outbox import _created, _media
from tests.integration.webhooks.receiver import Receiver, Reply

SECRET = signing.generate_secret()
POLICY = RetryPolicy(schedule_s=(5.0, 60.0), jitter=0.0)


@dataclass
class FakeMsg:
    data: bytes
    subject: str
    num_delivered: int = 1
    headers: dict[str, str] | None = None
    calls: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def metadata(self) -> SimpleNamespace:
        return SimpleNamespace(num_delivered=self.num_delivered)

    async def ack(self) -> None:
        self.calls.append(("ack", None))

    async def nak(self, delay: float | None = None) -> None:
        self.calls.append(("nak", delay))

    async def term(self) -> None:
        self.calls.append(("term", None))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(Reply(200)) as running:
        yield running


@asynccontextmanager
async def dispatcher_for(store_stub: StoreStub, *, allow_private: bool) -> AsyncIterator[Dispatcher]:
    sender = Sender(timeout_s=5, allow_private=allow_private)
    try:
        yield Dispatcher(store_stub, sender, signing.parse_secret(SECRET), DispatcherSettings(policy=POLICY))
    finally:
        await sender.aclose()


@pytest.fixture
async def dispatcher(store_stub) -> AsyncIterator[Dispatcher]:  # type: ignore[no-untyped-def]
    async with dispatcher_for(store_stub, allow_private=True) as running:
        yield running


async def ended_job(
    store_stub,
    url: str | None,  # type: ignore[no-untyped-def]
    headers: dict[str, str] | None = None,
) -> tuple[job_pb2.Job, FakeMsg]:
    request = store_pb2.CreateJobRequest(
        tenant="t", media_id=await _media(store_stub), template="sales_playbook", request_fingerprint="f"
    )
    request.target.strategy, request.target.on_miss = "dominant", "error"
    if url is not None:
        request.webhook.url = url
        request.webhook.headers.update(headers or {})
    job = await _created(store_stub, request)
    report_id = await complete_job(store_stub, "t", job.id)
    job = await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job.id))
    event = job_pb2.JobEvent(
        event_id="evt_terminal",
        job_id=job.id,
        tenant="t",
        status=job.status,
        stage=job.stage,
        report_id=report_id,
        at=job.updated_at,
    )
    return job, FakeMsg(event.SerializeToString(), streams.event_subject(job.id))


async def state(store_stub, job_id: str) -> job_pb2.WebhookState:  # type: ignore[no-untyped-def]
    return (await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job_id))).webhook_state


async def test_an_event_that_says_its_job_has_no_webhook_is_acked_without_reading_the_job(receiver):
    # The store is unreachable: reading the job would fail and the event would be retried.
    channel = grpc_server.channel("127.0.0.1:1")
    try:
        async with dispatcher_for(StoreStub(channel), allow_private=True) as unread:
            ended = job_pb2.JobEvent(
                event_id="evt_1", job_id="job_x", tenant="t", status=job_pb2.JOB_STATUS_SUCCEEDED, has_webhook=False
            )
            msg = FakeMsg(ended.SerializeToString(), streams.event_subject("job_x"))
            await unread.handle(msg)
    finally:
        await channel.close()
    assert msg.calls == [("ack", None)] and receiver.requests == []


async def test_an_event_already_recorded_as_delivered_is_acked_and_not_sent_again(dispatcher, store_stub, receiver):
    job, msg = await ended_job(store_stub, receiver.url())
    await dispatcher.handle(msg)
    assert msg.calls == [("ack", None)]
    assert len(receiver.requests) == 1
    # JetStream redelivers it (say the dispatcher died before its ack reached the server).
    again = FakeMsg(msg.data, msg.subject, num_delivered=2)
    await dispatcher.handle(again)
    assert again.calls == [("ack", None)]
    assert len(receiver.requests) == 1
    current = await state(store_stub, job.id)
    assert (current.status, current.attempts, current.event_id) == ("delivered", 1, "evt_terminal")


async def test_a_failed_attempt_naks_with_the_scheduled_delay_and_records_when_it_retries(dispatcher, store_stub):
    with Receiver(Reply(500)) as failing:
        job, msg = await ended_job(store_stub, failing.url())
        await dispatcher.handle(msg)
        last = FakeMsg(msg.data, msg.subject, num_delivered=3)
        await dispatcher.handle(last)
    assert msg.calls == [("nak", 5.0)]
    assert last.calls == [("ack", None)]  # the schedule had two retries: the third attempt was the last
    current = await state(store_stub, job.id)
    assert (current.status, current.attempts, current.last_status_code) == ("failed", 2, 500)
    assert not current.HasField("next_attempt_at")


async def test_a_pending_attempt_shows_when_the_next_one_is_due(dispatcher, store_stub):
    with Receiver(Reply(503, {"Retry-After": "120"})) as busy:
        job, msg = await ended_job(store_stub, busy.url())
        await dispatcher.handle(msg)
    assert msg.calls == [("nak", 120.0)]
    current = await state(store_stub, job.id)
    assert (current.status, current.last_status_code, current.last_error) == ("pending", 503, "HTTP 503")
    due = current.next_attempt_at.ToDatetime().timestamp() - job.updated_at.ToDatetime().timestamp()
    assert due >= 119


async def test_the_address_is_checked_again_when_connecting_and_a_forbidden_one_is_never_sent_to(store_stub, receiver):
    async with dispatcher_for(store_stub, allow_private=False) as guarded:
        job, msg = await ended_job(store_stub, receiver.url())  # stored directly: no creation-time check
        await guarded.handle(msg)
    assert msg.calls == [("ack", None)]
    assert receiver.requests == []
    current = await state(store_stub, job.id)
    assert (current.status, current.attempts) == ("failed", 1)
    assert "127.0.0.1 is loopback" in current.last_error


async def test_events_that_are_not_terminal_or_have_no_webhook_are_acked_without_sending(
    dispatcher, store_stub, receiver
):
    running = job_pb2.JobEvent(event_id="evt_1", job_id="job_x", tenant="t", status=job_pb2.JOB_STATUS_RUNNING)
    msg = FakeMsg(running.SerializeToString(), streams.event_subject("job_x"))
    await dispatcher.handle(msg)
    _, plain = await ended_job(store_stub, None)
    await dispatcher.handle(plain)
    junk = FakeMsg(b"\xff\xff not protobuf", streams.event_subject("job_y"))
    await dispatcher.handle(junk)
    assert (msg.calls, plain.calls, junk.calls) == ([("ack", None)], [("ack", None)], [("term", None)])
    assert receiver.requests == []


async def test_a_stored_header_no_client_can_send_fails_the_attempt_recorded_and_acked(
    dispatcher, store_stub, receiver
):
    # Stored directly, as creation accepted non-ASCII header values before issue 13.
    job, msg = await ended_job(store_stub, receiver.url(), {"x-team": "sälës ☃"})
    await dispatcher.handle(msg)
    assert msg.calls == [("ack", None)]
    assert receiver.requests == []
    current = await state(store_stub, job.id)
    assert (current.status, current.attempts) == ("failed", 1)
    assert "cannot be sent" in current.last_error
