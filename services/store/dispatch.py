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
in the same statement, whether any job waits; when one does and a place is free, it reads each
tenant's oldest undispatched jobs, as many as there are free places, in one read of
ix_jobs_dispatch for all the tenants that fit in that many rows (ordered by tenant, then id); a
read comes back full only when more may wait, and the next starts past its last tenant, so the
reads are one per tenant with more jobs queued than free places, plus one. A tenant that
gets all its fetched jobs with places still free has the next ones fetched (one read). The jobs
chosen are marked in one UPDATE and their commands added in one insert. Its statements are built
once. (One seek per tenant and one per dispatched job, updated and inserted one by one, was about
a quarter of a job's statements on PostgreSQL, saturated: bench/README round 13.)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, null, select, union_all, update
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
class _Queue:
    """A tenant's oldest undispatched jobs as fetched, and how many of its jobs are outstanding."""

    tenant: str
    ids: deque[str]
    outstanding: int
    last: str  # the last id fetched: the next fetch starts past it
    more: bool = False  # jobs past `last` may be queued


def lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"lock_class": DISPATCH_LOCK_CLASS})


# Built once: a fill runs in every create's transaction, and building a statement costs more than
# running this one (two ranges of ix_jobs_dispatch, at most the window's rows). With it, a row
# whose tenant is null says whether any job waits undispatched (one entry of ix_jobs_dispatch), so
# a fill with nothing to dispatch (a lone job's completion) ends after one read.
_OUTSTANDING = (
    select(JOBS.c.tenant, func.count())
    .where((JOBS.c.status == constant(RUNNING)) | _DISPATCHED)
    .group_by(JOBS.c.tenant)
)
_OUTSTANDING_AND_ANY_QUEUED = union_all(
    _OUTSTANDING,
    select(null(), func.count()).select_from(select(JOBS.c.id).where(_UNDISPATCHED).limit(1).subquery()),
)


def outstanding_and_any_queued(connection: Connection) -> tuple[dict[str, int], bool]:
    """Jobs holding a place in the window, by tenant (running, or dispatched and not yet claimed),
    and whether any job waits to be dispatched."""
    counts: dict[str, int] = {}
    queued = False
    for tenant, count in connection.execute(_OUTSTANDING_AND_ANY_QUEUED):
        if tenant is None:
            queued = count > 0
        else:
            counts[tenant] = count
    return counts, queued


# The oldest undispatched jobs of the tenants from the first past `after`, in tenant then id order:
# one range of ix_jobs_dispatch, `up_to` rows. A row another transaction holds is skipped (PostgreSQL),
# as if it were not queued.
_HEADS = (
    select(JOBS.c.tenant, JOBS.c.id)
    .where(_UNDISPATCHED, JOBS.c.tenant > bindparam("after"))
    .order_by(JOBS.c.tenant, JOBS.c.id)
    .limit(bindparam("up_to"))
    .with_for_update(skip_locked=True)
)
_NEXT_JOBS = (
    select(JOBS.c.id)
    .where(_UNDISPATCHED, JOBS.c.tenant == bindparam("tenant"), JOBS.c.id > bindparam("after"))
    .order_by(JOBS.c.id)
    .limit(bindparam("up_to"))
    .with_for_update(skip_locked=True)
)


def _queues(connection: Connection, counts: dict[str, int], up_to: int) -> list[_Queue]:
    """Every tenant with undispatched jobs, with its oldest ones, up to `up_to` each (fewer for a
    tenant whose `more` is set)."""
    queues: list[_Queue] = []
    after = ""
    while True:
        rows = connection.execute(_HEADS, {"after": after, "up_to": up_to}).all()
        for tenant, job_id in rows:
            if queues and queues[-1].tenant == tenant:
                queues[-1].ids.append(job_id)
                queues[-1].last = job_id
            else:
                queues.append(_Queue(tenant, deque((job_id,)), counts.get(tenant, 0), job_id))
        if len(rows) < up_to:
            return queues  # the range ran out: every tenant's queued jobs are here
        queues[-1].more = True
        after = queues[-1].tenant


def _fetch_more(connection: Connection, queue: _Queue, up_to: int) -> None:
    ids = connection.execute(_NEXT_JOBS, {"tenant": queue.tenant, "after": queue.last, "up_to": up_to}).scalars().all()
    queue.ids.extend(ids)
    queue.more = len(ids) == up_to
    if ids:
        queue.last = ids[-1]


def fill(connection: Connection, window: int) -> int:
    """Dispatches queued jobs into the free places of the window, fairly across tenants; how many."""
    lock(connection)
    counts, any_queued = outstanding_and_any_queued(connection)
    free = window - sum(counts.values())
    if free <= 0 or not any_queued:
        return 0
    queues = _queues(connection, counts, free)
    chosen: list[str] = []
    while len(chosen) < free and queues:
        queue = min(queues, key=lambda q: (q.outstanding, q.ids[0]))
        chosen.append(queue.ids.popleft())
        queue.outstanding += 1
        if not queue.ids and queue.more and len(chosen) < free:
            _fetch_more(connection, queue, free - len(chosen))
        if not queue.ids:
            queues.remove(queue)
    _dispatch(connection, chosen, utcnow())
    return len(chosen)


_MARK_DISPATCHED = (
    update(JOBS)
    .where(JOBS.c.id.in_(bindparam("job_ids", expanding=True)))
    .values(dispatched_at=bindparam("now"))
    .returning(JOBS.c.id, JOBS.c.tenant, JOBS.c.request_id, JOBS.c.media_id, JOBS.c.target, JOBS.c.entity_label)
)


def _dispatch(connection: Connection, job_ids: list[str], now: datetime) -> None:
    """Marks the jobs dispatched and adds their commands, in the order given."""
    if not job_ids:
        return
    jobs = {job.id: job for job in connection.execute(_MARK_DISPATCHED, {"job_ids": job_ids, "now": now})}
    outbox.add_render_commands(connection, [convert.render_command(jobs[job_id]) for job_id in job_ids])


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
    lost = list(connection.execute(_LOST, {"cutoff": cutoff}).scalars())
    _dispatch(connection, lost, utcnow())
    return len(lost)
