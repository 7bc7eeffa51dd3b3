"""Job rows as `Job` records (records.py): read by id, added, and written back column by column."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from services.common.rpc_errors import not_found
from services.store import bulk_rows, records
from services.store.records import Job
from services.store.tables import JOBS

COLUMNS = tuple(JOBS.c.keys())
_BY_ID = select(JOBS).where(JOBS.c.id == bindparam("job_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()
# The SET clause is whatever columns a call passes; the row is named apart from them.
_SAVE = update(JOBS).where(JOBS.c.id == bindparam("job_id"))


def read(connection: Connection, job_id: str, *, for_update: bool = False) -> Job | None:
    """The job, or None. `for_update` locks its row until the transaction ends (PostgreSQL)."""
    statement = _BY_ID_FOR_UPDATE if for_update else _BY_ID
    row = connection.execute(statement, {"job_id": job_id}).first()
    return None if row is None else records.of_row(Job, row)


def get(connection: Connection, tenant: str, job_id: str, *, for_update: bool = False) -> Job:
    """The tenant's job; another tenant's is not found, exactly like one that does not exist."""
    job = read(connection, job_id, for_update=for_update)
    if job is None or job.tenant != tenant:
        raise not_found("job", job_id)
    return job


def add(connection: Connection, *jobs: Job) -> None:
    """Inserts the jobs together (bulk_rows.py)."""
    bulk_rows.add(connection, JOBS, [records.values(job, COLUMNS) for job in jobs])


def save(connection: Connection, job: Job, *fields: str) -> None:
    """Writes these fields of the record to its row."""
    connection.execute(_SAVE, {"job_id": job.id, **records.values(job, fields)})
