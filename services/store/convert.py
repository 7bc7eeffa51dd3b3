"""Records (records.py) to protobuf messages, and back where the store receives a message to keep."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

from reports.v1 import job_pb2, media_pb2, report_pb2, store_pb2, target_pb2
from services.common.timeutil import to_timestamp
from services.domain import job_states
from services.store import usage
from services.store.records import Audit, Entity, Job, Media, Prompt, Report


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


def stage_of(row: Job) -> int:
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
    spent = usage.message(row)
    if spent is not None:
        job.usage.CopyFrom(spent)
    return job


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
