"""Jobs: creation with idempotency, a renderer's claim, lifecycle transitions, cancellation, completion.

Every change to a job writes its status event to the outbox in the same transaction. A renderer's
job costs three writes: the claim (queued → running, answering with the job and its prompt), the
move to rendering (recording the resolution), and the completion (report, succeeded and its event).
An illegal move names in its error the status of a job that has ended, so the renderer learns it
without reading the job again.

A batch of claims or of completions (group_commit.py) reads ahead once for all of them
(`prepare_claims`, `prepare_completions`): its tenants' locks, its jobs' rows in one statement
(job_rows.lock_ahead), and for claims each tenant's slots (inflight.count_ahead). Claims of one
template in one transaction read its production prompt once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, select
from sqlalchemy.engine import Connection

from services.common import ids
from services.common.rpc_errors import (
    FieldProblem,
    conflict,
    failed_precondition,
    invalid,
    not_found,
)
from services.common.timeutil import as_utc, utcnow
from services.domain import job_states
from services.domain.job_states import CANCELED, FAILED, QUEUED, RUNNING, SUCCEEDED
from services.domain.prompt_seeds import PromptVariable
from services.store import (
    convert,
    inflight,
    job_rows,
    lifecycle,
    outbox,
    paging,
    prompts,
    records,
    usage,
    webhooks,
)
from services.store.commands import Failure, JobKey, Move, NewJob, NewReport, Usage
from services.store.create_batch import CreateBatch
from services.store.prompt_cache import PromptCache
from services.store.records import Job
from services.store.tables import IDEMPOTENCY_KEYS, JOBS, MEDIA, REPORTS
from services.store.transaction_state import remembered
from services.store.wait import WaitEstimator

IDEMPOTENCY_TTL = timedelta(hours=48)

_KEYS = IDEMPOTENCY_KEYS
_KEY = select(_KEYS.c.fingerprint, _KEYS.c.job_id, _KEYS.c.created_at, _KEYS.c.estimated_wait_sec).where(
    _KEYS.c.tenant == bindparam("tenant"), _KEYS.c.key == bindparam("key")
)
_FORGET_KEY = delete(_KEYS).where(_KEYS.c.tenant == bindparam("tenant"), _KEYS.c.key == bindparam("key"))
# The report carries its media's URL, read in the same statement.
_ADD_REPORT = insert(REPORTS).values(
    media_url=select(MEDIA.c.url).where(MEDIA.c.id == bindparam("url_of_media")).scalar_subquery()
)


def create(
    connection: Connection,
    batch: CreateBatch,
    new: NewJob,
    waits: WaitEstimator,
    prompt_cache: PromptCache,
    *,
    queued_cap: int | None = None,
) -> tuple[Job, bool, float]:
    """The new job (or the one its idempotency key names: a replay), whether it is a replay, and
    its estimated wait. Its rows are written with its batch's (create_batch.py). Every check comes
    before the job is added to the batch, so a create that raises has added nothing
    (group_commit.py relies on it)."""
    key = new.idempotency_key
    expired_key = False
    if key is not None:
        in_batch = batch.keyed(new.tenant, key)
        if in_batch is not None:
            _check_replay(in_batch.fingerprint, new)
            return in_batch.job, True, in_batch.wait
        existing = connection.execute(_KEY, {"tenant": new.tenant, "key": key}).first()
        if existing is not None and as_utc(existing.created_at) > utcnow() - IDEMPOTENCY_TTL:
            _check_replay(existing.fingerprint, new)
            job = job_rows.read(connection, existing.job_id)
            assert job is not None
            first_wait = existing.estimated_wait_sec
            return job, True, waits.estimate(connection) if first_wait is None else first_wait
        expired_key = existing is not None

    media = batch.media(connection, new.media_id)
    if media is None or media.tenant != new.tenant:
        raise not_found("media", new.media_id)
    _check_params(prompt_cache.production_variables(connection, new.template), new.template_params)
    if queued_cap is not None:
        batch.check_queued(connection, new.tenant, queued_cap)
    if key is not None and expired_key:
        connection.execute(_FORGET_KEY, {"tenant": new.tenant, "key": key})

    now = utcnow()
    job = Job(
        id=ids.new_id("job"),
        tenant=new.tenant,
        media_id=new.media_id,
        status=QUEUED,
        stage="queued",
        label=new.label,
        entity_label=new.entity_label,
        template=new.template,
        template_params=new.template_params,
        target=new.target,
        webhook=new.webhook,
        webhook_state=webhooks.initial_state() if new.webhook is not None else None,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
        expires_at=media.expires_at,
        request_id=new.request_id or None,
    )
    wait = waits.estimate(connection)
    events = outbox.event_messages(convert.event_message(job), request_id=new.request_id)
    batch.add(job, events, fingerprint=new.request_fingerprint, wait=wait)
    return job, False, wait  # queued until dispatch.fill gives it a place in the window


def _check_replay(fingerprint: str, new: NewJob) -> None:
    if fingerprint != new.request_fingerprint:
        raise conflict("idempotency_conflict", "idempotencyKey was already used with a different request body")


def _check_params(variables: list[PromptVariable], params: dict[str, object]) -> None:
    problems = [
        FieldProblem(f"/output/templateParams/{name}" if name else "/output/templateParams", message)
        for name, message in prompts.check_params(variables, params)
    ]
    if problems:
        raise invalid("invalid_template_params", problems[0].message, problems)


def listed(status: str | None) -> Select[Any]:
    """A tenant's jobs (`tenant` to bind), of one status if given."""
    query = select(JOBS).where(JOBS.c.tenant == bindparam("tenant"))
    return query if status is None else query.where(JOBS.c.status == status)


