from __future__ import annotations

import asyncio

from reports.v1 import job_pb2
from services.renderer.progress import ProgressReporter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_tokens_are_sent_at_most_once_an_interval_when_chunks_pour_in():
    sent: list[job_pb2.JobProgress] = []

    async def send(progress: job_pb2.JobProgress) -> None:
        sent.append(progress)

    clock = Clock()
    reporter = ProgressReporter(send, interval_s=1.0, clock=clock)
    for tokens in range(1, 40):
        clock.now = tokens * 0.1  # ten chunks a second for ~4 s
        reporter.tokens(tokens)
        await asyncio.sleep(0)
    await reporter.aclose()

    assert [p.output_tokens for p in sent] == [11, 21, 31]


async def test_a_failing_send_never_fails_the_render():
    async def send(progress: job_pb2.JobProgress) -> None:
        raise RuntimeError("store down")

    clock = Clock()
    reporter = ProgressReporter(send, clock=clock)
    reporter.tokens(1)
    clock.now = 5.0
    reporter.tokens(5)
    await reporter.waiting(7.0, "HTTP 429")
    await reporter.aclose()


async def test_waiting_is_sent_at_once_with_its_reason():
    sent: list[job_pb2.JobProgress] = []

    async def send(progress: job_pb2.JobProgress) -> None:
        sent.append(progress)

    await ProgressReporter(send).waiting(45.0, "HTTP 429: slow down")

    assert (sent[0].waiting_sec, sent[0].waiting_reason) == (45.0, "HTTP 429: slow down")
