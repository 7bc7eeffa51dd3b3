"""Job rows as `Job` records (records.py): read by id, added, and written back column by column.

A batch of claims or completions (group_commit.py) locks its jobs' rows in one read (`lock_ahead`)
instead of one read each: `get(for_update=True)` then takes a job's row from what was read ahead,
once, in the same transaction. A row written since (`save`) is read again, as are jobs the read
ahead did not find (`get` answers them not_found, or another tenant's, exactly as without it).
Writes of job rows that bypass `save` (the dispatch fill's) come after the batch's claims or
completions, in its closing step, so no row read ahead is taken after one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from services.common.rpc_errors import not_found
from services.store import bulk_rows, records
from services.store.records import Job
from services.store.tables import JOBS
from services.store.transaction_state import recalled, remembered

COLUMNS = tuple(JOBS.c.keys())
_BY_ID = select(JOBS).where(JOBS.c.id == bindparam("job_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()
_AHEAD_FOR_UPDATE = (
    select(JOBS)
    .where(JOBS.c.id.in_(bindparam("job_ids", expanding=True)), JOBS.c.tenant.in_(bindparam("tenants", expanding=True)))
    .order_by(JOBS.c.id)
    .with_for_update()
)
_AHEAD = "job_rows_read_ahead"  # this transaction's rows read ahead, by job id (transaction_state.py)
# The SET clause is whatever columns a call passes; the row is named apart from them.
_SAVE = update(JOBS).where(JOBS.c.id == bindparam("job_id"))


def lock_ahead(connection: Connection, job_ids: list[str], tenants: list[str]) -> Sequence[Any]:
    """Reads and locks (PostgreSQL) the rows of these jobs that belong to one of `tenants`, in one
    statement, for `get(for_update=True)` to take in this transaction; the rows, in the database's
    order of ids. Take the tenants' locks first (inflight.lock_tenant): every row read belongs to
    one of them."""
    rows = connection.execute(_AHEAD_FOR_UPDATE, {"job_ids": job_ids, "tenants": tenants}).all()
    ahead: dict[str, Any] = remembered(connection, _AHEAD, dict)
    for row in rows:
        ahead[row.id] = row
    return rows


def _taken_ahead(connection: Connection, job_id: str) -> Any | None:
    ahead = cast("dict[str, Any] | None", recalled(connection, _AHEAD))
    return None if ahead is None else ahead.pop(job_id, None)


def read(connection: Connection, job_id: str, *, for_update: bool = False) -> Job | None:
    """The job, or None. `for_update` locks its row until the transaction ends (PostgreSQL)."""
    row = _taken_ahead(connection, job_id) if for_update else None
    if row is None:
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
    _taken_ahead(connection, job.id)  # a row read ahead is no longer the row
    connection.execute(_SAVE, {"job_id": job.id, **records.values(job, fields)})