def list_page(
    connection: Connection, tenant: str, status: str | None, limit: int, cursor: str
) -> tuple[list[Job], str]:
    rows, next_cursor = paging.page(connection, listed(status).params(tenant=tenant), JOBS.c.id, limit, cursor)
    return [records.of_row(Job, row) for row in rows], next_cursor


def claim(
    connection: Connection,
    tenant: str,
    job_id: str,
    *,
    inflight_cap: int,
    resolution: dict[str, Any] | None = None,
) -> tuple[Job, Any | None]:
    """(the job, its prompt row): a queued job becomes running, with its event: at stage rendering
    with `resolution`, the target the renderer resolved first, or at stage resolving without one.

    A job already running (its command redelivered after a renderer died) is claimed again as it
    stands, with no new event unless `resolution` moves it to rendering; a job that has ended comes
    back as it is, and one its tenant's in-flight cap parks comes back queued (stage waiting), both
    without a prompt."""
    inflight.lock_tenant(connection, tenant)
    job = job_rows.get(connection, tenant, job_id, for_update=True)
    if job.status in job_states.TERMINAL:
        return job, None
    if job.status == QUEUED and (
        job.stage == job_states.WAITING or inflight.park_if_full(connection, job, inflight_cap)
    ):
        return job, None  # parked: the command that wakes it, not this one, will start it
    prompt = _production_prompt(connection, job.template)
    if job.status == QUEUED:
        now = utcnow()
        job.status, job.updated_at = RUNNING, now
        job.stage = "resolving" if resolution is None else "rendering"
        fields = ["status", "stage", "updated_at"]
        if resolution is not None:
            job.resolution = resolution
            fields.append("resolution")
        if job.started_at is None:
            job.started_at = now
            fields.append("started_at")
        job_rows.save(connection, job, *fields)
        outbox.add_event(connection, convert.event_message(job))
    elif resolution is not None:
        job = _move(connection, job, Move(RUNNING, "rendering", resolution=resolution), inflight_cap)
    return job, prompt


_PROMPTS = "jobs_production_prompts"  # by template, as this transaction read them (transaction_state.py)


def _production_prompt(connection: Connection, template: str) -> Any:
    read: dict[str, Any] = remembered(connection, _PROMPTS, dict)
    prompt = read.get(template)
    if prompt is None:
        prompt = read[template] = prompts.get(connection, template, label="production")
    return prompt


def _lock_batch(connection: Connection, keys: list[JobKey]) -> Sequence[Any]:
    """The batch's tenants locked, in order (the order every taker of several uses), then its jobs'
    rows read ahead and locked (job_rows.lock_ahead); the rows, in the database's order of ids."""
    tenants = sorted({tenant for tenant, _ in keys})
    for tenant in tenants:
        inflight.lock_tenant(connection, tenant)
    return job_rows.lock_ahead(connection, [job_id for _, job_id in keys], tenants)


def prepare_completions(connection: Connection, keys: list[JobKey]) -> None:
    """Reads ahead for a batch of completions of these (tenant, job id)."""
    _lock_batch(connection, keys)


def prepare_claims(connection: Connection, keys: list[JobKey], cap_of: Callable[[str], int]) -> None:
    """Reads ahead for a batch of claims of these (tenant, job id): as for completions, and the
    slots of each tenant with a job to start counted once (inflight.count_ahead) under its cap
    (`cap_of`). Only a queued job that is not parked is decided on the count: a claim of any other
    job starts it as it stands or not at all."""
    to_start: dict[str, list[str]] = {}
    for row in _lock_batch(connection, keys):
        if row.status == QUEUED and row.stage != job_states.WAITING:
            to_start.setdefault(row.tenant, []).append(row.id)
    for tenant, job_ids in to_start.items():
        inflight.count_ahead(connection, tenant, job_ids, cap_of(tenant))


_FAILED = Failure("internal", "failed")  # a failure the renderer sent without its error


def _illegal(job: Job, message: str) -> Exception:
    return failed_precondition("illegal_transition", message, {"status": job.status})


def transition(connection: Connection, tenant: str, job_id: str, move: Move, *, inflight_cap: int) -> Job:
    """A running job's progress and stage moves, and its failure or cancel. A queued job's claim
    (its first move to running, at whatever stage) over the tenant's `inflight_cap` parks it
    instead (services/store/inflight.py: the job comes back queued, stage `waiting`), and a running
    job that ends wakes the tenant's parked ones. Any move may be a queued job's first, so each takes
    the tenant's lock (before the row's, as everywhere)."""
    inflight.lock_tenant(connection, tenant)
    return _move(connection, job_rows.get(connection, tenant, job_id, for_update=True), move, inflight_cap)


