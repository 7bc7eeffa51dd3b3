"""Deleting media, jobs and reports with everything derived from them, in one transaction each.

- media: its speakers and transcript, every job made from it, their reports and evidence.
- job: the job and its report. A queued or running job is deleted as it stands: its renderer's
  next call to the store answers NOT_FOUND, so it stops and never writes a report (CompleteJob
  finds no job), and its render command is dropped the same way.
- report: the report and its evidence; the job stays, `report_id` null and `report_deleted` set,
  and can never succeed again (CompleteJob refuses a succeeded job).

Each deletion also forgets the jobs' idempotency keys (a replay would name a job that is gone),
drops their events and webhook deliveries not yet published, and adds an outbox row that purges
their events and webhook deliveries from JetStream: the purge happens after the commit, and a crash before it only
delays it (the relay runs it when it next passes). Pending webhook deliveries of a deleted job are
dropped by the dispatcher, which finds no job. The audit record is written in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection

from services.common import streams
from services.common.rpc_errors import not_found
from services.store import audit, job_rows, outbox
from services.store.records import Audit
from services.store.tables import ENTITIES, IDEMPOTENCY_KEYS, JOBS, MEDIA, OUTBOX, REPORTS

_MEDIA_FOR_UPDATE = select(MEDIA.c.id, MEDIA.c.tenant).where(MEDIA.c.id == bindparam("media_id")).with_for_update()
_REPORT_FOR_UPDATE = (
    select(REPORTS.c.id, REPORTS.c.tenant, REPORTS.c.job_id)
    .where(REPORTS.c.id == bindparam("report_id"))
    .with_for_update()
)


def delete_media(
    connection: Connection, tenant: str, media_id: str, *, reason: str = audit.REQUEST, api_key_id: str | None = None
) -> Audit:
    media = connection.execute(_MEDIA_FOR_UPDATE, {"media_id": media_id}).first()
    if media is None or media.tenant != tenant:
        raise not_found("media", media_id)
    derived = delete_media_rows(connection, [media_id])[media_id]
    return audit.record(
        connection, audit.values(tenant, "media", media_id, reason=reason, api_key_id=api_key_id, derived=derived)
    )


def delete_media_rows(connection: Connection, media_ids: list[str]) -> dict[str, dict[str, int]]:
    """Deletes these media and all that is derived from them (no tenant check: the caller's), a
    few statements for the whole batch; what went with each media, by media id."""
    derived = {m: {"jobs": 0, "reports": 0, "entities": 0} for m in media_ids}
    job_ids = []
    for row in connection.execute(
        select(JOBS.c.id, JOBS.c.media_id).where(JOBS.c.media_id.in_(media_ids)).with_for_update()
    ):
        job_ids.append(row.id)
        derived[row.media_id]["jobs"] += 1
    for table, name in ((REPORTS, "reports"), (ENTITIES, "entities")):
        for row in connection.execute(
            select(table.c.media_id, func.count()).where(table.c.media_id.in_(media_ids)).group_by(table.c.media_id)
        ):
            derived[row[0]][name] = row[1]
    delete_job_rows(connection, job_ids)
    connection.execute(delete(ENTITIES).where(ENTITIES.c.media_id.in_(media_ids)))
    connection.execute(delete(MEDIA).where(MEDIA.c.id.in_(media_ids)))
    return derived


def delete_job(connection: Connection, tenant: str, job_id: str, *, api_key_id: str | None = None) -> Audit:
    job_rows.get(connection, tenant, job_id, for_update=True)
    derived = delete_job_rows(connection, [job_id])
    del derived["jobs"]
    return audit.record(
        connection, audit.values(tenant, "job", job_id, reason=audit.REQUEST, api_key_id=api_key_id, derived=derived)
    )


def delete_job_rows(connection: Connection, job_ids: list[str]) -> dict[str, int]:
    if not job_ids:
        return {"jobs": 0, "reports": 0}
    reports = connection.execute(delete(REPORTS).where(REPORTS.c.job_id.in_(job_ids))).rowcount
    connection.execute(delete(IDEMPOTENCY_KEYS).where(IDEMPOTENCY_KEYS.c.job_id.in_(job_ids)))
    subjects = [streams.event_subject(job_id) for job_id in job_ids]
    webhook_subjects = [subject for job_id in job_ids for subject in streams.webhook_subjects(job_id)]
    connection.execute(
        delete(OUTBOX).where(OUTBOX.c.subject.in_(subjects + webhook_subjects), OUTBOX.c.sent_at.is_(None))
    )
    jobs = connection.execute(delete(JOBS).where(JOBS.c.id.in_(job_ids))).rowcount
    outbox.add_purge(
        connection,
        {
            streams.EVENTS_STREAM: subjects,
            streams.WEBHOOKS_STREAM: webhook_subjects,
        },
    )
    return {"jobs": jobs, "reports": reports}


def delete_report(connection: Connection, tenant: str, report_id: str, *, api_key_id: str | None = None) -> Audit:
    report = connection.execute(_REPORT_FOR_UPDATE, {"report_id": report_id}).first()
    if report is None or report.tenant != tenant:
        raise not_found("report", report_id)
    connection.execute(delete(REPORTS).where(REPORTS.c.id == report_id))
    connection.execute(update(JOBS).where(JOBS.c.id == report.job_id).values(report_id=None, report_deleted=True))
    return audit.record(
        connection, audit.values(tenant, "report", report_id, reason=audit.REQUEST, api_key_id=api_key_id, derived={})
    )
