"""`Client` and `AsyncClient`, and their resources: `media`, `reports`, `jobs`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from reports_sdk import _calls as calls
from reports_sdk._base import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_S, STREAM_RECONNECT_BUDGET_S, Settings
from reports_sdk._calls import DateLike, SpeakersLike, TargetLike, WebhookLike
from reports_sdk._http import AsyncHTTP, SyncHTTP
from reports_sdk.handles import AsyncJobHandle, JobHandle
from reports_sdk.models import (
    AuditRecord,
    CreateReportJobResponse,
    Job,
    JobEvent,
    Media,
    Report,
    ReportEvidence,
    Resolution,
    Usage,
)
from reports_sdk.pagination import AsyncPager, Page, SyncPager

PathLike = str | os.PathLike[str]


def _created(response: httpx.Response) -> tuple[CreateReportJobResponse, bool]:
    replayed = response.headers.get("idempotent-replayed", "").lower() == "true"
    return CreateReportJobResponse.from_json(response.json()), replayed


class Client:
    """The Reports API. `base_url` and `api_key` default to `REPORTS_BASE_URL` and
    `REPORTS_API_KEY`; `timeout` is per request (seconds); `max_retries` bounds the retries of a
    request that failed in a way worth retrying."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        stream_reconnect_timeout: float = STREAM_RECONNECT_BUDGET_S,
        http_client: httpx.Client | None = None,
    ) -> None:
        settings = Settings.resolve(base_url, api_key, timeout, max_retries, stream_reconnect_timeout)
        self._http = SyncHTTP(settings, http_client)
        self.media = MediaResource(self)
        self.reports = ReportsResource(self)
        self.jobs = JobsResource(self)
        self.audit = AuditResource(self)

    @property
    def base_url(self) -> str:
        return self._http.settings.base_url

    def usage(self, from_: DateLike | None = None, to: DateLike | None = None, *, group_by: str = "day") -> Usage:
        """The tenant's LLM usage (jobs, tokens, cost) of jobs that ended in [from_, to): per UTC
        day (`group_by="day"`) or per model. `from_` and `to` are dates, datetimes (naive ones
        are UTC) or strings as the API takes them; by default the last 30 days."""
        return Usage.from_json(self._http.json(calls.usage(from_, to, group_by)))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class MediaResource:
    def __init__(self, client: Client) -> None:
        self._http = client._http

    def create(
        self,
        transcript: Any = None,
        *,
        format: str | None = None,
        speakers: SpeakersLike | None = None,
        title: str | None = None,
        url: str | None = None,
        retention_days: int | None = None,
        expires_at: str | None = None,
    ) -> Media:
        """Register a recording by its transcript: text (WebVTT, SRT, a JSON export) or decoded JSON
        (a list of `{speaker, start, end, text}` segments, a WhisperX/AssemblyAI/Deepgram object).
        Without `format` the API detects it. `speakers` names them: `{"ana": "Ana Ruiz"}`.
        `retention_days` or `expires_at` (RFC 3339): when it is deleted with all made from it."""
        return Media.from_json(
            self._http.json(calls.create_media(transcript, format, speakers, title, url, retention_days, expires_at))
        )

    def create_from_file(
        self,
        path: PathLike,
        *,
        speakers: SpeakersLike | None = None,
        title: str | None = None,
        format: str | None = None,
        url: str | None = None,
    ) -> Media:
        """Register a transcript file; its format comes from the extension or the content, and the
        title defaults to the file's name."""
        text, detected = calls.read_transcript_file(path)
        return self.create(
            text,
            format=format or detected,
            speakers=speakers,
            title=title if title is not None else os.path.basename(os.fspath(path)),
            url=url,
        )

    def get(self, media_id: str) -> Media:
        return Media.from_json(self._http.json(calls.get_media(media_id)))

    def list(self, *, page_size: int | None = None) -> SyncPager[Media]:
        """Every media, newest first, fetched a page at a time as you iterate."""
        return SyncPager(
            lambda cursor: Page.decode(self._http.json(calls.list_media(page_size, cursor)), Media.from_json)
        )

    def resolve(self, media_id: str, target: TargetLike) -> Resolution:
        """Which speaker `target` picks in this media, and why, without creating a job."""
        return Resolution.from_json(self._http.json(calls.resolve(media_id, target)))

    def delete(self, media_id: str) -> None:
        """Delete the media, its transcript, every job made from it and their reports."""
        self._http.request(calls.delete("media", media_id))