def _move(connection: Connection, job: Job, move: Move, inflight_cap: int) -> Job:
    """`transition` of a job already read for update, its tenant locked."""
    status = move.status
    if status is None or status == SUCCEEDED:
        raise invalid(
            "invalid_transition", "status must be running, failed or canceled; a job succeeds through CompleteJob"
        )
    new_stage = lifecycle.stage_after(status, job.stage, move.stage)
    try:
        changed = lifecycle.check(job.status, job.stage, status, new_stage)
    except lifecycle.IllegalTransition as exc:
        raise _illegal(job, str(exc)) from None
    if (
        job.status == QUEUED
        and status == RUNNING
        and (job.stage == job_states.WAITING or inflight.park_if_full(connection, job, inflight_cap))
    ):
        return job  # parked: the command that woke it, not this one, will start it
    fields = []
    if move.resolution is not None and move.resolution != job.resolution:
        # a redelivered job recording the same resolution again changes nothing
        job.resolution = move.resolution
        fields.append("resolution")
        changed = True
    if not changed:
        if move.progress is not None and status == RUNNING:
            progress_event = convert.event_message(job)
            progress_event.progress.CopyFrom(move.progress)
            outbox.add_event(connection, progress_event)
        elif move.usage is not None and job.status in job_states.TERMINAL:
            # A job that ended while it rendered (canceled): the renderer repeats its end with
            # what the render's LLM calls used, which the job keeps unless it has a usage already.
            spent = usage.record(job, move.usage)
            if spent:
                job_rows.save(connection, job, *spent)
        return job
    now = utcnow()
    if status == RUNNING and job.started_at is None:
        job.started_at = now
        fields.append("started_at")
    if status in (FAILED, CANCELED):
        error = move.error or _FAILED
        job.error_code, job.error_message = error.code, error.message
        job.finished_at = now
        fields += ["error_code", "error_message", "finished_at"]
        if move.usage is not None:
            fields += usage.record(job, move.usage)
    job.status, job.stage, job.updated_at = status, new_stage, now
    job_rows.save(connection, job, "status", "stage", "updated_at", *fields)
    event = convert.event_message(job)
    if move.progress is not None and status == RUNNING:  # e.g. a move to waiting says why
        event.progress.CopyFrom(move.progress)
    outbox.add_event(connection, event)
    if status != RUNNING:  # a running or a woken job's slot freed
        inflight.wake(connection, job.tenant, inflight_cap)
    return job


def cancel(connection: Connection, tenant: str, job_id: str, *, inflight_cap: int) -> Job:
    inflight.lock_tenant(connection, tenant)
    job = job_rows.get(connection, tenant, job_id, for_update=True)
    if job.status in job_states.TERMINAL:
        return job
    now = utcnow()
    job.status, job.updated_at, job.finished_at = CANCELED, now, now
    job.error_code, job.error_message = "canceled", "the job was canceled by the client"
    job_rows.save(connection, job, "status", "updated_at", "finished_at", "error_code", "error_message")
    outbox.add_event(connection, convert.event_message(job))
    inflight.wake(connection, tenant, inflight_cap)  # a running or a woken job's slot freed
    return job


def complete(
    connection: Connection,
    tenant: str,
    job_id: str,
    report: NewReport,
    spent: Usage | None = None,
    *,
    inflight_cap: int,
) -> tuple[Job, str, bool]:
    """(the job, its report's id, whether this call stored it). A job that has already succeeded
    keeps the report it has. The slot it frees wakes a parked job (`inflight_cap`)."""
    inflight.lock_tenant(connection, tenant)
    job = job_rows.get(connection, tenant, job_id, for_update=True)
    if job.status == SUCCEEDED and job.report_id is not None:
        return job, job.report_id, False
    if job.status != RUNNING:
        raise _illegal(job, f"job is {job.status}; it cannot succeed")
    if report.document is None or not report.entity_id:
        raise invalid("invalid_report", "a report needs its document and entity")
    now = utcnow()
    report_id = ids.new_id("rep")
    connection.execute(
        _ADD_REPORT,
        {
            "id": report_id,
            "tenant": job.tenant,
            "job_id": job.id,
            "media_id": job.media_id,
            "url_of_media": job.media_id,
            "template": job.template,
            "label": job.label,
            "entity_id": report.entity_id,
            "entity_label": report.entity_label,
            "document": report.document,
            "markdown": report.markdown,
            "evidence": report.evidence,
            "created_at": now,
            "expires_at": job.expires_at,
        },
    )
    job.status, job.stage, job.report_id = SUCCEEDED, "storing", report_id
    job.updated_at = job.finished_at = now
    spent_fields = usage.record(job, spent) if spent is not None else ()
    job_rows.save(connection, job, "status", "stage", "report_id", "updated_at", "finished_at", *spent_fields)
    outbox.add_event(connection, convert.event_message(job))
    inflight.wake(connection, job.tenant, inflight_cap)
    return job, report_id, True
