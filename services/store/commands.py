"""What callers ask the store to write, as plain values: the servicer builds them from its requests
(convert.py), and the domain modules take them instead of request messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reports.v1 import job_pb2
from services.domain.prompt_seeds import PromptVariable

JobKey = tuple[str, str]  # (tenant, job id): the job a claim or a completion is about


@dataclass(frozen=True, slots=True)
class Speaker:
    """What the caller says about one of a transcript's speakers."""

    id: str
    label: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class NewMedia:
    tenant: str
    title: str
    transcript: str
    transcript_format: str | None = None  # None: detected from the transcript
    url: str | None = None
    speakers: list[Speaker] = field(default_factory=list)
    # When it expires: a time, or days from now, or the tenant's default days (at most one is given).
    expires_at: datetime | None = None
    retention_days: int | None = None
    default_retention_days: int | None = None


@dataclass(frozen=True, slots=True)
class NewJob:
    tenant: str
    media_id: str
    template: str
    template_params: dict[str, Any]
    target: dict[str, Any]
    label: str | None = None
    entity_label: str | None = None
    webhook: dict[str, Any] | None = None
    idempotency_key: str | None = None
    request_fingerprint: str = ""  # a digest of the request body, for idempotency conflicts
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class Usage:
    """What a job's LLM calls used, as the renderer counted them."""

    input_tokens: int = 0
    output_tokens: int = 0
    attempts: int = 0
    provider: str = ""
    model: str = ""
    cost_usd: float = 0.0
    calls: list[dict[str, str]] = field(default_factory=list)  # [{provider, model, outcome}, ...]


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Move:
    """A renderer's (or the lost-job sweep's) move of a job: a status and stage, and what comes with
    it. `progress` goes out as it came, in the event the move publishes."""

    status: str | None  # None: no status a job can be moved to
    stage: str | None = None  # None: the stage the status implies
    error: Failure | None = None
    resolution: dict[str, Any] | None = None
    progress: job_pb2.JobProgress | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class NewReport:
    entity_id: str
    document: dict[str, Any] | None  # None: the renderer sent none
    markdown: str
    entity_label: str | None = None
    evidence: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    event_id: str
    status: str  # delivered | pending | failed
    status_code: int | None = None
    error: str | None = None
    next_attempt_at: str | None = None  # ISO 8601, with a pending status


@dataclass(frozen=True, slots=True)
class NewPromptVersion:
    name: str
    system: str
    instructions: str
    variables: list[PromptVariable] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
