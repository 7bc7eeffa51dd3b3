"""Running one job: resolve its target, claim it, write the report, complete it. Every step can be repeated.

Two calls reach the store for a job that succeeds, after the target is resolved in this process
(services/resolver/media_resolver.py: the render command carries the job's media and target; a
GetMedia first for a media this renderer has not resolved in lately): ClaimJob with the
resolution (queued to running at stage rendering, with the resolution and one event, answered with the job and its prompt; a job
canceled meanwhile comes back ended, so the claim is the cancellation check before the first LLM
call) and CompleteJob (report, succeeded and its event in one transaction). Before a retry of the
LLM call the move to rendering is repeated: a no-op for a job still running, the check for one that
has been canceled. The store names the status of a job that has ended in its refusal, so no call
reads the job back. A target that cannot be resolved fails the job after a claim without a
resolution (stage resolving), and a command written before commands carried the target is claimed
first and resolved after, as every job was before; a store older than the claim's resolution
(claimed at stage resolving) gets the move to rendering after the claim.

A redelivered job starts again from the top: the claim of a running job moves it to rendering (a
no-op when it is there with the same resolution), the store treats a repeated transition as a no-op
and keeps at most one report per job, so a worker that dies at any point leaves nothing twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import grpc
from google.protobuf import json_format

from reports.v1 import job_pb2, media_pb2, report_pb2, resolver_pb2, store_pb2, store_pb2_grpc
from services.common import tracing
from services.common.report_codec import document_from_json
from services.common.rpc_errors import ServiceError, from_rpc_error
from services.domain import job_states
from services.renderer.coverage import Coverage, CoverageRules, assess
from services.renderer.errors import InvalidRenderRequest, LlmEnded, LlmInvalidOutput, LlmUnavailable
from services.renderer.llm import Llm
from services.renderer.metrics import STAGE_SECONDS
from services.renderer.pipeline import WrittenReport, write_report
from services.renderer.progress import ProgressReporter
from services.renderer.prompt import EvidenceInput
from services.renderer.usage import PriceTable, UsageMeter
from services.resolver.media_resolver import MediaResolver

log = logging.getLogger(__name__)
_tracer = tracing.tracer("reports.renderer")

# Resolver answers that end a job rather than call for a retry.
FINAL_RESOLVER_CODES = {"target_not_found", "media_not_found", "invalid_target"}


class JobEnded(Exception):
    """The job ended (canceled, most likely) while this renderer worked on it."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Unresolvable(Exception):
    """The resolution's answer ends the job (FINAL_RESOLVER_CODES)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _not_started(job: job_pb2.Job) -> str | None:
    """Why a claimed job is not to be rendered by this command: its end, or `waiting` when its
    tenant's in-flight cap parked it (the command that wakes it will start it); None to render it."""
    if job.status in job_states.TERMINAL_VALUES:
        return job_states.status_name(job.status) or "unknown"
    if job.status == job_pb2.JOB_STATUS_QUEUED:
        log.info("job waits for its tenant's in-flight cap; command dropped", extra={"jobId": job.id})
        return job_states.WAITING
    return None


class Resolved(NamedTuple):
    resolution: resolver_pb2.Resolution
    recorded: job_pb2.JobResolution  # what the claim records of it


def _requested_label(asked: job_pb2.RenderCommand | job_pb2.Job) -> str | None:
    """The entity label the job was created with (its command carries it too)."""
    return asked.entity_label if asked.HasField("entity_label") else None


def _recorded(resolution: resolver_pb2.Resolution, requested_label: str | None) -> job_pb2.JobResolution:
    """The resolution as the job records it, labelled as the job asked, else as the transcript
    labels the resolved speaker."""
    recorded = job_pb2.JobResolution(
        entity_id=resolution.entity.id,
        strategy=resolution.strategy,
        fell_back=resolution.fell_back,
        confidence=resolution.confidence,
        reason=resolution.reason,
    )
    if requested_label is not None:
        recorded.entity_label = requested_label
    elif resolution.entity.HasField("label"):
        recorded.entity_label = resolution.entity.label
    return recorded


