"""Claims and completions committed together read ahead once for the batch (SQLite, and PostgreSQL
when REPORTS_TEST_POSTGRES_URL is set): the batch's job rows in one statement, each tenant's slots
counted once, a template's prompt read once, a tenant found with nothing parked not looked at again;
and every claim and completion of the batch ends as it would have one transaction after another,
in-flight caps, parked and woken jobs, a job claimed twice and another tenant's job included."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from services.common.rpc_errors import ServiceError
from services.store import inflight, job_rows, jobs, outbox
from services.store.commands import JobKey, NewReport
from services.store.db import Database
from services.store.group_commit import GroupCommit
from services.store.tables import JOBS, OUTBOX, REPORTS
from tests.support.job_table import add_jobs, statements_sent

REPORT = NewReport(entity_id="spk_1", document={"summary": "s"}, markdown="# s")


def _kind(statement: str) -> str:
    """What a statement reads: `job` (one job by id), `jobs ahead` (a batch's jobs), `slots` (a
    tenant's running and in-line count), `prompt`, `parked` (whether a tenant has a parked job), or
    else its first word."""
    if statement.startswith("SELECT jobs.id, jobs.tenant") and "jobs.id IN" in statement:
        return "jobs ahead"
    if statement.startswith("SELECT jobs.id, jobs.tenant") and "WHERE jobs.id =" in statement:
        return "job"
    if statement.startswith("SELECT (SELECT count(*)"):
        return "slots"
    if "FROM prompt_versions" in statement:
        return "prompt"
    if (
        statement.startswith("SELECT jobs.id FROM jobs")
        and "jobs.stage =" in statement
        and "updated_at" not in statement
    ):
        return "parked"
    return statement.split(" ", 1)[0]


def _kinds(sent: list[str]) -> Counter[str]:
    return Counter(_kind(statement) for statement in sent)


def _writer(db: Database) -> Callable[[Callable[[Connection], Any]], Any]:
    """One transaction as the store writes claims and completions: pipelined on PostgreSQL."""

    async def write(work: Callable[[Connection], Any]) -> Any:
        result, _ = await db.run(outbox.collecting(work), pipelined=True)
        return result

    return write


def _committed_together(db: Database, prepare: Callable[[Connection, list[JobKey]], None]) -> GroupCommit[Any]:
    """Writes sent at once share one transaction, read ahead by `prepare` (asyncio runs the sends
    before the batch they start is committed, at a later turn of the loop)."""
    write = _writer(db)
    return GroupCommit(write, write, prepare=prepare)


Outcome = tuple[str, str, bool] | str  # (status, stage, with a prompt), or the error's reason


async def _claims(
    db: Database, claims: list[JobKey], cap: int, *, together: bool
) -> tuple[list[Outcome], dict[str, tuple[str, str]]]:
    """Each claim's outcome and every job's (status, stage) after them: committed together in one
    batch, or one after another, each in its own transaction."""
    group = _committed_together(db, lambda c, keys: jobs.prepare_claims(c, keys, lambda _: cap))
    alone = _writer(db)

    async def claim(tenant: str, job_id: str) -> Outcome:
        def work(c: Connection) -> Any:
            return jobs.claim(c, tenant, job_id, inflight_cap=cap)

        try:
            job, prompt = await (group.run(work, lock_key=tenant, key=(tenant, job_id)) if together else alone(work))
        except ServiceError as refused:
            return refused.code
        return job.status, job.stage, prompt is not None

    if together:
        outcomes = list(await asyncio.gather(*(claim(tenant, job_id) for tenant, job_id in claims)))
    else:
        outcomes = [await claim(tenant, job_id) for tenant, job_id in claims]
    return outcomes, await _states(db)


async def _states(db: Database) -> dict[str, tuple[str, str]]:
    rows = await db.run(lambda c: c.execute(select(JOBS.c.id, JOBS.c.status, JOBS.c.stage)).all())
    return {job_id: (status, stage) for job_id, status, stage in rows}


async def _reset(db: Database, jobs_in: list[tuple[str, str, str]]) -> None:
    def run(connection: Connection) -> None:
        for table in (OUTBOX, REPORTS, JOBS):
            connection.execute(delete(table))
        add_jobs(connection, jobs_in)

    await db.run(run)


async def _together_and_one_by_one(
    db: Database, jobs_in: list[tuple[str, str, str]], claims: list[JobKey], cap: int
) -> tuple[Any, Any]:
    await _reset(db, jobs_in)
    with statements_sent(db.engine) as sent:
        together = await _claims(db, claims, cap, together=True)
    assert _kinds(sent)["jobs ahead"] == 1  # claimed in one batch
    await _reset(db, jobs_in)
    return together, await _claims(db, claims, cap, together=False)


def _jobs_of(tenant: str, count: int, state: str = "out") -> list[tuple[str, str, str]]:
    return [(tenant, f"job_{tenant}_{state}_{i}", state) for i in range(count)]


def _line(*jobs_in: tuple[str, str]) -> list[tuple[str, str, str]]:
    """(tenant, state) in creation order, with ids in the same order (slots go by id)."""
    return [(tenant, f"job_{i:02d}_{tenant}_{state}", state) for i, (tenant, state) in enumerate(jobs_in)]


async def test_a_batch_of_claims_reads_its_jobs_its_slots_and_its_prompt_once(db):
    jobs_in = _jobs_of("a", 4) + _jobs_of("b", 2)
    await _reset(db, jobs_in)
    with statements_sent(db.engine) as texts:
        outcomes, states = await _claims(db, [(t, j) for t, j, _ in jobs_in], cap=8, together=True)
    sent = _kinds(texts)
    assert outcomes == [("running", "resolving", True)] * 6
    assert set(states.values()) == {("running", "resolving")}
    assert sent["jobs ahead"] == 1 and sent["job"] == 0
    assert sent["slots"] == 2  # one per tenant
    assert sent["prompt"] == 1
    if db.engine.dialect.name == "postgresql":  # the rows are locked as one at a time would lock them
        assert next(t for t in texts if "jobs.id IN" in t).endswith("FOR UPDATE")


async def test_a_batch_of_redelivered_claims_counts_no_slots(db):
    jobs_in = _jobs_of("a", 2, "running") + _jobs_of("a", 1, "parked")
    await _reset(db, jobs_in)
    with statements_sent(db.engine) as sent:
        outcomes, _ = await _claims(db, [(t, j) for t, j, _ in jobs_in], cap=8, together=True)
    assert outcomes == [("running", "rendering", True)] * 2 + [("queued", "waiting", False)]
    assert _kinds(sent)["slots"] == 0


async def test_claims_one_after_another_read_for_themselves(db):
    jobs_in = _jobs_of("a", 3)
    await _reset(db, jobs_in)
    with statements_sent(db.engine) as texts:
        await _claims(db, [(t, j) for t, j, _ in jobs_in], cap=8, together=False)
    sent = _kinds(texts)
    assert (sent["jobs ahead"], sent["job"], sent["slots"], sent["prompt"]) == (0, 3, 3, 3)


@pytest.mark.parametrize(
    ("jobs_in", "order", "cap", "parked"),
    [
        # the cap reached within the batch: the later claims park, whatever their jobs' age
        (_line(*[("a", "out")] * 5), [4, 0, 3, 1, 2], 3, 2),
        # one running already: two places left
        (_line(("a", "running"), *[("a", "out")] * 4), [1, 2, 3, 4], 3, 2),
        # an older parked job holds a free place: the newer jobs after the first park behind it
        (_line(("a", "parked"), *[("a", "out")] * 3), [1, 2, 3], 2, 2),
        # a woken job takes the place it was woken for, whenever its claim comes, and newer jobs park
        (_line(("a", "running"), ("a", "woken"), *[("a", "out")] * 3), [2, 3, 1, 4], 3, 2),
        # the woken job claimed first: the count ahead (made with it in line) is past the cap for
        # the next claim, which counts for itself and finds the place free
        (_line(("a", "woken"), ("a", "out"), ("a", "out")), [0, 1, 2], 2, 1),
        # a parked job's own stale command starts nothing; two tenants each under their own count
        (_line(("a", "parked"), ("a", "out"), ("a", "out"), *[("b", "out")] * 3), [0, 1, 3, 2, 4, 5], 2, 3),
        # a job claimed twice in one batch, a redelivery of a running job, a job that does not exist
        (_line(("a", "running"), ("a", "out"), ("a", "out")), [1, 1, 0, 2, "missing"], 2, 1),
    ],
)
async def test_claims_in_one_batch_end_as_they_would_one_after_another(db, jobs_in, order, cap, parked):
    claims = [("a", "job_a_missing") if i == "missing" else jobs_in[i][:2] for i in order]
    together, one_by_one = await _together_and_one_by_one(db, jobs_in, claims, cap)
    assert together == one_by_one
    outcomes, _ = together
    assert sum(1 for o in outcomes if isinstance(o, tuple) and o[1] == "waiting") == parked


async def test_a_claim_of_another_tenants_job_in_a_batch_is_not_found_and_stays_as_it_was(db):
    jobs_in = _jobs_of("a", 2) + _jobs_of("b", 1)
    await _reset(db, jobs_in)
    outcomes, states = await _claims(
        db, [("a", "job_a_out_0"), ("a", "job_b_out_0"), ("a", "job_a_out_1")], cap=8, together=True
    )
    assert outcomes == [("running", "resolving", True), "job_not_found", ("running", "resolving", True)]
    assert states["job_b_out_0"] == ("queued", "queued")


async def _completions(db: Database, completions: list[JobKey], cap: int) -> list[Any]:
    group = _committed_together(db, jobs.prepare_completions)

    async def complete(tenant: str, job_id: str) -> Any:
        try:
            job, _, stored = await group.run(
                lambda c: jobs.complete(c, tenant, job_id, REPORT, inflight_cap=cap),
                lock_key=tenant,
                key=(tenant, job_id),
            )
        except ServiceError as refused:
            return refused.code
        return job.status, stored

    return list(await asyncio.gather(*(complete(tenant, job_id) for tenant, job_id in completions)))


async def test_a_batch_of_completions_reads_its_jobs_once_and_looks_for_parked_jobs_once_a_tenant(db):
    jobs_in = _jobs_of("a", 3, "running") + _jobs_of("b", 1, "running")
    await _reset(db, jobs_in)
    with statements_sent(db.engine) as texts:
        outcomes = await _completions(db, [(t, j) for t, j, _ in jobs_in], cap=8)
    sent = _kinds(texts)
    assert outcomes == [("succeeded", True)] * 4
    assert sent["jobs ahead"] == 1 and sent["job"] == 0
    assert sent["parked"] == 2  # one per tenant, not one per completion


async def test_completions_in_one_batch_wake_a_parked_job_for_each_slot_they_free(db):
    jobs_in = [
        *_jobs_of("a", 3, "running"),
        ("a", "job_a_parked_0", "parked"),
        ("a", "job_a_parked_1", "parked"),
        ("a", "job_a_parked_2", "parked"),
    ]
    await _reset(db, jobs_in)
    outcomes = await _completions(db, [("a", "job_a_running_0"), ("a", "job_a_running_1")], cap=3)
    assert outcomes == [("succeeded", True)] * 2
    states = await _states(db)
    assert states["job_a_parked_0"] == states["job_a_parked_1"] == ("queued", "queued")  # woken, oldest first
    assert states["job_a_parked_2"] == ("queued", "waiting")


async def test_a_completion_of_a_job_that_is_not_running_fails_alone_in_its_batch(db):
    jobs_in = [*_jobs_of("a", 1, "running"), *_jobs_of("a", 1)]
    await _reset(db, jobs_in)
    outcomes = await _completions(db, [("a", "job_a_running_0"), ("a", "job_a_out_0"), ("b", "job_a_out_0")], 8)
    assert outcomes == [("succeeded", True), "illegal_transition", "job_not_found"]


async def test_a_transaction_that_found_nothing_parked_looks_again_once_it_has_parked_a_job(db):
    await _reset(db, [("a", "job_a_run", "running"), ("a", "job_a_next", "out")])

    def run(connection: Connection) -> int:
        assert inflight.wake(connection, "a", 1) == 0  # nothing parked: remembered
        assert inflight.park_if_full(connection, job_rows.get(connection, "a", "job_a_next", for_update=True), 1)
        ended = job_rows.get(connection, "a", "job_a_run", for_update=True)
        ended.status = "succeeded"
        job_rows.save(connection, ended, "status")
        return inflight.wake(connection, "a", 1)

    assert await db.run(run) == 1
    assert (await _states(db))["job_a_next"] == ("queued", "queued")
