"""What a delivery is: its body and headers, and what to do after each answer. No I/O here."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reports.v1 import job_pb2
from services.common.timeutil import iso
from services.domain import job_states
from services.gateway.convert import job_json
from services.webhooks import signing

# The Standard Webhooks schedule: after the first attempt, retry 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h and 10 h later.
DEFAULT_SCHEDULE_S = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
MAX_RETRY_AFTER_S = 24 * 3600.0
ERROR_LIMIT = 500

DELIVERED, PENDING, FAILED = "delivered", "pending", "failed"


def event_type(status: int) -> str:
    return f"report.job.{job_states.status_name(status)}"


def body(job: job_pb2.Job, event: job_pb2.JobEvent) -> bytes:
    """`{"type", "timestamp", "data"}`: data is the job resource as GET /v1/jobs/{jobId} shows it."""
    payload = {"type": event_type(event.status), "timestamp": iso(event.at), "data": job_json(job)}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def headers(
    key: bytes, event_id: str, timestamp: int, payload: bytes, custom: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The job's own headers, then ours: nothing of theirs can stand in for a signature."""
    ours = {
        "content-type": "application/json",
        "user-agent": "reports-webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(key, event_id, timestamp, payload),
    }
    theirs = [
        (name, value)
        for name, value in custom.items()
        if name.lower() not in ours and not name.lower().startswith("webhook-")
    ]
    return [*theirs, *ours.items()]


@dataclass(frozen=True)
class RetryPolicy:
    schedule_s: tuple[float, ...] = DEFAULT_SCHEDULE_S
    jitter: float = 0.1  # each delay grows by up to this fraction, never shrinks

    @property
    def attempts(self) -> int:
        return len(self.schedule_s) + 1

    def delay_after(
        self, attempt: int, retry_after_s: float | None = None, rand: Callable[[], float] = random.random
    ) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (1-based); None: give up."""
        if attempt > len(self.schedule_s):
            return None
        delay = self.schedule_s[attempt - 1] * (1.0 + self.jitter * rand())
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))
        return delay


@dataclass(frozen=True)
class Verdict:
    """What one answer (or its absence) means for the delivery."""

    status: str  # delivered | pending (retry) | failed (stop)
    status_code: int | None = None
    error: str | None = None
    retry_after_s: float | None = None


def judge(status_code: int, retry_after_s: float | None = None, location: str | None = None) -> Verdict:
    if 200 <= status_code < 300:
        return Verdict(DELIVERED, status_code)
    if status_code == 410:
        return Verdict(FAILED, status_code, "HTTP 410 Gone: the receiver asked for no more deliveries")
    if 300 <= status_code < 400:
        where = f" to {location}" if location else ""
        return Verdict(PENDING, status_code, f"HTTP {status_code}: redirect{where} not followed")
    honoured = retry_after_s if status_code in (429, 503) else None
    return Verdict(PENDING, status_code, f"HTTP {status_code}", honoured)


def trim(error: str | None) -> str | None:
    return None if error is None else error[:ERROR_LIMIT]
