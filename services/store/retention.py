"""Retention: a sweeper deletes expired media with everything derived from them.

A media's `expires_at` comes from its request (`retentionDays` or `expiresAt`), its tenant's
default (REPORTS_API_KEYS `;retentionDays=N`) or the store's (REPORTS_RETENTION_DAYS); null keeps
it until it is deleted. Its jobs and reports carry the same time, for reading only: the sweeper
deletes by media, and the media takes them with it (deletion.py).

Each pass deletes at most `batch_size` expired media in one transaction (a few statements for the
whole batch, one audit record per media, reason `retention`), so a backlog of a million rows is
worked off in short transactions that let other requests in between; a full batch starts the next
pass at once, a short one waits `interval_s`. More than one store replica (PostgreSQL): a pass
first takes a transaction-level advisory lock (`pg_try_advisory_xact_lock`), so one replica
sweeps at a time and the others skip the pass, like the outbox relay. A pass reads the expired media without locking them, takes their
tenants' in-flight locks in sorted order (the order every taker of them uses), then claims the rows
that are still there with `FOR UPDATE SKIP LOCKED`, so a request deleting the same media meanwhile
(tenant lock, then row) never deadlocks with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from services.common.timeutil import utcnow
from services.store import audit, deletion, inflight
from services.store.db import Database
from services.store.tables import AUDIT, MEDIA

log = logging.getLogger(__name__)

SWEEP_LOCK_CLASS = 0x52505254  # "RPRT"; the second key is a hash of the schema, as for the relay
_TRY_LEAD = text("SELECT pg_try_advisory_xact_lock(:lock_class, hashtext(current_schema()))")


@dataclass(frozen=True)
class Sweep:
    """What one pass did."""

    deleted: int = 0
    busy: bool = False  # another replica is sweeping


class RetentionSweeper:
    def __init__(
        self,
        db: Database,
        *,
        interval_s: float = 60.0,
        batch_size: int = 500,
        on_deleted: Callable[[], None] = lambda: None,
        inflight_cap: Callable[[str], int] | None = None,
        fill_window: Callable[[Connection], int] | None = None,
    ) -> None:
        self._db = db
        self._on_deleted = on_deleted  # wakes the outbox relay for the purges
        self._inflight_cap = inflight_cap  # a tenant's in-flight cap: deleted running jobs free slots
        self._fill_window = fill_window  # deleted jobs free places in the dispatch window (dispatch.py)
        self._interval_s = interval_s
        self._batch_size = batch_size
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                done = await self.sweep_once()
            except Exception:
                log.exception("retention sweep failed; retried next interval")
                done = Sweep()
            if done.deleted:
                self._on_deleted()
                log.info("retention swept", extra={"deleted": done.deleted})
            if done.deleted < self._batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self._interval_s)
            else:
                await asyncio.sleep(0)  # a backlog: the next batch, after whatever else is waiting

    async def sweep_once(self) -> Sweep:
        return await self._db.run(self._sweep)

    def _sweep(self, connection: Connection) -> Sweep:
        if not self._db.is_sqlite and not connection.execute(_TRY_LEAD, {"lock_class": SWEEP_LOCK_CLASS}).scalar_one():
            return Sweep(busy=True)
        now = utcnow()
        candidates = connection.execute(
            select(MEDIA.c.id, MEDIA.c.tenant)
            .where(MEDIA.c.expires_at <= now)
            .order_by(MEDIA.c.expires_at)
            .limit(self._batch_size)
        ).all()  # read, not locked yet
        if not candidates:
            return Sweep()
        tenants = sorted({row.tenant for row in candidates})
        if self._inflight_cap is not None:
            # Tenant locks first, in sorted order, then rows: as DeleteMedia and claims take them
            # (services/store/inflight.py), so the sweep and a request never wait for each other.
            for tenant in tenants:
                inflight.lock_tenant(connection, tenant)
        expired = connection.execute(
            select(MEDIA.c.id, MEDIA.c.tenant)
            .where(MEDIA.c.id.in_([row.id for row in candidates]), MEDIA.c.expires_at <= now)
            .order_by(MEDIA.c.expires_at)
            .with_for_update(skip_locked=True)
        ).all()
        if not expired:
            return Sweep()
        derived = deletion.delete_media_rows(connection, [row.id for row in expired])
        if self._inflight_cap is not None:
            for tenant in tenants:  # running jobs deleted with their media free their slots
                inflight.wake(connection, tenant, self._inflight_cap(tenant))
        if self._fill_window is not None:
            self._fill_window(connection)
        connection.execute(
            AUDIT.insert(),
            [
                audit.values(
                    row.tenant,
                    "media",
                    row.id,
                    reason=audit.RETENTION,
                    api_key_id=None,
                    derived=derived[row.id],
                    at=now,
                )
                for row in expired
            ],
        )
        return Sweep(deleted=len(expired))
