"""The store's one translation to and from protobuf: records (records.py) and sums to messages, and
requests to the plain values the domain modules take (commands.py)."""

from __future__ import annotations

from datetime import UTC
from typing import Any, Protocol

from google.protobuf import json_format, struct_pb2
from google.protobuf.message import Message

from reports.v1 import job_pb2, media_pb2, report_pb2, store_pb2, target_pb2
from services.common.timeutil import as_utc, to_timestamp
from services.domain import job_states
from services.domain.prompt_seeds import PromptVariable
from services.store.commands import (
    Failure,
    Move,
    NewJob,
    NewMedia,
    NewPromptVersion,
    NewReport,
    Speaker,
    Usage,
    WebhookAttempt,
)
from services.store.records import Audit, Entity, Job, Media, Prompt, Report
from services.store.usage import UsageSum


def analytics_message(values: dict[str, Any]) -> media_pb2.SpeakerAnalytics:
    return json_format.ParseDict(values, media_pb2.SpeakerAnalytics(), ignore_unknown_fields=True)


def entity_message(row: Entity) -> media_pb2.Entity:
    entity = media_pb2.Entity(id=row.id, analytics=analytics_message(row.analytics))
    if row.label is not None:
        entity.label = row.label
    if row.description is not None:
        entity.description = row.description
    return entity


def media_message(row: Media, entities: list[Entity], *, with_segments: bool = False) -> media_pb2.Media:
    media = media_pb2.Media(
        id=row.id,
        tenant=row.tenant,
        title=row.title,
        duration_sec=row.duration_sec,
        created_at=to_timestamp(row.created_at),
        entities=[entity_message(e) for e in sorted(entities, key=lambda e: e.position)],
        transcript_format=row.transcript_format,
    )
    if row.url is not None:
        media.url = row.url
    if row.expires_at is not None:
        media.expires_at.CopyFrom(to_timestamp(row.expires_at))
    if with_segments:
        media.segments.extend(media_pb2.Segment(**s) for s in row.segments)
    return media


def target_dict(target: target_pb2.Target) -> dict[str, Any]:
    return json_format.MessageToDict(target, preserving_proto_field_name=True)


def target_message(values: dict[str, Any]) -> target_pb2.Target:
    return json_format.ParseDict(values, target_pb2.Target())


def struct_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(value)


def stage_of(row: Job) -> job_pb2.JobStage:
    """A job's stage on the wire: where it is while it runs, or where it stopped when it failed or
    was canceled; none once it has succeeded (the last stage it went through is no news)."""
    if row.status == job_states.SUCCEEDED:
        return job_pb2.JOB_STAGE_UNSPECIFIED
    return job_states.stage_value(row.stage)


def job_message(row: Job) -> job_pb2.Job:
    job = job_pb2.Job(
        id=row.id,
        tenant=row.tenant,
        media_id=row.media_id,
        status=job_states.status_value(row.status),
        stage=stage_of(row),
        template=row.template,
        target=target_message(row.target),
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )
    job.template_params.update(row.template_params or {})
    for name in ("label", "entity_label", "report_id", "idempotency_key"):
        value = getattr(row, name)
        if value is not None:
            setattr(job, name, value)
    if row.webhook is not None:
        job.webhook.CopyFrom(json_format.ParseDict(row.webhook, job_pb2.Webhook()))
    if row.error_code is not None:
        job.error.CopyFrom(job_pb2.JobError(code=row.error_code, message=row.error_message or ""))
    if row.resolution is not None:
        job.resolution.CopyFrom(json_format.ParseDict(row.resolution, job_pb2.JobResolution()))
    if row.webhook_state is not None:
        job.webhook_state.CopyFrom(webhook_state_message(row.webhook_state))
    if row.expires_at is not None:
        job.expires_at.CopyFrom(to_timestamp(row.expires_at))
    job.report_deleted = bool(row.report_deleted)
    if row.usage_attempts is not None:
        job.usage.CopyFrom(usage_message(row))
    return job


