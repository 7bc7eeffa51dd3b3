"""A production database's past, written into a bench platform's fresh store before it is measured.

A store in use holds its tenants' ended jobs for days (`REPORTS_RETENTION_DAYS`); a bench platform
starts from an empty database. On PostgreSQL that changes the plans: a statement is planned for the
table's size when it is analyzed (bench/database.py `analyze`) and its cached plan kept, so a bench
that grows its tables twentyfold from a few hundred rows measures the scans of a small table. So B2
first gives the bench tenant `JOBS_ENDED` jobs that succeeded an hour ago, each having taken
`TOOK` (about what a B2 job takes; the store's wait estimates read the latest durations), without
reports (nothing reads them); on SQLite too, so both databases run the same workload.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from services.common.timeutil import utcnow
from services.domain.job_states import SUCCEEDED
from services.store.db import create_db_engine
from services.store.tables import JOBS

JOBS_ENDED = 20_000
TOOK = timedelta(milliseconds=30)


def write(database_url: str, tenant: str, jobs: int = JOBS_ENDED) -> None:
    """Into the store's database at `database_url` (StoreSettings' own, so SQLite's file too)."""
    ended = utcnow() - timedelta(hours=1)
    rows = [
        {
            "id": f"job_history_{number:06d}",
            "tenant": tenant,
            "media_id": "med_history",
            "status": SUCCEEDED,
            "stage": "storing",  # the last stage a succeeded job reached
            "template": "sales_playbook",
            "template_params": {},
            "target": {"strategy": "dominant"},
            "created_at": ended - TOOK,
            "updated_at": ended,
            "started_at": ended - TOOK,
            "finished_at": ended,
        }
        for number in range(jobs)
    ]
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(JOBS), rows)
    finally:
        engine.dispose()
