"""The Store gRPC service: translate requests, delegate to the domain modules, translate back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any, Protocol, TypeAlias, TypeVar

import grpc
from opentelemetry import trace
from prometheus_client import Counter
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from reports.v1 import job_pb2, media_pb2, report_pb2, store_pb2, store_pb2_grpc
from services.common import context as log_context
from services.common import cpu, tracing
from services.common.deadlines import Deadline
from services.common.rpc_errors import ServiceError, internal, invalid, status_message
from services.common.servicer import rpc
from services.common.tenant_limits import TenantLimits
from services.domain import job_states
from services.store import (
    audit,
    convert,
    create_batch,
    deletion,
    dispatch,
    inflight,
    job_rows,
    jobs,
    lost_jobs,
    media,
    outbox,
    prompts,
    reports,
    usage,
    webhooks,
)
from services.store.db import Database
from services.store.group_commit import (
    CLAIM_BATCH_SIZES,
    COMPLETION_BATCH_SIZES,
    GroupCommit,
    Outcomes,
    step_unknown,
)
from services.store.outbox import OutboxRelay
from services.store.prompt_cache import PromptCache
from services.store.records import Audit, Job
from services.store.wait import WaitEstimator

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M")
log = logging.getLogger(__name__)
Created = tuple[Job, bool, float]  # jobs.create: the job, whether it was a replay, its estimated wait
Claimed = tuple[Job, Any]  # jobs.claim: the job, its prompt row (None: the job is not to be rendered)
Completed = tuple[Job, str, bool]  # jobs.complete: the job, its report's id, whether this call stored it
# The store reads only its deadline (Deadline.of), which does not depend on the messages.
Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"
_tracer = tracing.tracer("reports.store")
JOB_STATES = Counter("store_job_states_total", "Jobs entering each status (every transition counts)", ["status"])


def _observe(job: Job, what: str, **extra: str) -> Job:
    """Counts the job's status; logs the step at DEBUG (the outbox event is the audit record),
    a failure at INFO."""
    JOB_STATES.labels(job.status).inc()
    log.log(
        logging.INFO if job.status == job_states.FAILED else logging.DEBUG,
        what,
        extra={"jobId": job.id, "tenant": job.tenant, "status": job.status, "stage": job.stage, **extra},
    )
    return job


def _span_of(request: store_pb2.CreateJobRequest) -> contextlib.AbstractContextManager[Any]:
    """A span for one create of a CreateJobs call, in the trace of the request it is for."""
    if not tracing.enabled() or not request.trace_context:
        return contextlib.nullcontext()
    return _tracer.start_as_current_span(
        "Store/CreateJob", kind=trace.SpanKind.SERVER, context=tracing.extract(dict(request.trace_context))
    )


def _readable(rows: Iterable[R], to_message: Callable[[R], M], kind: str) -> list[M]:
    """Each row as its message; a row that cannot be one is left out and reported, so one bad row
    never breaks a tenant's list."""
    messages = []
    for row in rows:
        try:
            messages.append(to_message(row))
        except Exception:
            log.exception("unreadable row left out of a list", extra={"kind": kind})
    return messages


class _Tenanted(Protocol):
    @property
    def tenant(self) -> str: ...


def _tenant(request: _Tenanted) -> str:
    if not request.tenant:
        raise invalid("missing_tenant", "tenant is required")
    return request.tenant


