"""An SSE stream over a JetStream stand-in and a hand-fed fan-out: each stream sequence reaches the
client once, even when the live side hands over again what the catch-up sent (as after nats-py's
ordered consumer starts over), and a stream that falls behind ends instead of growing."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import grpc
import pytest
from nats.js.errors import NotFoundError

from reports.v1 import job_pb2
from services.domain import job_states
from services.gateway.event_fanout import EventFanout, Frame, StreamEnded, Subscriber, frame
from services.gateway.routes.events import PING, event_stream, job_exists_check
from tests.support.polling import until

JOB = "job_1"


def _event(status: str, stage: str = "") -> job_pb2.JobEvent:
    event = job_pb2.JobEvent(job_id=JOB, status=job_states.status_value(status))
    if stage:
        event.stage = job_states.stage_value(stage)
    return event


HISTORY = {3: _event("queued", "queued"), 7: _event("running", "resolving"), 9: _event("succeeded")}


class JetStream:
    """The stored events up to `upto`."""

    def __init__(self, upto: int) -> None:
        self.stored = {seq: e for seq, e in HISTORY.items() if seq <= upto}

    def _msg(self, seq: int) -> SimpleNamespace:
        return SimpleNamespace(seq=seq, data=self.stored[seq].SerializeToString())

    async def get_last_msg(self, stream: str, subject: str) -> SimpleNamespace:
        if not self.stored:
            raise NotFoundError
        return self._msg(max(self.stored))

    async def get_msg(self, stream: str, *, seq: int, subject: str, next: bool) -> SimpleNamespace:
        later = [s for s in self.stored if s >= seq]
        if not later:
            raise NotFoundError
        return self._msg(min(later))


def _ids(chunks: list[bytes]) -> list[int]:
    return [int(chunk.split(b"\n", 1)[0].removeprefix(b"id: ")) for chunk in chunks if chunk != PING]


async def _run(fanout: EventFanout, js: JetStream, after: int | None) -> list[int]:
    """Reads the stream; once it has joined, the fan-out hands over the whole history again."""
    stream = event_stream(fanout, js, JOB, after, ping_s=60)
    chunks = []

    async def replay() -> None:
        await until(lambda: fanout.watching(JOB), what="the stream joining the fan-out")
        for subscriber in fanout._jobs[JOB]:
            for seq, event in HISTORY.items():
                subscriber.offer(frame(seq, event))

    feeder = asyncio.create_task(replay())
    async for chunk in stream:
        chunks.append(chunk)
    await feeder
    return _ids(chunks)


async def test_the_current_state_then_each_later_event_once_when_the_live_side_replays():
    assert await _run(EventFanout(), JetStream(upto=3), None) == [3, 7, 9]


async def test_a_resumed_stream_sends_nothing_up_to_last_event_id_even_when_replayed():
    assert await _run(EventFanout(), JetStream(upto=7), 3) == [7, 9]


async def test_a_resumed_stream_of_an_ended_job_ends_at_once():
    chunks = [c async for c in event_stream(EventFanout(), JetStream(upto=9), JOB, 9, ping_s=60)]
    assert chunks == []


async def test_a_subscriber_past_its_limit_is_ended_and_its_frames_dropped():
    subscriber = Subscriber(limit=2)
    for seq, event in HISTORY.items():
        subscriber.offer(frame(seq, event))
    assert subscriber.ended == "behind" and subscriber.pending() == 0
    try:
        await subscriber.next(timeout=60)
    except StreamEnded as ended:
        assert str(ended) == "behind"
    else:
        raise AssertionError("an ended subscriber must raise")


async def test_a_subscriber_with_nothing_to_take_answers_none_at_its_timeout():
    assert await Subscriber(limit=2).next(timeout=0.01) is None


async def _waiting(subscriber: Subscriber) -> asyncio.Task[Frame | None]:
    """A reader of `subscriber` that is waiting for its next frame (a timeout of a minute: a wait
    that nothing ended would fail the test's own guard)."""
    reader = asyncio.create_task(subscriber.next(timeout=60))
    await until(lambda: subscriber.waiting, what="the reader waiting")
    return reader


async def _takes_the_frame_offered(subscriber: Subscriber, reader: asyncio.Task[Frame | None]) -> None:
    subscriber.offer(frame(7, HISTORY[7]))
    taken = await asyncio.wait_for(reader, timeout=10)
    assert taken is not None and taken.seq == 7


async def test_a_waiting_subscriber_takes_a_frame_offered_while_it_waits():
    subscriber = Subscriber(limit=2)
    reader = await _waiting(subscriber)
    await _takes_the_frame_offered(subscriber, reader)


async def test_a_waiting_subscriber_that_is_ended_raises_at_once():
    subscriber = Subscriber(limit=2)
    reader = await _waiting(subscriber)
    subscriber.end("deleted")
    with pytest.raises(StreamEnded, match=r"^deleted$"):
        await asyncio.wait_for(reader, timeout=10)


async def test_a_subscriber_whose_wait_was_cancelled_wakes_its_next_wait():
    """A client that goes away cancels its stream's wait; the next wait is woken by an offer as
    the first would have been."""
    subscriber = Subscriber(limit=2)
    cancelled = await _waiting(subscriber)
    cancelled.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await cancelled
    reader = await _waiting(subscriber)
    await _takes_the_frame_offered(subscriber, reader)


async def test_a_subscriber_refuses_a_second_reader_while_one_waits():
    subscriber = Subscriber(limit=2)
    reader = await _waiting(subscriber)
    with pytest.raises(RuntimeError, match="one reader"):
        await subscriber.next(timeout=60)
    await _takes_the_frame_offered(subscriber, reader)  # the first reader is still woken


def test_one_frame_is_built_per_event_with_its_sequence_as_id():
    built = frame(7, HISTORY[7])
    assert built.data.startswith(b"id: 7\nevent: status\ndata: {") and built.data.endswith(b"\n\n")
    assert not built.terminal and frame(9, HISTORY[9]).terminal


class Existence:
    """The store's answer to "does the job still exist?", counting the questions."""

    def __init__(self, exists: bool) -> None:
        self.exists, self.asked = exists, 0

    async def __call__(self) -> bool:
        self.asked += 1
        return self.exists


async def test_a_stream_of_a_job_gone_without_its_announcement_ends_at_the_next_recheck():
    gone = Existence(False)
    stream = event_stream(EventFanout(), JetStream(upto=7), JOB, 7, ping_s=0.01, job_exists=gone, recheck_pings=3)
    chunks = [c async for c in stream]
    assert chunks == [PING, PING] and gone.asked == 1


async def test_a_stream_of_a_job_still_there_keeps_pinging_and_asks_once_per_recheck_period():
    there = Existence(True)
    stream = event_stream(EventFanout(), JetStream(upto=7), JOB, 7, ping_s=0.01, job_exists=there, recheck_pings=3)
    chunks = [await anext(stream) for _ in range(9)]
    await stream.aclose()
    assert chunks == [PING] * 9 and there.asked == 3


def _failing_store(code: grpc.StatusCode) -> SimpleNamespace:
    async def get_job(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "failed")

    return SimpleNamespace(
        backends=SimpleNamespace(store=SimpleNamespace(GetJob=get_job)), tenant="acme", timeout=1.0, metadata=()
    )


async def test_only_the_stores_not_found_counts_as_the_job_gone():
    assert await job_exists_check(_failing_store(grpc.StatusCode.NOT_FOUND), JOB)() is False
    assert await job_exists_check(_failing_store(grpc.StatusCode.UNAVAILABLE), JOB)() is True
    assert await job_exists_check(_failing_store(grpc.StatusCode.DEADLINE_EXCEEDED), JOB)() is True
