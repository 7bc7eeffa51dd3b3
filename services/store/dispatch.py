"""Fair dispatch: the store hands the renderers a window of jobs, taking turns across tenants.

A new job is not published to the JOBS work queue at once: it waits in the database (status and
stage `queued`, `dispatched_at` null) until it is dispatched, which writes its render command to
the outbox in the same transaction. At most `window` jobs are outstanding at a time (dispatched
and queued, or running; REPORTS_DISPATCH_WINDOW, by default REPORTS_RENDER_CAPACITY, the slots of
every renderer together), so JetStream holds little more than what the renderers can start, and
whatever else is queued waits where the store can choose among it.

Choice: each free place goes to the tenant with queued jobs that has the fewest outstanding, ties
to the one whose oldest queued job is oldest; a tenant's jobs go in creation order. So a tenant
with 1,000 jobs queued and one with a new job share the window: the new job is dispatched at the
next place that frees (a job duration divided by the window, at most one job duration), and two
busy tenants converge on half the window each (max-min fair shares).

When: the transaction that frees a place or adds a job fills the window (`fill`): a creation, a
job's end (success, failure, cancel, deletion, retention, the lost-job sweep), and a claim that
parks a job (inflight.py: a parked job holds no place; the wake that queues it again writes its
command itself, and the woken job holds a place again). The lost-job sweep also fills the window
on its own schedule, and sends a new command for a job dispatched but not claimed for
REPORTS_LOST_JOB_S (its command was lost: e.g. JetStream's max-deliveries advisory went unheard);
a command that was only late makes a second delivery, which the claim treats like a redelivery.

More than one store replica (PostgreSQL): `fill` takes a transaction-level advisory lock keyed by
the schema, after any tenant lock and job row its transaction holds, so one replica fills at a
time and each sees what the one before it committed (READ COMMITTED: every statement reads the
latest commits). Under it, job rows are taken with `FOR UPDATE SKIP LOCKED`, so a fill never waits
for a row another transaction holds (a cancel or deletion of that job, which fills after it) and
the lock order stays tenant, rows, dispatch lock everywhere. SQLite has one writer already.

Cost: a fill reads the outstanding jobs (at most the window plus woken jobs, an index range) and,
when a place is free, one index seek per tenant with queued jobs, whatever the length of their
queues, and one per job it dispatches but the last. Its statements are built once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection

from services.common.timeutil import utcnow
from services.domain.job_states import QUEUED, RUNNING
from services.store import convert, outbox
from services.store.db import advisory_xact_lock
from services.store.sql_constants import constant
from services.store.tables import JOBS

DISPATCH_LOCK_CLASS = 0x52504453  # "RPDS"
_LOCK = advisory_xact_lock("hashtext(current_schema())")

# A queued job at stage `queued` is either waiting its turn or dispatched; at stage `waiting` it is
# parked by its tenant's in-flight cap and holds no place.
_QUEUED_AT_QUEUED = (JOBS.c.status == constant(QUEUED)) & (JOBS.c.stage == constant("queued"))
_UNDISPATCHED = _QUEUED_AT_QUEUED & JOBS.c.dispatched_at.is_(None)
_DISPATCHED = _QUEUED_AT_QUEUED & JOBS.c.dispatched_at.is_not(None)


@dataclass(slots=True)
class _Head:
    """A tenant's oldest undispatched job, and how many of its jobs are outstanding."""

    tenant: str
    job_id: str
    outstanding: int


def lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"lock_class": DISPATCH_LOCK_CLASS})


# Built once: a fill runs in every create's transaction, and building a statement costs more than
# running this one (two ranges of ix_jobs_dispatch, at most the window's rows).
_OUTSTANDING = (
    select(JOBS.c.tenant, func.count())
    .where((JOBS.c.status == constant(RUNNING)) | _DISPATCHED)
    .group_by(JOBS.c.tenant)
)


def outstanding(connection: Connection) -> dict[str, int]:
    """Jobs holding a place in the window, by tenant: running, or dispatched and not yet claimed."""
    return {tenant: count for tenant, count in connection.execute(_OUTSTANDING)}


# The next tenant's oldest undispatched job: one seek of ix_jobs_dispatch, ordered by tenant then id.
# A row another transaction holds is skipped (PostgreSQL): then the tenant's next one, or the next
# tenant's first, comes back, as if the held rows were not queued.
_NEXT_HEAD = (
    select(JOBS.c.tenant, JOBS.c.id)
    .where(_UNDISPATCHED, JOBS.c.tenant > bindparam("after"))
    .order_by(JOBS.c.tenant, JOBS.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)
_NEXT_JOB = (
    select(JOBS.c.id)
    .where(_UNDISPATCHED, JOBS.c.tenant == bindparam("tenant"), JOBS.c.id > bindparam("after"))
    .order_by(JOBS.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)


def _next_undispatched(connection: Connection, tenant: str, after: str = "") -> str | None:
    return connection.execute(_NEXT_JOB, {"tenant": tenant, "after": after}).scalar()


def _heads(connection: Connection, counts: dict[str, int]) -> list[_Head]:
    """Every tenant with undispatched jobs, with its oldest one: a skip scan of ix_jobs_dispatch,
    one seek per tenant however many jobs each has queued (a tenant whose queued jobs are all
    held by a cancel or deletion is passed over)."""
    heads: list[_Head] = []
    tenant: str | None = ""
    while True:
        head = connection.execute(_NEXT_HEAD, {"after": tenant}).first()
        if head is None:
            return heads
        tenant, job_id = head
        heads.append(_Head(tenant, job_id, counts.get(tenant, 0)))


def fill(connection: Connection, window: int) -> int:
    """Dispatches queued jobs into the free places of the window, fairly across tenants; how many."""
    lock(connection)
    counts = outstanding(connection)
    free = window - sum(counts.values())
    if free <= 0:
        return 0
    heads = _heads(connection, counts)
    now = utcnow()
    dispatched = 0
    while dispatched < free and heads:
        head = min(heads, key=lambda h: (h.outstanding, h.job_id))
        _dispatch(connection, head.job_id, now)
        dispatched += 1
        if dispatched == free:
            break  # the window is full: whatever queues next waits for the next fill
        head.outstanding += 1
        next_id = _next_undispatched(connection, head.tenant, head.job_id)
        if next_id is None:
            heads.remove(head)
        else:
            head.job_id = next_id
    return dispatched


_MARK_DISPATCHED = (
    update(JOBS)
    .where(JOBS.c.id == bindparam("job_id"))
    .values(dispatched_at=bindparam("now"))
    .returning(JOBS.c.id, JOBS.c.tenant, JOBS.c.request_id, JOBS.c.media_id, JOBS.c.target, JOBS.c.entity_label)
)


def _dispatch(connection: Connection, job_id: str, now: datetime) -> None:
    job = connection.execute(_MARK_DISPATCHED, {"job_id": job_id, "now": now}).one()
    outbox.add_render_command(connection, convert.render_command(job))


_LOST = (
    select(JOBS.c.id)
    .where(_DISPATCHED, JOBS.c.dispatched_at < bindparam("cutoff"))
    .order_by(JOBS.c.id)
    .with_for_update(skip_locked=True)
)


def redispatch_lost(connection: Connection, lost_after_s: float) -> int:
    """Sends a new command for each job dispatched `lost_after_s` ago and still not claimed."""
    lock(connection)
    cutoff = utcnow() - timedelta(seconds=lost_after_s)
    lost = connection.execute(_LOST, {"cutoff": cutoff}).scalars().all()
    now = utcnow()
    for job_id in lost:
        _dispatch(connection, job_id, now)
    return len(lost)
