"""Every API request as a `Call`, built once for the sync and the async client."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from reports_sdk._base import Call, Retry, segment
from reports_sdk.errors import ConfigurationError
from reports_sdk.models import Speaker, Target, Webhook

TargetLike = Target | Mapping[str, Any]
SpeakersLike = Mapping[str, str] | Iterable[Speaker | Mapping[str, Any]]
WebhookLike = Webhook | Mapping[str, Any] | str
DateLike = date | datetime | str

_EXTENSION_FORMATS = {".vtt": "webvtt", ".webvtt": "webvtt", ".srt": "srt"}
_SRT_START = re.compile(r"^\s*(\d+\s*\r?\n)?\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->", re.ASCII)


# media


def create_media(
    transcript: Any,
    format: str | None,
    speakers: SpeakersLike | None,
    title: str | None,
    url: str | None,
    retention_days: int | None = None,
    expires_at: str | None = None,
) -> Call:
    if transcript is None or transcript == "":
        raise ConfigurationError("transcript is required: text (WebVTT, SRT, JSON) or decoded JSON")
    body: dict[str, Any] = {"transcript": {"content": transcript}}
    if format:
        body["transcript"]["format"] = format
    if speakers:
        body["speakers"] = speaker_list(speakers)
    if title is not None:
        body["title"] = title
    if url is not None:
        body["url"] = url
    if retention_days is not None:
        body["retentionDays"] = retention_days
    if expires_at is not None:
        body["expiresAt"] = expires_at
    # No idempotency key exists for media: a retry after an ambiguous failure could register it twice.
    return Call("POST", "/v1/media", json=body, retry=Retry.NOT_SENT)


def speaker_list(speakers: SpeakersLike) -> list[dict[str, Any]]:
    """`{"ana": "Ana Ruiz"}`, `[Speaker(...)]` or `[{"id": ..., "label": ...}]` as the API's list."""
    if isinstance(speakers, Mapping):
        return [{"id": str(k), "label": str(v)} for k, v in speakers.items()]
    out = []
    for speaker in speakers:
        out.append(speaker.to_json() if isinstance(speaker, Speaker) else dict(speaker))
    return out