class _Commanded(Protocol):
    """What a render command is made of: a job record, or the columns a dispatch query returns."""

    @property
    def id(self) -> str: ...
    @property
    def tenant(self) -> str: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def media_id(self) -> str: ...
    @property
    def target(self) -> dict[str, Any]: ...
    @property
    def entity_label(self) -> str | None: ...


def render_command(job: _Commanded) -> job_pb2.RenderCommand:
    """The job's render command, with what the renderer resolves before it claims the job."""
    command = job_pb2.RenderCommand(
        job_id=job.id,
        tenant=job.tenant,
        request_id=job.request_id or "",
        media_id=job.media_id,
        target=target_message(job.target),
    )
    if job.entity_label is not None:
        command.entity_label = job.entity_label
    return command


def usage_message(row: Job) -> job_pb2.JobUsage:
    return job_pb2.JobUsage(
        input_tokens=row.usage_input_tokens or 0,
        output_tokens=row.usage_output_tokens or 0,
        attempts=row.usage_attempts or 0,
        provider=row.usage_provider or "",
        model=row.usage_model or "",
        cost_usd=row.usage_cost_usd or 0.0,
        calls=[job_pb2.JobCall(**call) for call in row.usage_calls or ()],
    )


def usage_group_message(sums: UsageSum) -> store_pb2.UsageGroup:
    return store_pb2.UsageGroup(
        group=sums.group,
        jobs=sums.jobs,
        input_tokens=sums.input_tokens,
        output_tokens=sums.output_tokens,
        cost_usd=sums.cost_usd,
    )


def webhook_state_message(values: dict[str, Any]) -> job_pb2.WebhookState:
    """The stored state (snake_case JSON, `next_attempt_at` as ISO 8601) as a message."""
    state = job_pb2.WebhookState(status=values.get("status") or "pending", attempts=values.get("attempts") or 0)
    if values.get("last_status_code") is not None:
        state.last_status_code = int(values["last_status_code"])
    if values.get("last_error") is not None:
        state.last_error = values["last_error"]
    if values.get("next_attempt_at"):
        state.next_attempt_at.FromJsonString(values["next_attempt_at"])
    if values.get("event_id"):
        state.event_id = values["event_id"]
    return state


def event_message(row: Job) -> job_pb2.JobEvent:
    event = job_pb2.JobEvent(
        job_id=row.id,
        tenant=row.tenant,
        status=job_states.status_value(row.status),
        stage=stage_of(row),
        at=to_timestamp(row.updated_at),
        has_webhook=row.webhook is not None,
    )
    if row.report_id is not None:
        event.report_id = row.report_id
    if row.error_code is not None:
        event.error.CopyFrom(job_pb2.JobError(code=row.error_code, message=row.error_message or ""))
    return event


def document_dict(document: report_pb2.ReportDocument) -> dict[str, Any]:
    return json_format.MessageToDict(document, preserving_proto_field_name=True)


def report_message(row: Report) -> report_pb2.Report:
    report = report_pb2.Report(
        id=row.id,
        tenant=row.tenant,
        job_id=row.job_id,
        media_id=row.media_id,
        template=row.template,
        entity=report_pb2.ReportEntity(id=row.entity_id),
        markdown=row.markdown,
        created_at=to_timestamp(row.created_at),
    )
    report.document.CopyFrom(json_format.ParseDict(row.document, report_pb2.ReportDocument()))
    if row.evidence is not None:
        report.evidence.CopyFrom(json_format.ParseDict(row.evidence, report_pb2.ReportEvidence()))
    if row.entity_label is not None:
        report.entity.label = row.entity_label
    if row.media_url is not None:
        report.media_url = row.media_url
    if row.label is not None:
        report.label = row.label
    if row.expires_at is not None:
        report.expires_at.CopyFrom(to_timestamp(row.expires_at))
    return report


def audit_message(row: Audit) -> store_pb2.AuditRecord:
    record = store_pb2.AuditRecord(
        id=row.id,
        tenant=row.tenant,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        reason=row.reason,
        derived=row.derived,
        created_at=to_timestamp(row.created_at),
    )
    if row.api_key_id is not None:
        record.api_key_id = row.api_key_id
    return record


