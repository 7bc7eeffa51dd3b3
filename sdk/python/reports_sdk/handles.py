"""A handle on one job: refresh it, stream its status events, wait for its report, cancel it."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import httpx

from reports_sdk import _calls as calls
from reports_sdk._base import STREAM_READ_TIMEOUT_S, connection_error
from reports_sdk._sse import Reconnect, SSEDecoder, event_from_job, job_event, retry_stream_after
from reports_sdk.errors import APIConnectionError, JobCanceled, JobFailed, ReportsError, retry_after_seconds
from reports_sdk.models import TERMINAL_STATUSES, CreateReportJobResponse, Job, JobEvent, Report

if TYPE_CHECKING:
    from reports_sdk.client import AsyncClient, Client

POLL_S = 1.0


def _read_timeout(reconnect: Reconnect) -> float:
    remaining = reconnect.remaining()
    return STREAM_READ_TIMEOUT_S if remaining is None else max(0.05, min(STREAM_READ_TIMEOUT_S, remaining))


def _wait_seconds(reconnect: Reconnect) -> int:
    """How long the next `Prefer: wait` asks for: the API's longest, or what is left of the timeout."""
    remaining = reconnect.remaining()
    return calls.MAX_WAIT_S if remaining is None else max(0, min(calls.MAX_WAIT_S, math.ceil(remaining)))


def _poll_delay(response: httpx.Response, reconnect: Reconnect) -> float:
    """Between two reads of a job when the API could not wait (no `Preference-Applied`)."""
    delay = retry_after_seconds(response) or POLL_S
    remaining = reconnect.remaining()
    return delay if remaining is None else max(0.0, min(delay, remaining))


def _ended_early() -> APIConnectionError:
    return APIConnectionError("the event stream ended before the job did", code="stream_ended")


def _failure(job: Job) -> JobFailed:
    return JobCanceled(job) if job.status == "canceled" else JobFailed(job)


class _EventLines:
    """One stream's SSE lines, over every connection it takes, as the job's events: none twice."""

    def __init__(self, reconnect: Reconnect, last_id: int | None) -> None:
        self.reconnect = reconnect
        self.last_id = last_id
        self._decoder = SSEDecoder()

    def connected(self) -> None:
        self._decoder = SSEDecoder()

    def feed(self, line: str) -> JobEvent | None:
        """The event this line completes, if it is one not seen yet."""
        if line:
            self.reconnect.healthy()
        sse = self._decoder.feed(line)
        if sse is None:
            return None
        if sse.retry:
            self.reconnect.server_delay = sse.retry
        event = job_event(sse)
        if event is None or (event.id is not None and self.last_id is not None and event.id <= self.last_id):
            return None
        if event.id is not None:
            self.last_id = event.id
        return event


class _HandleState:
    """What a handle knows of its job, from the create answer, refreshes and events."""

    def __init__(
        self, job_id: str, status: str | None, created: CreateReportJobResponse | None, replayed: bool
    ) -> None:
        self.id = job_id
        self.created = created
        self.replayed = replayed
        self.job: Job | None = None
        self.last_event: JobEvent | None = None
        self._status = status

    @property
    def job_id(self) -> str:
        """The job's id, named as `Job.job_id` names it (`id` is the same)."""
        return self.id

    @property
    def status(self) -> str | None:
        """The latest status seen (`queued`, `running`, `succeeded`, `failed`, `canceled`)."""
        return self._status

    @property
    def done(self) -> bool:
        return self._status in TERMINAL_STATUSES

    def _saw_job(self, job: Job) -> Job:
        self.job = job
        self._status = job.status
        return job

    def _saw_event(self, event: JobEvent) -> JobEvent:
        self.last_event = event
        self._status = event.status
        return event

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, status={self._status!r})"