class ReportsResource:
    def __init__(self, client: Client) -> None:
        self._client = client
        self._http = client._http

    def create(
        self,
        *,
        media_id: str,
        template: str,
        target: TargetLike | None = None,
        label: str | None = None,
        entity_label: str | None = None,
        template_params: Mapping[str, Any] | None = None,
        webhook: WebhookLike | None = None,
        idempotency_key: str | None = None,
    ) -> JobHandle:
        """Start a report job; `target` defaults to the dominant speaker. Without an
        `idempotency_key` the SDK sets one, so a retried create never makes a second job."""
        call = calls.create_job(
            media_id=media_id,
            template=template,
            target=target,
            label=label,
            entity_label=entity_label,
            template_params=template_params,
            webhook=webhook,
            idempotency_key=idempotency_key,
        )
        created, replayed = _created(self._http.request(call))
        return JobHandle(self._client, created.job_id, status=created.status, created=created, replayed=replayed)

    def get(self, report_id: str) -> Report:
        return Report.from_json(self._http.json(calls.get_report(report_id)))

    def by_job(self, job_id: str) -> Report | None:
        """The job's report, or None until the job has succeeded."""
        body = self._http.json(calls.report_by_job(job_id))
        return None if body is None else Report.from_json(body)

    def evidence(self, report_id: str) -> ReportEvidence:
        """Per section, the target's own words that support it, with their times; and coverage."""
        return ReportEvidence.from_json(self._http.json(calls.report_evidence(report_id)))

    def list(self, *, page_size: int | None = None) -> SyncPager[Report]:
        return SyncPager(
            lambda cursor: Page.decode(self._http.json(calls.list_reports(page_size, cursor)), Report.from_json)
        )

    def delete(self, report_id: str) -> None:
        """Delete the report and its evidence; its job stays, with `report_deleted` set."""
        self._http.request(calls.delete("reports", report_id))


class JobsResource:
    def __init__(self, client: Client) -> None:
        self._client = client
        self._http = client._http

    def get(self, job_id: str, *, wait: int | None = None) -> Job:
        """The job; with `wait=N` (at most 60), once it has ended or after N seconds, whichever is first."""
        return Job.from_json(
            self._http.json(calls.get_job(job_id) if wait is None else calls.wait_for_job(job_id, wait))
        )

    def list(self, *, status: str | None = None, page_size: int | None = None) -> SyncPager[Job]:
        """Every job (of one status, if given), newest first, a page at a time as you iterate."""
        return SyncPager(
            lambda cursor: Page.decode(self._http.json(calls.list_jobs(status, page_size, cursor)), Job.from_json)
        )

    def cancel(self, job_id: str) -> Job:
        """A queued or running job becomes canceled; one that has ended comes back unchanged."""
        return Job.from_json(self._http.json(calls.cancel_job(job_id)))

    def handle(self, job_id: str) -> JobHandle:
        """A handle on an existing job, to stream or wait on it."""
        return JobHandle(self._client, job_id)

    def stream(self, job_id: str, *, last_event_id: int | None = None) -> Iterator[JobEvent]:
        return self.handle(job_id).stream(last_event_id=last_event_id)

    def redeliver_webhook(self, job_id: str) -> Job:
        """Send the ended job's last event to its webhook again."""
        return Job.from_json(self._http.json(calls.redeliver_webhook(job_id)))

    def delete(self, job_id: str) -> None:
        """Delete the job and its report (a running job is stopped first)."""
        self._http.request(calls.delete("jobs", job_id))


class AuditResource:
    def __init__(self, client: Client) -> None:
        self._http = client._http

    def list(self, *, page_size: int | None = None) -> SyncPager[AuditRecord]:
        """The tenant's deletions (by request or by retention), newest first."""
        return SyncPager(
            lambda cursor: Page.decode(self._http.json(calls.list_audit(page_size, cursor)), AuditRecord.from_json)
        )


