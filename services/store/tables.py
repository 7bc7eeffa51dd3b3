"""The store's tables. Every row carries its tenant; every read filters by it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


def _when(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class MediaRow(SQLModel, table=True):
    __tablename__ = "media"
    __table_args__ = (Index("ix_media_tenant_id", "tenant", "id"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant: str = Field(max_length=128)
    title: str = Field(sa_column=Column(Text, nullable=False))
    url: str | None = Field(default=None, sa_column=Column(Text))
    duration_sec: float
    transcript_format: str = Field(max_length=32)
    segments: list[dict[str, Any]] = _json()
    created_at: datetime = _when()
    # When retention deletes it with everything made from it (null: kept until deleted).
    expires_at: datetime | None = _when(nullable=True, index=True)


class EntityRow(SQLModel, table=True):
    __tablename__ = "media_entities"

    media_id: str = Field(primary_key=True, foreign_key="media.id", max_length=64)
    id: str = Field(primary_key=True, max_length=256)
    tenant: str = Field(max_length=128)
    position: int
    label: str | None = Field(default=None, sa_column=Column(Text))
    description: str | None = Field(default=None, sa_column=Column(Text))
    analytics: dict[str, Any] = _json()


class JobRow(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_tenant_id", "tenant", "id"),
        Index("ix_jobs_tenant_status_id", "tenant", "status", "id"),
        # Counts the queue (status) and reads the latest durations (status, newest finished_at).
        Index("ix_jobs_status_finished", "status", "finished_at"),
        # GET /v1/usage: a tenant's jobs that ended in a time range.
        Index("ix_jobs_tenant_finished", "tenant", "finished_at"),
        # Fair dispatch (dispatch.py): the window's queued jobs, and each tenant's oldest undispatched one.
        Index("ix_jobs_dispatch", "status", "stage", "dispatched_at", "tenant", "id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    tenant: str = Field(max_length=128)
    media_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    stage: str = Field(max_length=16)
    label: str | None = Field(default=None, max_length=64)
    entity_label: str | None = Field(default=None, max_length=64)
    template: str = Field(max_length=64)
    template_params: dict[str, Any] = _json()
    target: dict[str, Any] = _json()
    webhook: dict[str, Any] | None = _json(nullable=True)
    # Where delivery of the webhook stands (services/store/webhooks.py); null without a webhook.
    webhook_state: dict[str, Any] | None = _json(nullable=True)
    resolution: dict[str, Any] | None = _json(nullable=True)
    report_id: str | None = Field(default=None, max_length=64)
    error_code: str | None = Field(default=None, max_length=64)
    error_message: str | None = Field(default=None, sa_column=Column(Text))
    idempotency_key: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _when()
    updated_at: datetime = _when()
    started_at: datetime | None = _when(nullable=True)
    finished_at: datetime | None = _when(nullable=True, index=True)
    expires_at: datetime | None = _when(nullable=True)  # its media's
    # Its report was deleted (DELETE /v1/reports/{id}); the job stays with report_id null.
    report_deleted: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # What its LLM calls used (JobUsage), summed over attempts; null until it ends after calling one.
    usage_input_tokens: int | None = Field(default=None, sa_column=Column(BigInteger))
    usage_output_tokens: int | None = Field(default=None, sa_column=Column(BigInteger))
    usage_attempts: int | None = Field(default=None, sa_column=Column(Integer))
    usage_provider: str | None = Field(default=None, max_length=16)
    usage_model: str | None = Field(default=None, max_length=128)
    usage_cost_usd: float | None = Field(default=None, sa_column=Column(Float))
    usage_calls: list[dict[str, str]] | None = _json(nullable=True)  # [{provider, model, outcome}, ...]
    # When its render command was written (dispatch.py); null while it waits its turn in the store.
    dispatched_at: datetime | None = _when(nullable=True)
    # The request that created it, carried by its render command whenever it is dispatched.
    request_id: str | None = Field(default=None, sa_column=Column(Text))


class ReportRow(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("job_id", name="uq_reports_job_id"),
        Index("ix_reports_tenant_id", "tenant", "id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    tenant: str = Field(max_length=128)
    job_id: str = Field(max_length=64)
    media_id: str = Field(max_length=64)
    media_url: str | None = Field(default=None, sa_column=Column(Text))
    template: str = Field(max_length=64)
    label: str | None = Field(default=None, max_length=64)
    entity_id: str = Field(max_length=256)
    entity_label: str | None = Field(default=None, sa_column=Column(Text))
    document: dict[str, Any] = _json()
    markdown: str = Field(sa_column=Column(Text, nullable=False))
    evidence: dict[str, Any] | None = _json(nullable=True)
    created_at: datetime = _when()
    expires_at: datetime | None = _when(nullable=True)  # its media's


class IdempotencyRow(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    tenant: str = Field(primary_key=True, max_length=128)
    key: str = Field(primary_key=True, max_length=512)
    fingerprint: str = Field(max_length=128)
    job_id: str = Field(max_length=64)
    created_at: datetime = _when(index=True)
    # What the first request was told, so that a replay answers the same (null on older rows).
    estimated_wait_sec: float | None = None


class TenantQueueRow(SQLModel, table=True):
    """How many jobs each tenant has queued, for its queued cap (quotas.py). Kept by triggers on
    `jobs` (migration 0007); the store only reads it."""

    __tablename__ = "tenant_queues"

    tenant: str = Field(primary_key=True, max_length=128)
    queued: int


class OutboxRow(SQLModel, table=True):
    """A message to publish to JetStream once its transaction has committed."""

    __tablename__ = "outbox"

    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    id: str = Field(unique=True, max_length=64)
    subject: str = Field(max_length=256)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    headers: dict[str, str] = _json()
    created_at: datetime = _when()
    sent_at: datetime | None = _when(nullable=True, index=True)


class PromptRow(SQLModel, table=True):
    __tablename__ = "prompt_versions"

    name: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    labels: list[str] = _json()
    system: str = Field(sa_column=Column(Text, nullable=False))
    instructions: str = Field(sa_column=Column(Text, nullable=False))
    variables: list[dict[str, Any]] = _json()
    created_at: datetime = _when()


class AuditRow(SQLModel, table=True):
    """One deletion, by request or by retention: what, how much went with it, by which key."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_id", "tenant", "id"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant: str = Field(max_length=128)
    action: str = Field(max_length=32)  # delete
    object_type: str = Field(max_length=16)  # media | job | report
    object_id: str = Field(max_length=64)
    reason: str = Field(max_length=16)  # request | retention
    api_key_id: str | None = Field(default=None, max_length=64)  # the key's id, never the key
    derived: dict[str, int] = _json()  # {"jobs": 2, "reports": 1, ...} deleted with it
    created_at: datetime = _when()


def _table(model: type[SQLModel]) -> Table:
    """The model's table as SQLAlchemy Core sees it."""
    name = model.__tablename__
    assert isinstance(name, str)
    return model.metadata.tables[name]


# The tables as SQLAlchemy Core sees them: the store queries these (the classes above only define them).
MEDIA = _table(MediaRow)
ENTITIES = _table(EntityRow)
JOBS = _table(JobRow)
REPORTS = _table(ReportRow)
IDEMPOTENCY_KEYS = _table(IdempotencyRow)
TENANT_QUEUES = _table(TenantQueueRow)
OUTBOX = _table(OutboxRow)
PROMPTS = _table(PromptRow)
AUDIT = _table(AuditRow)