def prompt_message(row: Prompt) -> store_pb2.PromptVersion:
    return store_pb2.PromptVersion(
        name=row.name,
        version=row.version,
        labels=row.labels,
        system=row.system,
        instructions=row.instructions,
        variables=[json_format.ParseDict(v, store_pb2.PromptVariable()) for v in row.variables],
    )


# requests to commands


def _dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def new_media(request: store_pb2.CreateMediaRequest) -> NewMedia:
    return NewMedia(
        tenant=request.tenant,
        title=request.title,
        transcript=request.transcript.content,
        transcript_format=request.transcript.format or None,
        url=request.url if request.HasField("url") else None,
        speakers=[
            Speaker(
                id=speaker.id,
                label=speaker.label if speaker.HasField("label") else None,
                description=speaker.description if speaker.HasField("description") else None,
            )
            for speaker in request.speakers
        ],
        expires_at=as_utc(request.expires_at.ToDatetime(tzinfo=UTC)) if request.HasField("expires_at") else None,
        retention_days=request.retention_days if request.HasField("retention_days") else None,
        default_retention_days=request.default_retention_days if request.HasField("default_retention_days") else None,
    )


def new_job(request: store_pb2.CreateJobRequest) -> NewJob:
    return NewJob(
        tenant=request.tenant,
        media_id=request.media_id,
        template=request.template,
        template_params=struct_dict(request.template_params),
        target=target_dict(request.target),
        label=request.label if request.HasField("label") else None,
        entity_label=request.entity_label if request.HasField("entity_label") else None,
        webhook=_dict(request.webhook) if request.HasField("webhook") else None,
        idempotency_key=request.idempotency_key if request.HasField("idempotency_key") else None,
        request_fingerprint=request.request_fingerprint,
        request_id=request.request_id,
    )


def usage(message: job_pb2.JobUsage) -> Usage:
    return Usage(
        input_tokens=message.input_tokens,
        output_tokens=message.output_tokens,
        attempts=message.attempts,
        provider=message.provider,
        model=message.model,
        cost_usd=message.cost_usd,
        calls=[{"provider": c.provider, "model": c.model, "outcome": c.outcome} for c in message.calls],
    )


def move(request: store_pb2.TransitionJobRequest) -> Move:
    return Move(
        status=job_states.status_name(request.status),
        stage=job_states.stage_name(request.stage) if request.stage else None,
        error=Failure(request.error.code, request.error.message) if request.HasField("error") else None,
        resolution=_dict(request.resolution) if request.HasField("resolution") else None,
        progress=request.progress if request.HasField("progress") else None,
        usage=usage(request.usage) if request.HasField("usage") else None,
    )


def resolution(request: store_pb2.ClaimJobRequest) -> dict[str, Any] | None:
    return _dict(request.resolution) if request.HasField("resolution") else None


def new_report(report: report_pb2.Report) -> NewReport:
    return NewReport(
        entity_id=report.entity.id,
        entity_label=report.entity.label if report.entity.HasField("label") else None,
        document=document_dict(report.document) if report.HasField("document") else None,
        markdown=report.markdown,
        evidence=_dict(report.evidence) if report.HasField("evidence") else None,
    )


def webhook_attempt(request: store_pb2.RecordWebhookAttemptRequest) -> WebhookAttempt:
    return WebhookAttempt(
        event_id=request.event_id,
        status=request.status,
        status_code=request.status_code if request.HasField("status_code") else None,
        error=request.error if request.HasField("error") else None,
        next_attempt_at=request.next_attempt_at.ToJsonString() if request.HasField("next_attempt_at") else None,
    )


def new_prompt_version(request: store_pb2.CreatePromptVersionRequest) -> NewPromptVersion:
    return NewPromptVersion(
        name=request.name,
        system=request.system,
        instructions=request.instructions,
        variables=[
            PromptVariable(
                name=v.name,
                required=v.required,
                description=v.description,
                default=v.default if v.HasField("default") else None,
            )
            for v in request.variables
        ],
        labels=list(request.labels),
    )
