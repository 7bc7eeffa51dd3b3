"""Each tenant's cap on queued jobs, checked in the transaction that adds one.

A job over the cap is refused with RESOURCE_EXHAUSTED `quota_exceeded` (the gateway's 429). The
check and the insert are one transaction, so the cap holds against concurrent creates: SQLite has
one writer at a time (services/store/db.py), and on PostgreSQL the transaction first takes an
advisory lock keyed by the schema and the tenant, so one tenant's creates queue behind each other
while other tenants' run side by side.

The count stops at the cap (an index range scan of ix_jobs_tenant_status_id, at most `cap` entries),
so it costs nothing much for a tenant far under its cap and a bounded scan for one near it.
A replayed create (the same idempotency key) is answered before this check: a retry of a job that
was accepted is never refused.
"""

from __future__ import annotations

import grpc
from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection

from services.common.rpc_errors import ServiceError
from services.domain.job_states import QUEUED
from services.store.tables import JOBS

QUOTA_LOCK_CLASS = 0x52505154  # "RPQT"
_LOCK = text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(current_schema() || '/' || :tenant))")


# Built once (inflight.py says why): the cap-th queued job of the tenant, if there is one.
_AT_CAP = (
    select(JOBS.c.id)
    .where(JOBS.c.tenant == bindparam("tenant"), JOBS.c.status == QUEUED)
    .order_by(JOBS.c.id)
    .offset(bindparam("skip"))
    .limit(1)
)


def check_queued(connection: Connection, tenant: str, cap: int) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"lock_class": QUOTA_LOCK_CLASS, "tenant": tenant})
    at_cap = connection.execute(_AT_CAP, {"tenant": tenant, "skip": cap - 1}).first()
    if at_cap is not None:
        raise ServiceError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "quota_exceeded",
            f"this tenant already has {cap} jobs queued, its cap; create more as they start (or cancel some)",
        )