def ended_status(exc: grpc.aio.AioRpcError) -> str | None:
    """The status of a job that has ended, as the store names it in a refused move; None otherwise."""
    if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
        return None
    return from_rpc_error(exc).metadata.get("status") or "unknown"


def evidence_input(resolution: resolver_pb2.Resolution, entity_label: str | None) -> EvidenceInput:
    entity = resolution.entity
    return EvidenceInput(
        media_title=resolution.media_title,
        media_duration_sec=resolution.media_duration_sec,
        target_id=entity.id,
        target_label=entity_label,
        target_description=entity.description if entity.HasField("description") else None,
        analytics=json_format.MessageToDict(entity.analytics, preserving_proto_field_name=True),
        speakers=[
            {
                "id": e.id,
                "label": e.label if e.HasField("label") else None,
                "description": e.description if e.HasField("description") else None,
                **json_format.MessageToDict(e.analytics, preserving_proto_field_name=True),
            }
            for e in resolution.entities
        ],
        segments=[{"speaker": s.speaker, "start": s.start, "end": s.end, "text": s.text} for s in resolution.evidence],
    )


def report_evidence(written: WrittenReport, entity: media_pb2.Entity, coverage: Coverage) -> report_pb2.ReportEvidence:
    return report_pb2.ReportEvidence(
        sections=[
            report_pb2.SectionEvidence(
                key=support.key,
                status=support.status,
                quotes=[report_pb2.Quote(text=q.text, start=q.start, end=q.end) for q in support.quotes],
            )
            for support in written.evidence
        ],
        analytics=entity.analytics,
        coverage=report_pb2.Coverage(
            target_seconds=coverage.target_seconds,
            target_words=coverage.target_words,
            share=coverage.share,
            confidence=coverage.confidence,
            sufficient=coverage.sufficient,
            note=coverage.note,
        ),
    )


