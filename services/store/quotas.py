"""Each tenant's cap on queued jobs, checked in the transaction that adds one.

A job over the cap is refused with RESOURCE_EXHAUSTED `quota_exceeded` (the gateway's 429). The
check and the insert are one transaction, so the cap holds against concurrent creates: SQLite has
one writer at a time (services/store/db.py), and on PostgreSQL the transaction first takes an
advisory lock keyed by the schema and the tenant, so one tenant's creates queue behind each other
while other tenants' run side by side.

The count is one row of `tenant_queues`, which triggers on `jobs` keep (migration 0007): counting
the tenant's queued jobs instead made every create slower the longer the queue grew (with 15,000
queued, the count was a quarter of the store's CPU under B1's load).
A replayed create (the same idempotency key) is answered before this check: a retry of a job that
was accepted is never refused.
"""

from __future__ import annotations

import grpc
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from services.common.rpc_errors import ServiceError
from services.store.db import advisory_xact_lock
from services.store.tables import TENANT_QUEUES

QUOTA_LOCK_CLASS = 0x52505154  # "RPQT"
_LOCK = advisory_xact_lock("hashtext(current_schema() || '/' || :tenant)")

# Built once (inflight.py says why).
_QUEUED = select(TENANT_QUEUES.c.queued).where(TENANT_QUEUES.c.tenant == bindparam("tenant"))


def queued(connection: Connection, tenant: str) -> int:
    """The tenant's queued jobs, parked ones included."""
    return int(connection.execute(_QUEUED, {"tenant": tenant}).scalar() or 0)


def locked_queued(connection: Connection, tenant: str) -> int:
    """The tenant's queued jobs, read under its lock (PostgreSQL) until the transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"lock_class": QUOTA_LOCK_CLASS, "tenant": tenant})
    return queued(connection, tenant)


def check(queued_jobs: int, cap: int) -> None:
    """quota_exceeded when `queued_jobs` have reached the cap."""
    if queued_jobs >= cap:
        raise ServiceError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "quota_exceeded",
            f"this tenant already has {cap} jobs queued, its cap; create more as they start (or cancel some)",
        )