def read_transcript_file(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """The file's text and its format: from the extension (.vtt, .srt), from the content
    (a WEBVTT header, an SRT cue), or None for JSON and anything else, which the API detects."""
    file = Path(path)
    text = file.read_bytes().decode("utf-8")
    return text, _EXTENSION_FORMATS.get(file.suffix.lower()) or sniff_format(text)


def sniff_format(text: str) -> str | None:
    start = text.removeprefix("\ufeff").lstrip()
    if start.startswith("WEBVTT"):
        return "webvtt"
    if _SRT_START.match(start):
        return "srt"
    return None  # JSON exports (segments, WhisperX, AssemblyAI, Deepgram): the server tells them apart


def get_media(media_id: str) -> Call:
    return Call("GET", f"/v1/media/{segment(media_id)}")


def list_media(limit: int | None, cursor: str | None) -> Call:
    return Call("GET", "/v1/media", params=_page_params(limit, cursor))


def resolve(media_id: str, target: TargetLike) -> Call:
    return Call("POST", f"/v1/media/{segment(media_id)}/resolve", json=target_json(target))


# jobs and reports


def target_json(target: TargetLike | None) -> dict[str, Any]:
    if target is None:
        return Target.dominant().to_json()
    if isinstance(target, Target):
        return target.to_json()
    if isinstance(target, Mapping):
        return {"on_miss": "error", **target}
    raise ConfigurationError(f"target must be a Target or a mapping, not {type(target).__name__}")


def create_job(
    *,
    media_id: str,
    template: str,
    target: TargetLike | None,
    label: str | None,
    entity_label: str | None,
    template_params: Mapping[str, Any] | None,
    webhook: WebhookLike | None,
    idempotency_key: str | None,
) -> Call:
    output: dict[str, Any] = {"template": template}
    if template_params:
        output["templateParams"] = dict(template_params)
    body: dict[str, Any] = {
        "media": {"mediaId": media_id},
        "output": output,
        "target": target_json(target),
        # Always a key: a create retried after a lost answer replays the first job, never makes two.
        "idempotencyKey": idempotency_key or f"sdk-{uuid.uuid4()}",
    }
    if label is not None:
        body["label"] = label
    if entity_label is not None:
        body["entityLabel"] = entity_label
    if webhook is not None:
        body["webhook"] = webhook_json(webhook)
    return Call("POST", "/v1/reports/jobs", json=body, retry=Retry.SAFE)


def webhook_json(webhook: WebhookLike) -> dict[str, Any]:
    if isinstance(webhook, str):
        return {"url": webhook}
    if isinstance(webhook, Webhook):
        return webhook.to_json()
    return dict(webhook)


def get_job(job_id: str) -> Call:
    return Call("GET", f"/v1/jobs/{segment(job_id)}")


# The longest `Prefer: wait` the API honours, and the slack a held request gets on top of it.
MAX_WAIT_S = 60
WAIT_SLACK_S = 15.0


def wait_for_job(job_id: str, seconds: int) -> Call:
    """The job once it ends or `seconds` (at most 60) have passed, whichever is first (RFC 7240)."""
    seconds = max(0, min(MAX_WAIT_S, seconds))
    return Call(
        "GET", f"/v1/jobs/{segment(job_id)}", headers={"Prefer": f"wait={seconds}"}, timeout=seconds + WAIT_SLACK_S
    )


def wait_applied(headers: Any) -> bool:
    """Whether the answer to `wait_for_job` did wait (an older API, or one without NATS, does not)."""
    return "wait=" in headers.get("preference-applied", "")


def list_jobs(status: str | None, limit: int | None, cursor: str | None) -> Call:
    params = _page_params(limit, cursor)
    if status:
        params["status"] = status
    return Call("GET", "/v1/jobs", params=params)


def cancel_job(job_id: str) -> Call:
    # Cancelling twice is harmless: a job that has ended is returned unchanged.
    return Call("POST", f"/v1/jobs/{segment(job_id)}/cancel", retry=Retry.SAFE)


def redeliver_webhook(job_id: str) -> Call:
    return Call("POST", f"/v1/jobs/{segment(job_id)}/webhook/redeliver", retry=Retry.NOT_SENT)


def events_path(job_id: str) -> str:
    return f"/v1/jobs/{segment(job_id)}/events"


def get_report(report_id: str) -> Call:
    return Call("GET", f"/v1/reports/{segment(report_id)}")


def report_evidence(report_id: str) -> Call:
    return Call("GET", f"/v1/reports/{segment(report_id)}/evidence")


def report_by_job(job_id: str) -> Call:
    return Call("GET", f"/v1/reports/by-job/{segment(job_id)}")


def list_reports(limit: int | None, cursor: str | None) -> Call:
    return Call("GET", "/v1/reports", params=_page_params(limit, cursor))


def _page_params(limit: int | None, cursor: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if limit is not None:
        params["limit"] = str(limit)
    if cursor:
        params["cursor"] = cursor
    return params


# deletion and the audit log


def delete(collection: str, resource_id: str) -> Call:
    """DELETE /v1/{collection}/{id}. Never resent after an ambiguous failure: the retry of a delete
    that happened would answer 404."""
    return Call("DELETE", f"/v1/{collection}/{segment(resource_id)}", retry=Retry.NOT_SENT)


def list_audit(limit: int | None, cursor: str | None) -> Call:
    return Call("GET", "/v1/audit", params=_page_params(limit, cursor))


def usage(start: DateLike | None, end: DateLike | None, group_by: str) -> Call:
    params: dict[str, Any] = {"groupBy": group_by}
    if start is not None:
        params["from"] = _moment(start)
    if end is not None:
        params["to"] = _moment(end)
    return Call("GET", "/v1/usage", params=params)


def _moment(value: DateLike) -> str:
    """A date as YYYY-MM-DD; a datetime in RFC 3339 (a naive one is taken as UTC); a string as given."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
