"""The SSE event source over a JetStream stand-in: each stream sequence reaches the client once,
even when the subscription starts over from the stream's beginning (as nats-py's ordered consumer
does after losing its NATS node)."""

from __future__ import annotations

from types import SimpleNamespace

from reports.v1 import job_pb2
from services.common import job_states
from services.gateway.routes.events import _event_source

JOB = "job_1"


def _msg(seq: int, status: str, stage: str = "") -> SimpleNamespace:
    event = job_pb2.JobEvent(job_id=JOB, status=job_states.status_value(status), stage=job_states.stage_value(stage))
    return SimpleNamespace(seq=seq, data=event.SerializeToString(),
                           metadata=SimpleNamespace(sequence=SimpleNamespace(stream=seq)))


HISTORY = [_msg(3, "queued", "queued"), _msg(7, "running", "resolving"), _msg(9, "succeeded", "storing")]


class ReplayingSubscription:
    """Delivers what it was asked for, then, as after a consumer reset, the whole history again."""

    def __init__(self, start_seq: int) -> None:
        asked = [m for m in HISTORY if m.seq >= start_seq]
        self._queue = asked[:1] + HISTORY + asked[1:]

    async def next_msg(self, timeout: float) -> SimpleNamespace:
        return self._queue.pop(0)

    async def unsubscribe(self) -> None:
        pass


class JetStream:
    def __init__(self, last: SimpleNamespace) -> None:
        self.last = last

    async def get_last_msg(self, stream: str, subject: str) -> SimpleNamespace:
        return self.last

    async def subscribe(self, subject: str, *, stream: str, ordered_consumer: bool, config) -> ReplayingSubscription:
        return ReplayingSubscription(config.opt_start_seq or 1)


def _ids(chunks: list[str]) -> list[int]:
    return [int(chunk.split("\n", 1)[0].removeprefix("id: ")) for chunk in chunks if chunk.startswith("id: ")]


async def test_the_current_state_then_each_later_event_once_when_the_subscription_replays_from_the_start():
    chunks = [c async for c in _event_source(JetStream(HISTORY[0]), JOB, None, ping_s=1)]
    assert _ids(chunks) == [3, 7, 9]


async def test_a_resumed_stream_sends_nothing_up_to_last_event_id_even_when_replayed():
    chunks = [c async for c in _event_source(JetStream(HISTORY[1]), JOB, 3, ping_s=1)]
    assert _ids(chunks) == [7, 9]
