"""A renderer's answers are turned into reports one at a time, in the order they arrive.

A renderer runs many jobs' LLM calls at once on one event loop, and their answers can arrive
together (a provider answering a batch at once; the dev LLM's fixed latency). Turning an answer
into a report is CPU work split by awaits (the answer's check, the document, the Markdown, the
report message). Left to the loop, the jobs holding answers take turns at every await, so they
all finish together at the end of the burst, and no slot is free for the next job's LLM call
until then. Holding a turn from its answer's arrival until its report is handed to the store, a
job works through its answer while the others wait theirs: the first report is done after one
answer's work, its slot takes the next job, and that job's claim and call go out between the
answers still waiting. The loop's I/O is not held up: only the jobs with an answer in hand queue.
"""

from __future__ import annotations

import asyncio


class AnswerTurns:
    """The turns of one renderer process, first come first served."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()  # its waiters are woken in the order they came

    def for_job(self) -> JobTurn:
        return JobTurn(self._lock)


class JobTurn:
    """One job's turn: taken when an answer arrives, given back before the next LLM call and once
    the report is handed over. Taking it twice, or giving back one not held, changes nothing."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock
        self._held = False

    async def take(self) -> None:
        if not self._held:
            await self._lock.acquire()
            self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()
