"""Lost jobs: a sweeper fails `running` jobs nobody has moved for longer than `lost_after_s`.

A renderer that dies on a job's last delivery leaves it `running`; the renderers fail it when they
hear JetStream's max-deliveries advisory (services/renderer/worker.py), but that is one core-NATS
message: missed, or its TransitionJob failing, the job would stay `running` for good and hold one
of its tenant's in-flight slots (services/store/inflight.py) forever. This sweep is the backstop:
a running job whose row has not changed for `lost_after_s` (REPORTS_LOST_JOB_S; it must exceed the
renderer's ack wait × max deliveries plus its longest render) fails with code `internal`, as the
advisory would have failed it, and the same transaction wakes its tenant's parked jobs.

Tenants are locked in sorted order before any job row, like every other taker of the tenant lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from services.common.timeutil import utcnow
from services.domain.job_states import FAILED, RUNNING
from services.store import inflight, jobs
from services.store.commands import Failure, Move
from services.store.sql_constants import constant
from services.store.tables import JOBS

log = logging.getLogger(__name__)

LOST_CODE = "internal"  # what the max-deliveries advisory fails such a job with


def fail_lost(connection: Connection, lost_after_s: float, cap_of: Callable[[str], int]) -> int:
    """Fails the running jobs not updated for `lost_after_s`, waking their tenants' parked jobs."""
    cutoff = utcnow() - timedelta(seconds=lost_after_s)
    stale = (JOBS.c.status == constant(RUNNING)) & (JOBS.c.updated_at < cutoff)
    tenants = sorted(connection.execute(select(JOBS.c.tenant).where(stale).distinct()).scalars().all())
    failed = 0
    for tenant in tenants:
        inflight.lock_tenant(connection, tenant)
        ids = (
            connection.execute(select(JOBS.c.id).where(stale, JOBS.c.tenant == tenant).order_by(JOBS.c.id))
            .scalars()
            .all()
        )  # again, under the lock
        for job_id in ids:
            jobs.transition(
                connection,
                tenant,
                job_id,
                Move(
                    FAILED, error=Failure(LOST_CODE, f"the job's renderer was lost: no progress for {lost_after_s:g} s")
                ),
                inflight_cap=cap_of(tenant),
            )
            failed += 1
    return failed


class LostJobSweeper:
    def __init__(self, sweep: Callable[[], Awaitable[int]], *, interval_s: float) -> None:
        self._sweep = sweep  # StoreServicer.fail_lost_jobs: its writes reach the outbox relay
        self._interval_s = interval_s
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def sweep_once(self) -> int:
        return await self._sweep()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                failed = await self.sweep_once()
                if failed:
                    log.warning("lost running jobs failed", extra={"failed": failed})
            except Exception:
                log.exception("lost-job sweep failed; retried next interval")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval_s)
