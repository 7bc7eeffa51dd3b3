"""Reading stored reports."""

from __future__ import annotations

import grpc
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from services.common.rpc_errors import ServiceError, not_found
from services.domain.job_states import SUCCEEDED
from services.store import job_rows, paging, records
from services.store.records import Job, Report
from services.store.tables import REPORTS

_BY_ID = select(REPORTS).where(REPORTS.c.id == bindparam("report_id"))


def get(connection: Connection, tenant: str, report_id: str) -> Report:
    row = connection.execute(_BY_ID, {"report_id": report_id}).first()
    if row is None or row.tenant != tenant:
        raise not_found("report", report_id)
    return records.of_row(Report, row)


def by_job(connection: Connection, tenant: str, job_id: str) -> tuple[Job, Report | None]:
    job = job_rows.get(connection, tenant, job_id)
    if job.report_deleted:
        raise ServiceError(grpc.StatusCode.NOT_FOUND, "report_not_found", f"the report of job {job_id!r} was deleted")
    if job.status != SUCCEEDED or job.report_id is None:
        return job, None
    return job, get(connection, tenant, job.report_id)


def list_page(connection: Connection, tenant: str, limit: int, cursor: str) -> tuple[list[Report], str]:
    rows, next_cursor = paging.page(
        connection, select(REPORTS).where(REPORTS.c.tenant == tenant), REPORTS.c.id, limit, cursor
    )
    return [records.of_row(Report, row) for row in rows], next_cursor