@dataclass
class JobRunner:
    store: store_pb2_grpc.StoreAsyncStub
    resolver: MediaResolver
    llm: Llm
    rpc_timeout_s: float = 10.0
    coverage_rules: CoverageRules = CoverageRules()
    progress_interval_s: float = 1.0  # the shortest gap between two progress events of a job
    prices: PriceTable = PriceTable()

    async def run(self, command: job_pb2.RenderCommand) -> str:
        """Takes the job as far as it goes; returns its final status. Raises on transient trouble."""
        md = (("x-request-id", command.request_id),) if command.request_id else ()
        resolved: Resolved | None = None
        if command.media_id:  # else a command written before commands carried the target: resolved after the claim
            try:
                resolved = await self._resolved(command, md)
            except Unresolvable as exc:
                return await self._claim_and_fail(command, md, exc)
        claimed = await self._claim(command, md, None if resolved is None else resolved.recorded)
        job = claimed.job
        ended = _not_started(job)
        if ended is not None:
            return ended
        if resolved is None:
            try:
                resolved = await self._resolved(job, md)
            except Unresolvable as exc:
                return await self._fail(job.tenant, job.id, exc.code, exc.message, md)
        resolution, recorded = resolved
        if job.stage != job_pb2.JOB_STAGE_RENDERING:  # claimed at resolving: with no resolution, or by an older store
            try:
                await self._rendering(job, md, recorded)
            except JobEnded as ended_job:
                return ended_job.status
        return await self._render(claimed, resolution, recorded, md)

    async def _claim_and_fail(self, command: job_pb2.RenderCommand, md: Any, unresolvable: Unresolvable) -> str:
        """A target that cannot be resolved: the job is claimed first, so that it fails where it
        stands (stage resolving), unless it has ended or is parked."""
        ended = _not_started((await self._claim(command, md)).job)
        if ended is not None:
            return ended
        return await self._fail(command.tenant, command.job_id, unresolvable.code, unresolvable.message, md)

    async def _claim(
        self, command: job_pb2.RenderCommand, md: Any, resolution: job_pb2.JobResolution | None = None
    ) -> store_pb2.ClaimJobResponse:
        request = store_pb2.ClaimJobRequest(tenant=command.tenant, job_id=command.job_id)
        if resolution is not None:
            request.resolution.CopyFrom(resolution)
        response: store_pb2.ClaimJobResponse = await self.store.ClaimJob(
            request, timeout=self.rpc_timeout_s, metadata=md
        )
        return response

    async def _resolved(self, asked: job_pb2.RenderCommand | job_pb2.Job, md: Any) -> Resolved:
        """The target `asked` names, resolved, and the record of it the claim keeps; Unresolvable
        when the answer ends the job."""
        stage_started = time.perf_counter()
        try:
            with tracing.span(_tracer, "resolve target"):
                resolution = await self.resolver.resolve(
                    asked.tenant, asked.media_id, asked.target, timeout_s=max(self.rpc_timeout_s, 30.0), metadata=md
                )
        except ServiceError as error:
            if error.code in FINAL_RESOLVER_CODES:
                raise Unresolvable(error.code, error.message) from None
            raise
        STAGE_SECONDS.labels("resolving").observe(time.perf_counter() - stage_started)
        return Resolved(resolution, _recorded(resolution, _requested_label(asked)))

    async def _render(
        self,
        claimed: store_pb2.ClaimJobResponse,
        resolution: resolver_pb2.Resolution,
        recorded: job_pb2.JobResolution,
        md: Any,
    ) -> str:
        """Writes the report of a job that is running at stage rendering, and completes the job."""
        job = claimed.job
        entity_label = recorded.entity_label if recorded.HasField("entity_label") else None
        calls = 0

        async def stop_if_ended() -> None:
            nonlocal calls
            calls += 1
            if calls > 1:  # the first call follows the claim or move to rendering, which checked already
                await self._rendering(job, md)

        params: dict[str, Any] = json_format.MessageToDict(job.template_params)
        evidence = evidence_input(resolution, entity_label)
        coverage = assess(
            entity_label or resolution.entity.id, evidence.analytics, resolution.confidence, self.coverage_rules
        )
        stage_started = time.perf_counter()

        async def send_progress(progress: job_pb2.JobProgress) -> None:
            await self.store.TransitionJob(
                store_pb2.TransitionJobRequest(
                    tenant=job.tenant,
                    job_id=job.id,
                    status=job_pb2.JOB_STATUS_RUNNING,
                    stage=job_pb2.JOB_STAGE_RENDERING,
                    progress=progress,
                ),
                timeout=self.rpc_timeout_s,
                metadata=md,
            )

        async def budget_wait(seconds: float | None, why: str) -> None:
            """The job's stage is `waiting` while it waits its turn in the provider budget. The move
            back to rendering when the turn comes is also the cancellation check before that call."""
            if seconds is None:
                await self._rendering(job, md)
                return
            request = store_pb2.TransitionJobRequest(
                tenant=job.tenant,
                job_id=job.id,
                status=job_pb2.JOB_STATUS_RUNNING,
                stage=job_pb2.JOB_STAGE_WAITING,
                progress=job_pb2.JobProgress(waiting_sec=round(seconds, 3), waiting_reason=why[:300]),
            )
            try:
                await self.store.TransitionJob(request, timeout=self.rpc_timeout_s, metadata=md)
            except grpc.aio.AioRpcError as exc:  # best effort, like progress: the report matters more
                log.warning("budget wait not recorded", extra={"jobId": job.id, "reason": exc.code().name})

        progress = ProgressReporter(send_progress, self.progress_interval_s)
        meter = UsageMeter(self.prices, job.tenant)
        try:
            try:
                written = await write_report(
                    self.llm,
                    claimed.prompt,
                    job.template,
                    evidence,
                    params,
                    before_call=stop_if_ended,
                    coverage_note=coverage.note,
                    on_progress=progress.tokens,
                    on_wait=progress.waiting,
                    on_usage=meter,
                    on_budget_wait=budget_wait,
                )
            finally:  # no progress event may follow the job's next one
                await progress.aclose()
        except JobEnded as ended:
            log.debug("job ended before an LLM call", extra={"jobId": job.id, "status": ended.status})
            return await keep_usage(
                self.store, job.tenant, job.id, ended.status, meter.message(), md, self.rpc_timeout_s
            )
        except LlmUnavailable as exc:
            return await self._fail(job.tenant, job.id, "llm_unavailable", str(exc), md, meter.message())
        except LlmEnded as exc:
            return await self._fail(job.tenant, job.id, exc.code, str(exc), md, meter.message())
        except LlmInvalidOutput as exc:
            return await self._fail(job.tenant, job.id, "llm_invalid_output", str(exc), md, meter.message())
        except InvalidRenderRequest as exc:
            return await self._fail(job.tenant, job.id, "invalid_request", str(exc), md)
        STAGE_SECONDS.labels("rendering").observe(time.perf_counter() - stage_started)
        stage_started = time.perf_counter()
        report = report_pb2.Report(
            entity=report_pb2.ReportEntity(id=resolution.entity.id),
            document=document_from_json(written.document),
            markdown=written.markdown,
            evidence=report_evidence(written, resolution.entity, coverage),
        )
        if entity_label is not None:
            report.entity.label = entity_label
        completion = store_pb2.CompleteJobRequest(tenant=job.tenant, job_id=job.id, report=report)
        spent = meter.message()
        if spent is not None:
            completion.usage.CopyFrom(spent)
        try:
            await self.store.CompleteJob(completion, timeout=self.rpc_timeout_s, metadata=md)
        except grpc.aio.AioRpcError as exc:
            status = ended_status(exc)
            if status is None:
                raise
            return await keep_usage(self.store, job.tenant, job.id, status, spent, md, self.rpc_timeout_s)
        STAGE_SECONDS.labels("storing").observe(time.perf_counter() - stage_started)
        return job_states.SUCCEEDED

    async def _rendering(self, job: job_pb2.Job, md: Any, resolution: job_pb2.JobResolution | None = None) -> None:
        """Moves the job to rendering (a no-op when it is there already); JobEnded if it has ended."""
        request = store_pb2.TransitionJobRequest(
            tenant=job.tenant, job_id=job.id, status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RENDERING
        )
        if resolution is not None:
            request.resolution.CopyFrom(resolution)
        try:
            await self.store.TransitionJob(request, timeout=self.rpc_timeout_s, metadata=md)
        except grpc.aio.AioRpcError as exc:
            status = ended_status(exc)
            if status is None:
                raise
            raise JobEnded(status) from None

    async def _fail(
        self, tenant: str, job_id: str, code: str, message: str, md: Any, usage: job_pb2.JobUsage | None = None
    ) -> str:
        log.info("job failed", extra={"jobId": job_id, "code": code})
        return await fail_job(self.store, tenant, job_id, code, message, md, self.rpc_timeout_s, usage)