class JobHandle(_HandleState):
    def __init__(
        self,
        client: Client,
        job_id: str,
        *,
        status: str | None = None,
        created: CreateReportJobResponse | None = None,
        replayed: bool = False,
    ) -> None:
        super().__init__(job_id, status, created, replayed)
        self._client = client

    def refresh(self) -> Job:
        return self._saw_job(self._client.jobs.get(self.id))

    def cancel(self) -> Job:
        return self._saw_job(self._client.jobs.cancel(self.id))

    def report(self) -> Report | None:
        """The report, or None while the job has not succeeded."""
        return self._client.reports.by_job(self.id)

    def stream(self, *, last_event_id: int | None = None) -> Iterator[JobEvent]:
        """The job's status events, from its current state to its end. A dropped connection is
        reopened with `Last-Event-ID` (with backoff, while the gateway restarts), so no event is
        missed or repeated."""
        return self._events(last_event_id, None)

    def wait(self, timeout: float | None = None) -> Report:
        """The report once the job has succeeded. Raises `JobFailed` (`JobCanceled`) if it ends
        otherwise, and `JobTimeout` after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self.done:
            self._until_ended(Reconnect(self._client._http.settings.stream_reconnect_timeout, deadline))
        if self._status != "succeeded":
            raise _failure(self.refresh())
        report = self._client.reports.by_job(self.id)
        if report is None:  # only if the report was removed after the job succeeded
            report_id = self.refresh().report_id
            if report_id is None:
                raise ReportsError(f"job {self.id} succeeded without a report", code="report_missing")
            report = self._client.reports.get(report_id)
        return report

    def _until_ended(self, reconnect: Reconnect) -> None:
        """Asks for the job with `Prefer: wait` until it has ended (one request a minute at most
        while it runs), riding out a restarting gateway as a stream does."""
        http = self._client._http
        while True:
            reconnect.check_deadline()
            try:
                response = http.request(calls.wait_for_job(self.id, _wait_seconds(reconnect)))
            except ReportsError as exc:
                if not retry_stream_after(exc):
                    raise
                time.sleep(reconnect.delay(exc))
                continue
            reconnect.healthy()
            if self._saw_job(Job.from_json(response.json())).done:
                return
            if not calls.wait_applied(response.headers):
                time.sleep(_poll_delay(response, reconnect))

    def _events(self, last_id: int | None, deadline: float | None) -> Iterator[JobEvent]:
        http = self._client._http
        reconnect = Reconnect(http.settings.stream_reconnect_timeout, deadline)
        lines = _EventLines(reconnect, last_id)
        path = calls.events_path(self.id)
        while True:
            reconnect.check_deadline()
            error: ReportsError | None = None
            try:
                with http.stream(path, lines.last_id, _read_timeout(reconnect)) as response:
                    lines.connected()
                    for line in response.iter_lines():
                        if (event := lines.feed(line)) is not None:
                            yield self._saw_event(event)
                            if event.done:
                                return
                        reconnect.check_deadline()
            except ReportsError as exc:
                if not retry_stream_after(exc):
                    raise
                error = exc
            except httpx.TransportError as exc:
                reconnect.check_deadline()
                error = connection_error(exc)
            if error is None:
                # The server ended the stream before the job's end: ask the job where it stands.
                try:
                    job = self.refresh()
                    if job.done:
                        yield self._saw_event(event_from_job(job))
                        return
                    error = _ended_early()
                except ReportsError as exc:
                    if not retry_stream_after(exc):
                        raise
                    error = exc
            time.sleep(reconnect.delay(error))


class AsyncJobHandle(_HandleState):
    def __init__(
        self,
        client: AsyncClient,
        job_id: str,
        *,
        status: str | None = None,
        created: CreateReportJobResponse | None = None,
        replayed: bool = False,
    ) -> None:
        super().__init__(job_id, status, created, replayed)
        self._client = client

    async def refresh(self) -> Job:
        return self._saw_job(await self._client.jobs.get(self.id))

    async def cancel(self) -> Job:
        return self._saw_job(await self._client.jobs.cancel(self.id))

    async def report(self) -> Report | None:
        return await self._client.reports.by_job(self.id)

    def stream(self, *, last_event_id: int | None = None) -> AsyncIterator[JobEvent]:
        """`async for event in job.stream()`: as `JobHandle.stream`."""
        return self._events(last_event_id, None)

    async def wait(self, timeout: float | None = None) -> Report:
        """As `JobHandle.wait`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self.done:
            await self._until_ended(Reconnect(self._client._http.settings.stream_reconnect_timeout, deadline))
        if self._status != "succeeded":
            raise _failure(await self.refresh())
        report = await self._client.reports.by_job(self.id)
        if report is None:
            report_id = (await self.refresh()).report_id
            if report_id is None:
                raise ReportsError(f"job {self.id} succeeded without a report", code="report_missing")
            report = await self._client.reports.get(report_id)
        return report

    async def _until_ended(self, reconnect: Reconnect) -> None:
        """As `JobHandle._until_ended`."""
        http = self._client._http
        while True:
            reconnect.check_deadline()
            try:
                response = await http.request(calls.wait_for_job(self.id, _wait_seconds(reconnect)))
            except ReportsError as exc:
                if not retry_stream_after(exc):
                    raise
                await asyncio.sleep(reconnect.delay(exc))
                continue
            reconnect.healthy()
            if self._saw_job(Job.from_json(response.json())).done:
                return
            if not calls.wait_applied(response.headers):
                await asyncio.sleep(_poll_delay(response, reconnect))

    async def _events(self, last_id: int | None, deadline: float | None) -> AsyncIterator[JobEvent]:
        http = self._client._http
        reconnect = Reconnect(http.settings.stream_reconnect_timeout, deadline)
        lines = _EventLines(reconnect, last_id)
        path = calls.events_path(self.id)
        while True:
            reconnect.check_deadline()
            error: ReportsError | None = None
            try:
                async with http.stream(path, lines.last_id, _read_timeout(reconnect)) as response:
                    lines.connected()
                    async for line in response.aiter_lines():
                        if (event := lines.feed(line)) is not None:
                            yield self._saw_event(event)
                            if event.done:
                                return
                        reconnect.check_deadline()
            except ReportsError as exc:
                if not retry_stream_after(exc):
                    raise
                error = exc
            except httpx.TransportError as exc:
                reconnect.check_deadline()
                error = connection_error(exc)
            if error is None:
                try:
                    job = await self.refresh()
                    if job.done:
                        yield self._saw_event(event_from_job(job))
                        return
                    error = _ended_early()
                except ReportsError as exc:
                    if not retry_stream_after(exc):
                        raise
                    error = exc
            await asyncio.sleep(reconnect.delay(error))
