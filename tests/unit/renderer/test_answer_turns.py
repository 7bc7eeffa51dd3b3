"""A renderer's answers take their turns first come first served; a job's turn is one turn however
often it is taken or given back."""

from __future__ import annotations

import asyncio

from services.renderer.answer_turns import AnswerTurns


async def test_answers_waiting_for_a_turn_get_it_one_at_a_time_in_the_order_they_came() -> None:
    turns = AnswerTurns()
    first = turns.for_job()
    await first.take()
    seen: list[str] = []

    async def answer(name: str) -> None:
        turn = turns.for_job()
        await turn.take()
        seen.append(f"{name} works")
        await asyncio.sleep(0)  # the others run here, and wait
        seen.append(f"{name} done")
        turn.give_back()

    waiting = []
    for name in ("b", "c", "d"):
        waiting.append(asyncio.create_task(answer(name)))
        await asyncio.sleep(0)  # each one queues before the next
    assert seen == []  # the first answer still has the turn
    first.give_back()
    await asyncio.gather(*waiting)
    assert seen == ["b works", "b done", "c works", "c done", "d works", "d done"]


async def test_a_job_takes_one_turn_however_often_it_takes_or_gives_back() -> None:
    turns = AnswerTurns()
    job = turns.for_job()
    job.give_back()  # not held: nothing to give
    await job.take()
    await asyncio.wait_for(job.take(), 1)  # held already: no second turn to wait for
    job.give_back()
    job.give_back()
    other = turns.for_job()
    await asyncio.wait_for(other.take(), 1)  # the one turn is free again
    other.give_back()