class AsyncClient:
    """The Reports API for asyncio; the same methods as `Client`, awaited."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        stream_reconnect_timeout: float = STREAM_RECONNECT_BUDGET_S,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        settings = Settings.resolve(base_url, api_key, timeout, max_retries, stream_reconnect_timeout)
        self._http = AsyncHTTP(settings, http_client)
        self.media = AsyncMediaResource(self)
        self.reports = AsyncReportsResource(self)
        self.jobs = AsyncJobsResource(self)
        self.audit = AsyncAuditResource(self)

    @property
    def base_url(self) -> str:
        return self._http.settings.base_url

    async def usage(self, from_: DateLike | None = None, to: DateLike | None = None, *, group_by: str = "day") -> Usage:
        """The tenant's LLM usage (jobs, tokens, cost) of jobs that ended in [from_, to): per UTC
        day (`group_by="day"`) or per model. `from_` and `to` are dates, datetimes (naive ones
        are UTC) or strings as the API takes them; by default the last 30 days."""
        return Usage.from_json(await self._http.json(calls.usage(from_, to, group_by)))

    async def close(self) -> None:
        await self._http.close()

    aclose = close

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class AsyncMediaResource:
    def __init__(self, client: AsyncClient) -> None:
        self._http = client._http

    async def create(
        self,
        transcript: Any = None,
        *,
        format: str | None = None,
        speakers: SpeakersLike | None = None,
        title: str | None = None,
        url: str | None = None,
        retention_days: int | None = None,
        expires_at: str | None = None,
    ) -> Media:
        return Media.from_json(
            await self._http.json(
                calls.create_media(transcript, format, speakers, title, url, retention_days, expires_at)
            )
        )

    async def create_from_file(
        self,
        path: PathLike,
        *,
        speakers: SpeakersLike | None = None,
        title: str | None = None,
        format: str | None = None,
        url: str | None = None,
    ) -> Media:
        text, detected = calls.read_transcript_file(path)
        return await self.create(
            text,
            format=format or detected,
            speakers=speakers,
            title=title if title is not None else os.path.basename(os.fspath(path)),
            url=url,
        )

    async def get(self, media_id: str) -> Media:
        return Media.from_json(await self._http.json(calls.get_media(media_id)))

    def list(self, *, page_size: int | None = None) -> AsyncPager[Media]:
        async def fetch(cursor: str | None) -> Page[Media]:
            return Page.decode(await self._http.json(calls.list_media(page_size, cursor)), Media.from_json)

        return AsyncPager(fetch)

    async def resolve(self, media_id: str, target: TargetLike) -> Resolution:
        return Resolution.from_json(await self._http.json(calls.resolve(media_id, target)))

    async def delete(self, media_id: str) -> None:
        await self._http.request(calls.delete("media", media_id))


class AsyncReportsResource:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self._http = client._http

    async def create(
        self,
        *,
        media_id: str,
        template: str,
        target: TargetLike | None = None,
        label: str | None = None,
        entity_label: str | None = None,
        template_params: Mapping[str, Any] | None = None,
        webhook: WebhookLike | None = None,
        idempotency_key: str | None = None,
    ) -> AsyncJobHandle:
        call = calls.create_job(
            media_id=media_id,
            template=template,
            target=target,
            label=label,
            entity_label=entity_label,
            template_params=template_params,
            webhook=webhook,
            idempotency_key=idempotency_key,
        )
        created, replayed = _created(await self._http.request(call))
        return AsyncJobHandle(self._client, created.job_id, status=created.status, created=created, replayed=replayed)

    async def get(self, report_id: str) -> Report:
        return Report.from_json(await self._http.json(calls.get_report(report_id)))

    async def by_job(self, job_id: str) -> Report | None:
        body = await self._http.json(calls.report_by_job(job_id))
        return None if body is None else Report.from_json(body)

    async def evidence(self, report_id: str) -> ReportEvidence:
        return ReportEvidence.from_json(await self._http.json(calls.report_evidence(report_id)))

    def list(self, *, page_size: int | None = None) -> AsyncPager[Report]:
        async def fetch(cursor: str | None) -> Page[Report]:
            return Page.decode(await self._http.json(calls.list_reports(page_size, cursor)), Report.from_json)

        return AsyncPager(fetch)

    async def delete(self, report_id: str) -> None:
        await self._http.request(calls.delete("reports", report_id))


class AsyncJobsResource:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self._http = client._http

    async def get(self, job_id: str, *, wait: int | None = None) -> Job:
        """As `Client.jobs.get`."""
        return Job.from_json(
            await self._http.json(calls.get_job(job_id) if wait is None else calls.wait_for_job(job_id, wait))
        )

    def list(self, *, status: str | None = None, page_size: int | None = None) -> AsyncPager[Job]:
        async def fetch(cursor: str | None) -> Page[Job]:
            return Page.decode(await self._http.json(calls.list_jobs(status, page_size, cursor)), Job.from_json)

        return AsyncPager(fetch)

    async def cancel(self, job_id: str) -> Job:
        return Job.from_json(await self._http.json(calls.cancel_job(job_id)))

    def handle(self, job_id: str) -> AsyncJobHandle:
        return AsyncJobHandle(self._client, job_id)

    def stream(self, job_id: str, *, last_event_id: int | None = None) -> AsyncIterator[JobEvent]:
        return self.handle(job_id).stream(last_event_id=last_event_id)

    async def redeliver_webhook(self, job_id: str) -> Job:
        return Job.from_json(await self._http.json(calls.redeliver_webhook(job_id)))

    async def delete(self, job_id: str) -> None:
        await self._http.request(calls.delete("jobs", job_id))


class AsyncAuditResource:
    def __init__(self, client: AsyncClient) -> None:
        self._http = client._http

    def list(self, *, page_size: int | None = None) -> AsyncPager[AuditRecord]:
        async def fetch(cursor: str | None) -> Page[AuditRecord]:
            return Page.decode(await self._http.json(calls.list_audit(page_size, cursor)), AuditRecord.from_json)

        return AsyncPager(fetch)
