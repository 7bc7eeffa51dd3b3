"""A service waiting for its streams rides out a JetStream cluster that answers late or 503 while it
elects a leader, as well as a stream the store has not made yet."""

from __future__ import annotations

import logging
from typing import Any

import nats.errors
from nats.js.errors import NotFoundError, ServiceUnavailableError

from services.common import streams


class ElectingJetStream:
    """stream_info raising each of `answers` in turn, then answering."""

    def __init__(self, *answers: Exception) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def stream_info(self, name: str) -> Any:
        self.asked += 1
        if self.answers:
            raise self.answers.pop(0)
        return {"name": name}


async def test_a_late_or_unavailable_jetstream_is_asked_again_until_the_stream_answers(caplog):
    caplog.set_level(logging.INFO, logger=streams.__name__)
    js = ElectingJetStream(
        nats.errors.TimeoutError(), ServiceUnavailableError(), NotFoundError(), nats.errors.TimeoutError()
    )

    await streams.wait_for_streams(js, (streams.JOBS_STREAM,), poll_s=0)  # type: ignore[arg-type]

    assert js.asked == 5
    assert "JetStream did not answer about stream JOBS (TimeoutError); asking again" in caplog.text
    assert "waiting for the store to create stream JOBS" in caplog.text
