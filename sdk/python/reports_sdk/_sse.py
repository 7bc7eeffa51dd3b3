"""Server-sent events: the line protocol, the job status events in it, and reconnecting."""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass

from reports_sdk._base import BACKOFF_BASE_S, backoff
from reports_sdk.errors import (
    APIConnectionError,
    JobTimeout,
    RateLimited,
    ReportsError,
    ServiceUnavailable,
)
from reports_sdk.models import Job, JobEvent

RECONNECT_MAX_DELAY_S = 5.0


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None
    retry: int | None


class SSEDecoder:
    """Feeds on lines (without their line endings) and hands back each complete event,
    as the HTML spec's event-stream interpretation does."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        if line == "":
            if not self._data:
                self._event = ""
                return None
            event = ServerSentEvent(self._event or "message", "\n".join(self._data), self._id, self._retry)
            self._event, self._data = "", []
            return event
        if line.startswith(":"):
            return None  # a comment: the server's keep-alive ping
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\x00" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None


def job_event(sse: ServerSentEvent) -> JobEvent | None:
    """The status event an SSE event carries, or None for an event of another kind."""
    if sse.event not in ("status", "message"):
        return None
    try:
        data = json.loads(sse.data)
    except ValueError:
        return None
    if not isinstance(data, dict) or "status" not in data:
        return None
    event = JobEvent.from_json(data)
    event_id = int(sse.id) if sse.id is not None and sse.id.isdigit() else None
    return dataclasses.replace(event, id=event_id)


def event_from_job(job: Job) -> JobEvent:
    """A job's current state as an event without a stream id (when the stream cannot say it)."""
    data = {
        "jobId": job.job_id,
        "status": job.status,
        "stage": job.stage,
        "reportId": job.report_id,
        "error": job.raw.get("error"),
        "at": job.updated_at,
    }
    return JobEvent.from_json(data)


def retry_stream_after(error: ReportsError) -> bool:
    """Whether an event stream that failed this way is worth opening again."""
    return isinstance(error, (APIConnectionError, ServiceUnavailable, RateLimited))


class Reconnect:
    """Backoff between attempts to reopen a stream, for at most `budget` seconds of failures in a
    row, and never past the caller's deadline."""

    def __init__(self, budget: float, deadline: float | None) -> None:
        self.budget = budget
        self.deadline = deadline
        self.attempt = 0
        self.failing_since: float | None = None
        self.server_delay: float | None = None

    def healthy(self) -> None:
        self.attempt = 0
        self.failing_since = None

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def check_deadline(self) -> None:
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise JobTimeout("the job did not end within the timeout", code="timeout")

    def delay(self, error: Exception) -> float:
        """How long to wait before the next attempt; raises `error` once the budget is spent."""
        now = time.monotonic()
        if self.failing_since is None:
            self.failing_since = now
        if now - self.failing_since > self.budget:
            raise error
        self.check_deadline()
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        if self.attempt == 0 and retry_after is None:
            wait = min(self.server_delay / 1000, RECONNECT_MAX_DELAY_S) if self.server_delay else BACKOFF_BASE_S / 2
        else:
            wait = backoff(self.attempt, retry_after, cap=RECONNECT_MAX_DELAY_S)
        self.attempt += 1
        remaining = self.remaining()
        return wait if remaining is None else max(0.0, min(wait, remaining))
