"""Each tenant's cap on jobs rendering at once (`inflight`), counted by the store at the claim.

The count is the tenant's jobs whose status is `running`, read in the transaction that would make
one more of them running (a renderer's first move, queued → running/resolving). Nothing is
incremented or released: a job stops counting the moment its row stops being `running`, whatever
ended it (success, failure, cancel, deletion, retention, the last delivery of a renderer that kept dying). A
renderer that dies mid-job leaves its job `running`; JetStream redelivers it after the ack wait and
the next renderer carries on in the same slot (a running job's moves are never refused).

A claim over the cap, or one that would take a slot an older parked or woken job is waiting for
(slots go in creation order), parks the job instead: it stays `queued`, its stage becomes
`waiting` (an event says so, with the reason), and the renderer drops its command. Whenever a
running job of the tenant ends (or a woken job ends before its claim), that same transaction wakes
the tenant's oldest parked jobs, as many as there are free slots (a woken job not yet claimed holds
one): stage back to `queued`, and a new render command in the outbox. A parked job is woken only
that way; a stale command for it (a redelivery) finds it parked and is dropped, so a wake never runs
a job twice. Parked jobs still count as queued for the `queued` cap. The store wakes what it can at
start too, for caps raised in the configuration.

Parking and waking cannot cross: on SQLite one transaction writes at a time; on PostgreSQL both take
an advisory lock keyed by the schema and the tenant before touching any job row, so a claim either
sees the slot a finishing job frees or that job's wake sees the claim's parked job.

A batch of claims (group_commit.py) counts each tenant's slots once (`count_ahead`), at the newest
of the batch's queued jobs to start: the running jobs and the jobs in line before that one bound
what any of those claims would count, plus one for each claim of the batch decided since (it made
a job running, or parked one). A claim decides on that bound while it is under the cap, and counts
for itself past it. Nothing else changes the tenant's slots while its lock is held. A transaction that found no parked
job of a tenant looks again only after it parked one itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ScalarSelect, Select, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from reports.v1 import job_pb2
from services.common.timeutil import utcnow
from services.domain.job_states import QUEUED, RUNNING, WAITING
from services.store import convert, job_rows, outbox, records
from services.store.db import advisory_xact_lock
from services.store.records import Job
from services.store.sql_constants import constant
from services.store.tables import JOBS
from services.store.transaction_state import recalled, remembered

INFLIGHT_LOCK_CLASS = 0x52504946  # "RPIF"
_LOCK = advisory_xact_lock("hashtext(current_schema() || '/' || :tenant)")


# What a transaction knows (transaction_state.py): the tenants whose lock it holds; per tenant, the
# slots counted ahead for a batch of claims; the tenants it found with no parked job.
_HELD = "inflight_tenant_locks"
_COUNTED = "inflight_counted_ahead"
_NONE_PARKED = "inflight_none_parked"


def lock_tenant(connection: Connection, tenant: str) -> None:
    """Serialises this transaction with the tenant's other claims and wakes (PostgreSQL; SQLite has
    one writer already). Take it before locking any job row of the tenant.

    A transaction takes each tenant's lock once: a batch of claims or completions (group_commit.py)
    asks again for every job. The record of what is held lives as long as the transaction
    (transaction_state.py), so it never outlives the lock."""
    if connection.dialect.name != "postgresql":
        return
    held = remembered(connection, _HELD, set)
    if tenant not in held:
        connection.execute(_LOCK, {"lock_class": INFLIGHT_LOCK_CLASS, "tenant": tenant})
        held.add(tenant)


def _in_line() -> ColumnElement[bool]:
    """The tenant's jobs waiting for a slot: parked, or woken with a command not yet claimed (a
    woken job is the only queued one whose row changed after its creation: parked, then woken)."""
    return (
        (JOBS.c.tenant == bindparam("tenant"))
        & (JOBS.c.status == constant(QUEUED))
        & ((JOBS.c.stage == constant(WAITING)) | (JOBS.c.updated_at > JOBS.c.created_at))
    )


# Built once, run with parameters: building and keying a statement cost more than running it (0.3
# to 0.8 ms against 0.05 to 0.15 ms here), and a claim and a completion each ran two or three. The
# statuses and stages are written into the SQL (sql_constants.py); the tenant is a parameter.
# Each counts up to `up_to` (an index range scan that stops there).
_RUNNING = (
    select(JOBS.c.id)
    .where(JOBS.c.tenant == bindparam("tenant"), JOBS.c.status == constant(RUNNING))
    .limit(bindparam("up_to"))
)
_WOKEN = select(JOBS.c.id).where(_in_line() & (JOBS.c.stage != constant(WAITING))).limit(bindparam("up_to"))
_OLDER_IN_LINE = select(JOBS.c.id).where(_in_line() & (JOBS.c.id < bindparam("job_id"))).limit(bindparam("up_to"))
_IS_PARKED = (JOBS.c.status == constant(QUEUED)) & (JOBS.c.stage == constant(WAITING))
_PARKED = (
    select(JOBS)
    .where(JOBS.c.tenant == bindparam("tenant"), _IS_PARKED)
    .order_by(JOBS.c.id)
    .limit(bindparam("up_to"))
    .with_for_update()
)


_ANY_PARKED = select(JOBS.c.id).where(JOBS.c.tenant == bindparam("tenant"), _IS_PARKED).limit(1)


def _counted(statement: Select[Any]) -> ScalarSelect[int]:
    return select(func.count()).select_from(statement.subquery()).scalar_subquery()


# A claim's two counts in one statement, each up to the cap: the tenant's running jobs, and its
# jobs in line before this one.
_TAKEN_AND_OLDER_IN_LINE = select(_counted(_RUNNING), _counted(_OLDER_IN_LINE))


def _count(connection: Connection, statement: Select[Any], **values: object) -> int:
    return len(connection.execute(statement, values).all())


def running(connection: Connection, tenant: str, up_to: int) -> int:
    """How many of the tenant's jobs are running, counted up to `up_to` (ix_jobs_tenant_status_id)."""
    return _count(connection, _RUNNING, tenant=tenant, up_to=up_to)


