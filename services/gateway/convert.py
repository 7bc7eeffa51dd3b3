"""Protobuf messages → the JSON clients see, and request JSON → protobuf."""

from __future__ import annotations

from typing import Any

from reports.v1 import job_pb2, media_pb2, report_pb2, resolver_pb2, store_pb2, target_pb2
from services.common.report_codec import document_to_json
from services.common.timeutil import iso
from services.domain import job_states


def _optional(message: Any, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


def target_message(target: dict[str, Any]) -> target_pb2.Target:
    message = target_pb2.Target(strategy=target["strategy"], on_miss=target.get("on_miss", "error"))
    for name in ("entity_id", "hint"):
        if target.get(name) is not None:
            setattr(message, name, target[name])
    timerange = target.get("timerange")
    if timerange is not None:
        message.timerange.SetInParent()
        for name in ("start_seconds", "end_seconds"):
            if timerange.get(name) is not None:
                setattr(message.timerange, name, float(timerange[name]))
    return message


def target_json(target: target_pb2.Target) -> dict[str, Any]:
    timerange = None
    if target.HasField("timerange"):
        timerange = {
            "start_seconds": _optional(target.timerange, "start_seconds"),
            "end_seconds": _optional(target.timerange, "end_seconds"),
        }
    return {
        "strategy": target.strategy,
        "on_miss": target.on_miss,
        "entity_id": _optional(target, "entity_id"),
        "hint": _optional(target, "hint"),
        "timerange": timerange,
    }


def error_json(job_or_event: job_pb2.Job | job_pb2.JobEvent) -> dict[str, str] | None:
    if not job_or_event.HasField("error"):
        return None
    return {"code": job_or_event.error.code, "message": job_or_event.error.message}


def job_json(job: job_pb2.Job) -> dict[str, Any]:
    resolution = None
    if job.HasField("resolution"):
        r = job.resolution
        resolution = {
            "entityId": r.entity_id,
            "entityLabel": _optional(r, "entity_label"),
            "strategy": r.strategy,
            "fellBack": r.fell_back,
            "confidence": round(r.confidence, 4),
            "reason": r.reason,
        }
    return {
        "jobId": job.id,
        "status": job_states.status_name(job.status),
        "stage": job_states.stage_name(job.stage),
        "label": _optional(job, "label"),
        "mediaId": job.media_id,
        "template": job.template,
        "target": target_json(job.target),
        "createdAt": iso(job.created_at),
        "updatedAt": iso(job.updated_at),
        "reportId": _optional(job, "report_id"),
        "error": error_json(job),
        "resolution": resolution,
        "webhook": webhook_json(job),
        "reportDeleted": job.report_deleted,
        "expiresAt": iso(job.expires_at) if job.HasField("expires_at") else None,
        "usage": usage_json(job.usage) if job.HasField("usage") else None,
    }


def usage_json(usage: job_pb2.JobUsage) -> dict[str, Any]:
    return {
        "inputTokens": usage.input_tokens,
        "outputTokens": usage.output_tokens,
        "attempts": usage.attempts,
        "provider": usage.provider,
        "model": usage.model,
        "costUsd": round(usage.cost_usd, 6),
        "calls": [{"provider": c.provider, "model": c.model, "outcome": c.outcome} for c in usage.calls],
    }


def usage_figures_json(group: store_pb2.UsageGroup) -> dict[str, Any]:
    """GET /v1/usage: what the jobs of a day or model (or all of them) used."""
    return {
        "jobs": group.jobs,
        "inputTokens": group.input_tokens,
        "outputTokens": group.output_tokens,
        "costUsd": round(group.cost_usd, 6),
    }


def webhook_json(job: job_pb2.Job) -> dict[str, Any] | None:
    """Where delivery of the job's webhook stands; never the custom header values."""
    if not job.HasField("webhook"):
        return None
    state = job.webhook_state
    return {
        "url": job.webhook.url,
        "status": state.status or "pending",
        "attempts": state.attempts,
        "lastStatusCode": _optional(state, "last_status_code"),
        "lastError": _optional(state, "last_error"),
        "nextAttemptAt": iso(state.next_attempt_at) if state.HasField("next_attempt_at") else None,
    }


def event_json(event: job_pb2.JobEvent) -> dict[str, Any]:
    return {
        "jobId": event.job_id,
        "status": job_states.status_name(event.status),
        "stage": job_states.stage_name(event.stage),
        "reportId": _optional(event, "report_id"),
        "error": error_json(event),
        "at": iso(event.at),
        "progress": progress_json(event.progress) if event.HasField("progress") else None,
    }


def progress_json(progress: job_pb2.JobProgress) -> dict[str, Any]:
    return {
        "outputTokens": progress.output_tokens,
        "waitingSec": _optional(progress, "waiting_sec"),
        "waitingReason": _optional(progress, "waiting_reason"),
    }


def analytics_json(a: media_pb2.SpeakerAnalytics) -> dict[str, Any]:
    return {
        "speakingSec": round(a.speaking_sec, 3),
        "share": round(a.share, 4),
        "turns": a.turns,
        "words": a.words,
        "wordsPerMinute": round(a.words_per_minute, 1),
        "questions": a.questions,
        "longestMonologueSec": round(a.longest_monologue_sec, 3),
        "interruptions": a.interruptions,
        "meanTurnSec": round(a.mean_turn_sec, 3),
    }


def entity_json(entity: media_pb2.Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        "label": _optional(entity, "label"),
        "description": _optional(entity, "description"),
        **analytics_json(entity.analytics),
    }


def media_json(media: media_pb2.Media) -> dict[str, Any]:
    return {
        "mediaId": media.id,
        "title": media.title,
        "url": _optional(media, "url"),
        "durationSec": round(media.duration_sec, 3),
        "transcriptFormat": media.transcript_format,
        "createdAt": iso(media.created_at),
        "entities": [entity_json(e) for e in media.entities],
        "expiresAt": iso(media.expires_at) if media.HasField("expires_at") else None,
    }


def report_json(report: report_pb2.Report) -> dict[str, Any]:
    """The contract's report resource; optional strings are left out rather than null."""
    body: dict[str, Any] = {
        "id": report.id,
        "jobId": report.job_id,
        "createdAt": iso(report.created_at),
        "entity": {"id": report.entity.id, "label": _optional(report.entity, "label")},
        "media": {"mediaId": report.media_id},
        "output": {"template": report.template},
        "json": document_to_json(report.document),
        "markdown": report.markdown,
    }
    if report.HasField("media_url"):
        body["media"]["url"] = report.media_url
    if report.HasField("label"):
        body["label"] = report.label
    if report.HasField("expires_at"):
        body["expiresAt"] = iso(report.expires_at)
    return body


def audit_json(record: store_pb2.AuditRecord) -> dict[str, Any]:
    return {
        "auditId": record.id,
        "action": record.action,
        "objectType": record.object_type,
        "objectId": record.object_id,
        "reason": record.reason,
        "apiKeyId": _optional(record, "api_key_id"),
        "derived": dict(record.derived),
        "at": iso(record.created_at),
    }


def resolution_json(resolution: resolver_pb2.Resolution) -> dict[str, Any]:
    return {
        "entity": {"id": resolution.entity.id, "label": _optional(resolution.entity, "label")},
        "strategy": resolution.strategy,
        "fellBack": resolution.fell_back,
        "confidence": round(resolution.confidence, 4),
        "reason": resolution.reason,
        "evidence": [{"start": round(s.start, 3), "end": round(s.end, 3)} for s in resolution.spans],
    }


def evidence_json(report: report_pb2.Report) -> dict[str, Any]:
    evidence = report.evidence
    coverage = evidence.coverage
    return {
        "reportId": report.id,
        "entity": {"id": report.entity.id, "label": _optional(report.entity, "label")},
        "sections": [
            {
                "key": s.key,
                "status": s.status,
                "quotes": [{"text": q.text, "start": round(q.start, 3), "end": round(q.end, 3)} for q in s.quotes],
            }
            for s in evidence.sections
        ],
        "analytics": analytics_json(evidence.analytics),
        "coverage": {
            "targetSeconds": round(coverage.target_seconds, 1),
            "targetWords": coverage.target_words,
            "share": round(coverage.share, 4),
            "confidence": round(coverage.confidence, 4),
            "sufficient": coverage.sufficient,
            "note": _optional(coverage, "note"),
        },
    }
