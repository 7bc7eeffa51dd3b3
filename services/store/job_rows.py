"""Job rows as plain `Job` records: read by id, added, and written back column by column.

`JobRow` (tables.py) stays the one definition of the table; `Job` has exactly its columns.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Row

from services.common.rpc_errors import not_found
from services.store.tables import JOBS


@dataclass(slots=True)
class Job:
    id: str
    tenant: str
    media_id: str
    status: str
    stage: str
    template: str
    template_params: dict[str, Any]
    target: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    label: str | None = None
    entity_label: str | None = None
    webhook: dict[str, Any] | None = None
    webhook_state: dict[str, Any] | None = None
    resolution: dict[str, Any] | None = None
    report_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    idempotency_key: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    report_deleted: bool = False
    usage_input_tokens: int | None = None
    usage_output_tokens: int | None = None
    usage_attempts: int | None = None
    usage_provider: str | None = None
    usage_model: str | None = None
    usage_cost_usd: float | None = None
    usage_calls: list[dict[str, str]] | None = None
    dispatched_at: datetime | None = None
    request_id: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Job:
        return cls(**row._mapping)


FIELDS = tuple(f.name for f in dataclasses.fields(Job))
_BY_ID = select(JOBS).where(JOBS.c.id == bindparam("job_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()
_INSERT = insert(JOBS)
# The SET clause is whatever columns a call passes; the row is named apart from them.
_SAVE = update(JOBS).where(JOBS.c.id == bindparam("job_id"))


def read(connection: Connection, job_id: str, *, for_update: bool = False) -> Job | None:
    """The job, or None. `for_update` locks its row until the transaction ends (PostgreSQL)."""
    statement = _BY_ID_FOR_UPDATE if for_update else _BY_ID
    row = connection.execute(statement, {"job_id": job_id}).first()
    return None if row is None else Job.from_row(row)


def get(connection: Connection, tenant: str, job_id: str, *, for_update: bool = False) -> Job:
    """The tenant's job; another tenant's is not found, exactly like one that does not exist."""
    job = read(connection, job_id, for_update=for_update)
    if job is None or job.tenant != tenant:
        raise not_found("job", job_id)
    return job


def add(connection: Connection, job: Job) -> None:
    connection.execute(_INSERT, {name: getattr(job, name) for name in FIELDS})


def save(connection: Connection, job: Job, *fields: str) -> None:
    """Writes these fields of the record to its row."""
    connection.execute(_SAVE, {"job_id": job.id, **{name: getattr(job, name) for name in fields}})