class StoreServicer(store_pb2_grpc.StoreServicer):
    def __init__(
        self,
        db: Database,
        relay: OutboxRelay | None,
        waits: WaitEstimator,
        *,
        retention_days: int | None = None,
        tenant_limits: TenantLimits | None = None,
        dispatch_window: int = 16,
    ) -> None:
        self._db = db
        self._window = dispatch_window
        self._limits = tenant_limits or TenantLimits()
        self._retention_days = retention_days
        self._relay = relay
        self._waits = waits
        self._prompts = PromptCache()
        self._creates: GroupCommit[Created] = GroupCommit(
            self._write_creates, self._create_alone, then=self._end_creates
        )
        # A claim leaves the window when it finds its job ended or parks it; a completion that
        # stored its report frees its job's place (one that had succeeded already held none).
        self._claims: GroupCommit[Claimed] = GroupCommit(
            self._write_pipelined,
            self._write_pipelined,
            then=self._filled_after(lambda claimed: _left_window(claimed[0])),
            prepare=lambda connection, keys: jobs.prepare_claims(
                connection, keys, lambda tenant: self._limits.of(tenant).inflight
            ),
            unknown=step_unknown("claim"),
            sizes=CLAIM_BATCH_SIZES,
        )
        self._completes: GroupCommit[Completed] = GroupCommit(
            self._write_pipelined,
            self._write_pipelined,
            then=self._filled_after(lambda completed: completed[2]),
            prepare=jobs.prepare_completions,
            unknown=step_unknown("completion"),
            sizes=COMPLETION_BATCH_SIZES,
        )

    async def drain(self) -> None:
        """Commits the creates, claims and completions queued or committing (the server has
        stopped taking calls)."""
        await asyncio.gather(self._creates.drain(), self._claims.drain(), self._completes.drain())

    async def _write(self, work: Callable[[Connection], T], *, pipelined: bool = False) -> T:
        """A write that may add outbox rows: they are handed to the relay once it has committed."""
        result, written = await self._db.run(outbox.collecting(work), pipelined=pipelined)
        if self._relay is not None:
            self._relay.hand(written)
        return result

    async def _write_pipelined(self, work: Callable[[Connection], T]) -> T:
        """`_write` in pipeline mode on PostgreSQL (db.PIPELINE): claims and completions, whose
        statements read only what decides the next one, and whose batches settle before they end."""
        return await self._write(work, pipelined=True)

    def _filling(
        self, work: Callable[[Connection], T], freed: Callable[[T], bool] = lambda _: True
    ) -> Callable[[Connection], T]:
        """`work`, then the dispatch window filled in the same transaction when its result says it
        may have freed a place or queued a job (dispatch.py)."""

        def then_fill(c: Connection) -> T:
            result = work(c)
            if freed(result):
                dispatch.fill(c, self._window)
            return result

        return then_fill

    def _waking(self, tenant: str, work: Callable[[Connection], T]) -> Callable[[Connection], T]:
        """`work` (a deletion), then the tenant's parked jobs woken into the slots it may have freed,
        and the dispatch window filled."""

        def then_wake(c: Connection) -> T:
            inflight.lock_tenant(c, tenant)
            result = work(c)
            inflight.wake(c, tenant, self._limits.of(tenant).inflight)
            return result

        return self._filling(then_wake)

    def fill_window(self, connection: Connection) -> int:
        """The dispatch window filled (dispatch.fill), in the caller's transaction."""
        return dispatch.fill(connection, self._window)

    async def wake_parked(self) -> int:
        """Wakes parked jobs that have a slot now (at start: caps may have been raised), and fills
        the dispatch window (it may have been widened)."""
        return await self._write(self._filling(lambda c: inflight.wake_all(c, lambda t: self._limits.of(t).inflight)))

    async def fail_lost_jobs(self, lost_after_s: float) -> int:
        """Fails running jobs unchanged for `lost_after_s` (lost_jobs.py), freeing their slots;
        dispatches anew the jobs whose command was lost, and fills the window."""

        def sweep(c: Connection) -> int:
            failed = lost_jobs.fail_lost(c, lost_after_s, lambda t: self._limits.of(t).inflight)
            dispatch.redispatch_lost(c, lost_after_s)
            return failed

        return await self._write(self._filling(sweep))

    async def _write_creates(self, creates: Callable[[Connection], T]) -> T:
        """A transaction of creates (a batch, or one alone), with the batch they write together."""
        return await self._write(create_batch.batched(creates))

    def _end_creates(self, connection: Connection, outcomes: Outcomes[Created]) -> None:
        """Creates (a batch, or one alone) end by writing their rows (create_batch.py), then filling
        the dispatch window if one queued a job."""
        create_batch.of(connection).write(connection)
        self._filled_after(_queued_a_job)(connection, outcomes)

    def _filled_after(self, freed: Callable[[T], bool]) -> Callable[[Connection, Outcomes[T]], None]:
        """A batch's closing step (group_commit.py): the dispatch window filled, once, when one of
        its results says it may have freed a place or queued a job; `_filling` for one write."""

        def fill_once(connection: Connection, outcomes: Outcomes[T]) -> None:
            if any(not isinstance(outcome, ServiceError) and freed(outcome) for outcome in outcomes):
                dispatch.fill(connection, self._window)

        return fill_once

    async def _create_alone(self, create: Callable[[Connection], Created]) -> Created:
        """One create in its own transaction (group_commit.py: when its batch failed together)."""
        try:
            return await self._write_creates(create)
        except IntegrityError:
            # A concurrent request with the same idempotency key committed first: replay it.
            return await self._write_creates(create)

    # media

    @rpc
    async def CreateMedia(self, request: store_pb2.CreateMediaRequest, context: Context) -> media_pb2.Media:
        _tenant(request)
        new = convert.new_media(request)
        # Parsing a transcript of many megabytes takes a while: on the bounded CPU pool, outside a
        # transaction, and it stops when the caller's deadline passes.
        expires_at = media.expiry(new, self._retention_days)
        row, entities = await cpu.run(media.prepare, new, Deadline.of(context))
        row.expires_at = expires_at
        row, entities = await self._db.run(lambda c: media.insert(c, row, entities))
        return convert.media_message(row, entities)

    @rpc
    async def GetMedia(self, request: store_pb2.GetMediaRequest, context: Context) -> media_pb2.Media:
        tenant = _tenant(request)
        row, entities = await self._db.run(lambda c: media.get(c, tenant, request.media_id))
        return convert.media_message(row, entities, with_segments=request.include_segments)

    @rpc
    async def ListMedia(self, request: store_pb2.ListMediaRequest, context: Context) -> store_pb2.ListMediaResponse:
        tenant = _tenant(request)
        items, cursor = await self._db.run(lambda c: media.list_page(c, tenant, request.limit, request.cursor))
        return store_pb2.ListMediaResponse(
            items=_readable(items, lambda item: convert.media_message(*item), "media"), next_cursor=cursor
        )

    # jobs

    @rpc
    async def CreateJob(self, request: store_pb2.CreateJobRequest, context: Context) -> store_pb2.CreateJobResponse:
        return await self._create(request)

    @rpc
    async def CreateJobs(self, request: store_pb2.CreateJobsRequest, context: Context) -> store_pb2.CreateJobsResponse:
        outcomes = await asyncio.gather(*(self._create_outcome(create) for create in request.creates))
        return store_pb2.CreateJobsResponse(outcomes=outcomes)

    async def _create_outcome(self, request: store_pb2.CreateJobRequest) -> store_pb2.CreateJobOutcome:
        """One create of a CreateJobs call, in its request's logging context and trace, answered on its own."""
        with log_context.bound(request_id=request.request_id, tenant=request.tenant), _span_of(request):
            try:
                return store_pb2.CreateJobOutcome(created=await self._create(request))
            except ServiceError as error:
                return store_pb2.CreateJobOutcome(error=status_message(error).SerializeToString())
            except Exception:  # this create's failure only: its batch-mates are answered (and committed)
                log.exception("unhandled error in CreateJobs")
                return store_pb2.CreateJobOutcome(error=status_message(internal()).SerializeToString())

    async def _create(self, request: store_pb2.CreateJobRequest) -> store_pb2.CreateJobResponse:
        cap = self._limits.of(_tenant(request)).queued
        new = convert.new_job(request)

        def create(c: Connection) -> Created:
            return jobs.create(c, create_batch.of(c), new, self._waits, self._prompts, queued_cap=cap)

        # committed with the creates arriving alongside (group_commit.py)
        job, replayed, wait = await self._creates.run(create, lock_key=new.tenant)
        if not replayed:
            self._waits.created()
            _observe(job, "job created")
        return store_pb2.CreateJobResponse(job_id=job.id, replayed=replayed, estimated_wait_sec=wait)

    @rpc
    async def GetJob(self, request: store_pb2.GetJobRequest, context: Context) -> job_pb2.Job:
        tenant = _tenant(request)
        return convert.job_message(await self._db.run(lambda c: job_rows.get(c, tenant, request.job_id)))

    @rpc
    async def ListJobs(self, request: store_pb2.ListJobsRequest, context: Context) -> store_pb2.ListJobsResponse:
        tenant = _tenant(request)
        status = job_states.status_name(request.status) if request.status else None
        rows, cursor = await self._db.run(lambda c: jobs.list_page(c, tenant, status, request.limit, request.cursor))
        return store_pb2.ListJobsResponse(items=_readable(rows, convert.job_message, "job"), next_cursor=cursor)

    @rpc
    async def ClaimJob(self, request: store_pb2.ClaimJobRequest, context: Context) -> store_pb2.ClaimJobResponse:
        tenant = _tenant(request)
        cap = self._limits.of(tenant).inflight
        resolution = convert.resolution(request)
        # committed with the claims arriving alongside (group_commit.py)
        job, prompt = await self._claims.run(
            lambda c: jobs.claim(c, tenant, request.job_id, inflight_cap=cap, resolution=resolution),
            lock_key=tenant,
            key=(tenant, request.job_id),
        )
        response = store_pb2.ClaimJobResponse(job=convert.job_message(_observe(job, "job claimed")))
        if prompt is not None:
            response.prompt.CopyFrom(convert.prompt_message(prompt))
        return response

    @rpc
    async def TransitionJob(self, request: store_pb2.TransitionJobRequest, context: Context) -> job_pb2.Job:
        tenant = _tenant(request)
        cap = self._limits.of(tenant).inflight
        move = convert.move(request)
        job = await self._write(
            self._filling(lambda c: jobs.transition(c, tenant, request.job_id, move, inflight_cap=cap), _left_window)
        )
        return convert.job_message(_observe(job, "job transition"))

    @rpc
    async def CompleteJob(
        self, request: store_pb2.CompleteJobRequest, context: Context
    ) -> store_pb2.CompleteJobResponse:
        tenant = _tenant(request)
        cap = self._limits.of(tenant).inflight
        report = convert.new_report(request.report)
        spent = convert.usage(request.usage) if request.HasField("usage") else None
        # committed with the completions arriving alongside (group_commit.py)
        job, report_id, stored_now = await self._completes.run(
            lambda c: jobs.complete(c, tenant, request.job_id, report, spent, inflight_cap=cap),
            lock_key=tenant,
            key=(tenant, request.job_id),
        )
        _observe(job, "job completed", reportId=report_id)
        return store_pb2.CompleteJobResponse(report_id=report_id, stored=stored_now)

    @rpc
    async def CancelJob(self, request: store_pb2.CancelJobRequest, context: Context) -> job_pb2.Job:
        tenant = _tenant(request)
        cap = self._limits.of(tenant).inflight
        return convert.job_message(
            _observe(
                await self._write(self._filling(lambda c: jobs.cancel(c, tenant, request.job_id, inflight_cap=cap))),
                "job cancel",
            )
        )

    # webhooks

    @rpc
    async def RecordWebhookAttempt(
        self, request: store_pb2.RecordWebhookAttemptRequest, context: Context
    ) -> job_pb2.Job:
        tenant = _tenant(request)
        attempt = convert.webhook_attempt(request)
        return convert.job_message(
            await self._db.run(lambda c: webhooks.record_attempt(c, tenant, request.job_id, attempt))
        )

    @rpc
    async def RedeliverWebhook(self, request: store_pb2.RedeliverWebhookRequest, context: Context) -> job_pb2.Job:
        tenant = _tenant(request)
        return convert.job_message(await self._write(lambda c: webhooks.redeliver(c, tenant, request.job_id)))

    # reports

    @rpc
    async def GetReport(self, request: store_pb2.GetReportRequest, context: Context) -> report_pb2.Report:
        tenant = _tenant(request)
        return convert.report_message(await self._db.run(lambda c: reports.get(c, tenant, request.report_id)))

    @rpc
    async def GetReportByJob(
        self, request: store_pb2.GetReportByJobRequest, context: Context
    ) -> store_pb2.GetReportByJobResponse:
        tenant = _tenant(request)
        job, report = await self._db.run(lambda c: reports.by_job(c, tenant, request.job_id))
        response = store_pb2.GetReportByJobResponse(job=convert.job_message(job))
        if report is not None:
            response.report.CopyFrom(convert.report_message(report))
        return response

    @rpc
    async def ListReports(
        self, request: store_pb2.ListReportsRequest, context: Context
    ) -> store_pb2.ListReportsResponse:
        tenant = _tenant(request)
        rows, cursor = await self._db.run(lambda c: reports.list_page(c, tenant, request.limit, request.cursor))
        return store_pb2.ListReportsResponse(
            items=_readable(rows, convert.report_message, "report"), next_cursor=cursor
        )

    # deletion and its audit log

    @rpc
    async def DeleteMedia(self, request: store_pb2.DeleteRequest, context: Context) -> store_pb2.DeleteResponse:
        tenant = _tenant(request)
        record = await self._write(
            self._waking(tenant, lambda c: deletion.delete_media(c, tenant, request.id, api_key_id=request.api_key_id))
        )
        return _deleted(record)

    @rpc
    async def DeleteJob(self, request: store_pb2.DeleteRequest, context: Context) -> store_pb2.DeleteResponse:
        tenant = _tenant(request)
        return _deleted(
            await self._write(
                self._waking(
                    tenant, lambda c: deletion.delete_job(c, tenant, request.id, api_key_id=request.api_key_id)
                )
            )
        )

    @rpc
    async def DeleteReport(self, request: store_pb2.DeleteRequest, context: Context) -> store_pb2.DeleteResponse:
        tenant = _tenant(request)
        return _deleted(
            await self._db.run(lambda c: deletion.delete_report(c, tenant, request.id, api_key_id=request.api_key_id))
        )

    @rpc
    async def ListAudit(self, request: store_pb2.ListAuditRequest, context: Context) -> store_pb2.ListAuditResponse:
        tenant = _tenant(request)
        rows, cursor = await self._db.run(lambda c: audit.list_page(c, tenant, request.limit, request.cursor))
        return store_pb2.ListAuditResponse(items=[convert.audit_message(r) for r in rows], next_cursor=cursor)

    @rpc
    async def GetUsage(self, request: store_pb2.GetUsageRequest, context: Context) -> store_pb2.GetUsageResponse:
        tenant = _tenant(request)
        start, end = request.start.ToDatetime(tzinfo=UTC), request.end.ToDatetime(tzinfo=UTC)
        if not request.HasField("start") or not request.HasField("end") or start > end:
            raise invalid("invalid_range", "start and end are required, start at or before end")
        groups, total = await self._db.run(lambda c: usage.summary(c, tenant, start, end, request.group_by))
        return store_pb2.GetUsageResponse(
            groups=[convert.usage_group_message(g) for g in groups], total=convert.usage_group_message(total)
        )

    # prompts

    @rpc
    async def GetPrompt(self, request: store_pb2.GetPromptRequest, context: Context) -> store_pb2.PromptVersion:
        row = await self._db.run(
            lambda c: prompts.get(c, request.name, label=request.label or "production", version=request.version)
        )
        return convert.prompt_message(row)

    @rpc
    async def CreatePromptVersion(
        self, request: store_pb2.CreatePromptVersionRequest, context: Context
    ) -> store_pb2.PromptVersion:
        new = convert.new_prompt_version(request)
        row = await self._db.run(lambda c: prompts.create_version(c, new))
        self._prompts.invalidate()
        return convert.prompt_message(row)

    @rpc
    async def SetPromptLabels(
        self, request: store_pb2.SetPromptLabelsRequest, context: Context
    ) -> store_pb2.PromptVersion:
        row = await self._db.run(lambda c: prompts.set_labels(c, request.name, request.version, list(request.labels)))
        self._prompts.invalidate()
        return convert.prompt_message(row)


def _queued_a_job(created: Created) -> bool:
    return not created[1]  # a replay queued nothing


def _left_window(job: Job) -> bool:
    """The job no longer holds a place in the dispatch window: it ended, or its claim parked it."""
    return job.status in job_states.TERMINAL or job.stage == job_states.WAITING


def _deleted(record: Audit) -> store_pb2.DeleteResponse:
    log.info(
        "deleted",
        extra={
            "tenant": record.tenant,
            "object": record.object_type,
            "objectId": record.object_id,
            "derived": record.derived,
        },
    )
    return store_pb2.DeleteResponse(audit=convert.audit_message(record))


def register(servicer: StoreServicer) -> Callable[[grpc.aio.Server], None]:
    return lambda server: store_pb2_grpc.add_StoreServicer_to_server(servicer, server)