async def fail_job(
    store: store_pb2_grpc.StoreAsyncStub,
    tenant: str,
    job_id: str,
    code: str,
    message: str,
    md: Any = (),
    timeout: float = 10.0,
    usage: job_pb2.JobUsage | None = None,
) -> str:
    """Marks the job failed, with what its LLM calls used; a job that already ended keeps its end."""
    request = store_pb2.TransitionJobRequest(
        tenant=tenant,
        job_id=job_id,
        status=job_pb2.JOB_STATUS_FAILED,
        error=job_pb2.JobError(code=code, message=message[:2000]),
    )
    if usage is not None:
        request.usage.CopyFrom(usage)
    try:
        await store.TransitionJob(request, timeout=timeout, metadata=md)
        return job_states.FAILED
    except grpc.aio.AioRpcError as exc:
        status = ended_status(exc)
        if status is None:
            raise
        return await keep_usage(store, tenant, job_id, status, usage, md, timeout)


async def keep_usage(
    store: store_pb2_grpc.StoreAsyncStub,
    tenant: str,
    job_id: str,
    status: str,
    usage: job_pb2.JobUsage | None,
    md: Any = (),
    timeout: float = 10.0,
) -> str:
    """`status`, that of a job that ended without this render; one that failed or was canceled while
    this render ran keeps what the render's LLM calls used (its end repeated with the usage: a no-op
    but for the usage)."""
    if usage is not None and status in (job_states.FAILED, job_states.CANCELED):
        try:
            await store.TransitionJob(
                store_pb2.TransitionJobRequest(
                    tenant=tenant, job_id=job_id, status=job_states.status_value(status), usage=usage
                ),
                timeout=timeout,
                metadata=md,
            )
        except grpc.aio.AioRpcError as exc:  # deleted meanwhile: nothing to keep it on
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
    return status
