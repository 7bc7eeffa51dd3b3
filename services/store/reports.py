"""Reading stored reports."""

from __future__ import annotations

from sqlmodel import Session, select

from services.common.job_states import SUCCEEDED
from services.common.rpc_errors import not_found
from services.store import jobs, paging
from services.store.job_rows import Job
from services.store.tables import ReportRow


def get(session: Session, tenant: str, report_id: str) -> ReportRow:
    report = session.get(ReportRow, report_id)
    if report is None or report.tenant != tenant:
        raise not_found("report", report_id)
    return report


def by_job(session: Session, tenant: str, job_id: str) -> tuple[Job, ReportRow | None]:
    job = jobs.get(session, tenant, job_id)
    if job.status != SUCCEEDED or job.report_id is None:
        return job, None
    return job, session.get(ReportRow, job.report_id)


def list_page(session: Session, tenant: str, limit: int, cursor: str):  # type: ignore[no-untyped-def]
    return paging.page(session, select(ReportRow).where(ReportRow.tenant == tenant), ReportRow.id, limit, cursor)
