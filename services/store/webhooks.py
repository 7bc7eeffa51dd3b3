"""A job's webhook delivery state: attempts the dispatcher records, and redeliveries clients ask for.

The state lives on the job row as JSON: `{status: pending | delivered | failed, attempts,
last_status_code, last_error, next_attempt_at, event_id}`. It starts as pending with no attempts
when a job is created with a webhook. `event_id` is the terminal event the webhook announces:
its id is the `webhook-id` header, the same on every retry and redelivery.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from services.common import ids, streams
from services.common.rpc_errors import failed_precondition, invalid
from services.domain import job_states
from services.store import convert, job_rows, outbox
from services.store.commands import WebhookAttempt
from services.store.records import Job
from services.store.tables import OUTBOX

STATUSES = ("pending", "delivered", "failed")
ERROR_LIMIT = 500


def initial_state() -> dict[str, Any]:
    return {"status": "pending", "attempts": 0}


def _job_with_webhook(connection: Connection, tenant: str, job_id: str) -> Job:
    # FOR UPDATE on PostgreSQL: two attempts recorded at once must not lose one (SQLite writes
    # one at a time anyway).
    job = job_rows.get(connection, tenant, job_id, for_update=True)
    if job.webhook is None:
        raise failed_precondition("webhook_not_configured", "the job was created without a webhook")
    return job


def record_attempt(connection: Connection, tenant: str, job_id: str, attempt: WebhookAttempt) -> Job:
    if attempt.status not in STATUSES:
        raise invalid("invalid_webhook_status", f"status must be one of {', '.join(STATUSES)}")
    if not attempt.event_id:
        raise invalid("missing_event_id", "event_id is required")
    job = _job_with_webhook(connection, tenant, job_id)
    state = {**initial_state(), **(job.webhook_state or {})}
    state.update(
        status=attempt.status,
        attempts=int(state.get("attempts") or 0) + 1,
        last_status_code=attempt.status_code,
        last_error=attempt.error[:ERROR_LIMIT] if attempt.error is not None else None,
        next_attempt_at=attempt.next_attempt_at if attempt.status == "pending" else None,
        event_id=attempt.event_id,
    )
    job.webhook_state = state
    job_rows.save(connection, job, "webhook_state")
    return job


def redeliver(connection: Connection, tenant: str, job_id: str) -> Job:
    """Queues the job's terminal event for its webhook again, with the same event id."""
    job = _job_with_webhook(connection, tenant, job_id)
    if job.status not in job_states.TERMINAL:
        raise failed_precondition("job_not_ended", f"the job is {job.status}; its webhook is sent once it has ended")
    state = {**initial_state(), **(job.webhook_state or {})}
    event = convert.event_message(job)
    event.event_id = state.get("event_id") or _last_event_id(connection, job.id) or ids.new_id("evt")
    outbox.add(connection, streams.webhook_redeliver_subject(job.id), event.SerializeToString())
    state.update(status="pending", next_attempt_at=None, event_id=event.event_id)
    job.webhook_state = state
    job_rows.save(connection, job, "webhook_state")
    return job


def _last_event_id(connection: Connection, job_id: str) -> str | None:
    """The job's last status event still in the outbox (sent rows are kept for a while)."""
    query = (
        select(OUTBOX.c.id)
        .where(OUTBOX.c.subject == streams.event_subject(job_id))
        .order_by(OUTBOX.c.seq.desc())
        .limit(1)
    )
    return connection.execute(query).scalar()