def reason(cap: int) -> str:
    return (
        f"the tenant has {cap} jobs rendering, its in-flight cap (inflight:{cap}); this job starts "
        "when one of them ends"
    )


def _woken(connection: Connection, tenant: str, up_to: int) -> int:
    """How many of the tenant's woken jobs have not been claimed yet, counted up to `up_to`: each
    holds the slot it was woken for."""
    return _count(connection, _WOKEN, tenant=tenant, up_to=up_to)


@dataclass(slots=True)
class _CountedAhead:
    """A tenant's slots counted for a batch of claims, up to `cap`: at most `slots` are taken or
    held for a job in line before any of `jobs`, the batch's jobs up to the newest one counted at
    (a job past it may have jobs in line before it that the count did not see)."""

    jobs: frozenset[str]
    cap: int
    slots: int


def _taken_and_older_in_line(connection: Connection, tenant: str, job_id: str, cap: int) -> int:
    taken, older_in_line = connection.execute(
        _TAKEN_AND_OLDER_IN_LINE, {"tenant": tenant, "job_id": job_id, "up_to": cap}
    ).one()
    return int(taken + older_in_line)


def count_ahead(connection: Connection, tenant: str, jobs: list[str], cap: int) -> None:
    """For a batch of the tenant's claims, `jobs` in the database's order (their rows locked): the
    slots counted once, at the newest, for `park_if_full` to decide each claim on while under `cap`."""
    counted: dict[str, _CountedAhead] = remembered(connection, _COUNTED, dict)
    counted[tenant] = _CountedAhead(frozenset(jobs), cap, _taken_and_older_in_line(connection, tenant, jobs[-1], cap))


def park_if_full(connection: Connection, job: Job, cap: int) -> bool:
    """At a claim of a queued job: True (and the job parked) when the tenant is at its cap, or when
    the free slots belong to older jobs in line (parked or woken): slots go in creation order, so a
    new job whose command comes before a woken job's new command never takes its slot. In a batch
    of claims the tenant's slots counted ahead decide while they are under the cap (count_ahead)."""
    counted_ahead = cast("dict[str, _CountedAhead] | None", recalled(connection, _COUNTED))
    ahead = None if counted_ahead is None else counted_ahead.get(job.tenant)
    if ahead is not None:
        # Under the cap on the bound means under it on the count; at or past it, count to know.
        bounded = job.id in ahead.jobs and cap <= ahead.cap and ahead.slots < cap
        fits = bounded or _taken_and_older_in_line(connection, job.tenant, job.id, cap) < cap
        # Running now, or parked (in line): one more either way. A claim that then fails (its
        # template has no production prompt) is counted all the same, which only tightens the bound.
        ahead.slots += 1
    else:
        fits = _taken_and_older_in_line(connection, job.tenant, job.id, cap) < cap
    if fits:
        return False
    none_parked = cast("set[str] | None", recalled(connection, _NONE_PARKED))
    if none_parked is not None:
        none_parked.discard(job.tenant)
    if job.stage != WAITING:
        job.stage, job.updated_at = WAITING, utcnow()
        job_rows.save(connection, job, "stage", "updated_at")
        event = convert.event_message(job)
        event.progress.CopyFrom(job_pb2.JobProgress(waiting_reason=reason(cap)))
        outbox.add_event(connection, event)
    return True


def wake(connection: Connection, tenant: str, cap: int) -> int:
    """Queues the tenant's oldest parked jobs again, one per free slot (a slot is taken by a running
    job or by a woken one not yet claimed); how many it woke."""
    none_parked = remembered(connection, _NONE_PARKED, set)
    if tenant in none_parked:
        return 0
    if connection.execute(_ANY_PARKED, {"tenant": tenant}).first() is None:
        none_parked.add(tenant)
        return 0  # the common case: nothing parked, so no slot needs counting
    taken = running(connection, tenant, cap)
    free = cap - taken - (_woken(connection, tenant, cap - taken) if taken < cap else 0)
    if free <= 0:
        return 0
    parked = connection.execute(_PARKED, {"tenant": tenant, "up_to": free}).all()
    now = utcnow()
    for row in parked:
        job = records.of_row(Job, row)
        job.stage, job.updated_at, job.dispatched_at = "queued", now, now
        job_rows.save(connection, job, "stage", "updated_at", "dispatched_at")
        outbox.add_event(connection, convert.event_message(job))
        outbox.add_render_command(connection, convert.render_command(job))
    return len(parked)


def wake_all(connection: Connection, cap_of: Callable[[str], int]) -> int:
    """Wakes every tenant's parked jobs that now have a slot (at start: a cap may have been raised)."""
    # Locked in Python's order, as every taker of several (group_commit.py sorts its batches so): the
    # database's ORDER BY follows its collation, which can order tenant names otherwise.
    tenants = sorted(connection.execute(select(JOBS.c.tenant).where(_IS_PARKED).distinct()).scalars().all())
    woken = 0
    for tenant in tenants:
        lock_tenant(connection, tenant)
        woken += wake(connection, tenant, cap_of(tenant))
    return woken
