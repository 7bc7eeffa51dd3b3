"""The past B2 writes before it measures: ended jobs of the bench tenant, which the store counts
as neither queued nor in flight and reads back as succeeded jobs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bench import past_jobs
from services.store import dispatch, inflight, migrate, quotas
from services.store.db import create_db_engine, sqlite_url
from services.store.tables import JOBS


def test_the_past_is_ended_jobs_of_the_tenant_that_hold_no_place(tmp_path: Path) -> None:
    engine = create_db_engine(sqlite_url(tmp_path))
    try:
        migrate.upgrade(engine)
        past_jobs.write(sqlite_url(tmp_path), "tenant_a", jobs=50)
        with engine.connect() as connection:
            statuses = connection.execute(select(JOBS.c.status, func.count()).group_by(JOBS.c.status)).all()
            assert statuses == [("succeeded", 50)]
            assert quotas.queued(connection, "tenant_a") == 0
            assert inflight.running(connection, "tenant_a", up_to=10) == 0
            assert dispatch.outstanding_and_any_queued(connection) == ({}, False)
    finally:
        engine.dispose()
