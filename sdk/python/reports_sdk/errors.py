"""Typed errors: one class per kind of failure, all of them `ReportsError`.

The API answers every error with `{"error": {"code", "message", "details": [{"path", "message"}]}}`;
`from_response` turns that into the matching class, keeping the request id the gateway sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from reports_sdk.models import Job


@dataclass(frozen=True)
class ErrorDetail:
    """One invalid field: its JSON pointer (`/target/entity_id`, `?limit`) and what is wrong."""

    path: str
    message: str


class ReportsError(Exception):
    """Anything the SDK raises. `status` is the HTTP status, or None when there was no answer."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "error",
        details: list[ErrorDetail] | None = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = list(details or [])
        self.request_id = request_id
        self.response = response

    def __str__(self) -> str:
        where = f"{self.status} " if self.status is not None else ""
        text = f"{where}{self.code}: {self.message}"
        if self.request_id:
            text += f" (request {self.request_id})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class ConfigurationError(ReportsError, ValueError):
    """The client is missing something it needs (an API key) or was given a bad argument."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="configuration")


class InvalidRequest(ReportsError):
    """400 (and 413, 415, 422): the request is wrong; `details` names each invalid field."""

    @property
    def paths(self) -> list[str]:
        return [d.path for d in self.details]


class Unauthorized(ReportsError):
    """401: no API key, or one the API does not know."""


class PermissionDenied(ReportsError):
    """403."""


class NotFound(ReportsError):
    """404: no such resource for this API key's tenant."""


class Conflict(ReportsError):
    """409: e.g. `idempotency_conflict`, the same idempotency key with a different body."""


class RateLimited(ReportsError):
    """429. `retry_after` is the server's hint in seconds, when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def __str__(self) -> str:
        text = super().__str__()
        if self.retry_after is not None:
            text += f"; retry after {self.retry_after:g} s"
        return text


class ServerError(ReportsError):
    """500 and other 5xx the API does not expect callers to retry."""


class ServiceUnavailable(ServerError):
    """502, 503, 504: a backend is down or slow; retrying shortly usually works."""


class APIConnectionError(ReportsError):
    """No HTTP answer: the connection failed or broke."""


class APITimeoutError(APIConnectionError):
    """No HTTP answer in time."""


class JobFailed(ReportsError):
    """The job ended without a report. `code` is the job's stable error code (`llm_unavailable`,
    `target_not_found`, `canceled`, ...); `job` is the job as it ended."""

    def __init__(self, job: Job) -> None:
        error = job.error
        code = error.code if error is not None else job.status
        message = error.message if error is not None else f"job {job.job_id} ended {job.status}"
        super().__init__(message, code=code)
        self.job = job

    def __str__(self) -> str:
        return f"job {self.job.job_id} {self.job.status}: {self.code}: {self.message}"


class JobCanceled(JobFailed):
    """The job was canceled (its code is `canceled`)."""


class JobTimeout(ReportsError, TimeoutError):
    """`wait(timeout=...)` ran out before the job ended; the job goes on."""


def _status_class(status: int) -> type[ReportsError]:
    if status in (400, 413, 415, 422):
        return InvalidRequest
    if status in (502, 503, 504):
        return ServiceUnavailable
    return {401: Unauthorized, 403: PermissionDenied, 404: NotFound, 409: Conflict, 429: RateLimited}.get(
        status, ServerError if status >= 500 else ReportsError
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None  # an HTTP date: rare enough to fall back to our own backoff


def from_response(response: httpx.Response) -> ReportsError:
    """The typed error for a non-2xx response (whose body has been read)."""
    code, message, details = f"http_{response.status_code}", response.reason_phrase or "error", []
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or code)
        message = str(error.get("message") or message)
        details = [
            ErrorDetail(str(d.get("path", "")), str(d.get("message", "")))
            for d in error.get("details") or []
            if isinstance(d, dict)
        ]
    elif response.text.strip():
        message = response.text.strip()[:500]
    cls = _status_class(response.status_code)
    kwargs: dict[str, Any] = {
        "status": response.status_code,
        "code": code,
        "details": details,
        "request_id": response.headers.get("x-request-id"),
        "response": response,
    }
    if cls is RateLimited:
        kwargs["retry_after"] = retry_after_seconds(response)
    return cls(message, **kwargs)
