"""What each job's LLM calls used: kept on the job's row when it ends, read back with it.

The renderer counts the tokens (as each provider's answers counted them), the attempts and the
cost at its price table, and sends the sum with the job's end (`CompleteJob`, or `TransitionJob`
to failed); for a job that ended while it rendered (a client canceled it), with a repeat of that
end (`TransitionJob` to canceled). A job keeps the first usage it was given: a repeated completion
or failure (a redelivered command whose end is already stored) changes nothing.

`summary` answers GET /v1/usage: a tenant's jobs that ended in a time range, summed by day or model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection

from services.common.rpc_errors import invalid
from services.store.commands import Usage
from services.store.records import Job
from services.store.tables import JOBS

FIELDS = (
    "usage_input_tokens",
    "usage_output_tokens",
    "usage_attempts",
    "usage_provider",
    "usage_model",
    "usage_cost_usd",
    "usage_calls",
)
_PROVIDER_CHARS, _MODEL_CHARS, _OUTCOME_CHARS, _CALLS = 16, 128, 64, 100


def record(job: Job, usage: Usage) -> tuple[str, ...]:
    """Sets the job's usage unless it has one; the fields to save."""
    if job.usage_attempts is not None:
        return ()
    job.usage_input_tokens = max(0, usage.input_tokens)
    job.usage_output_tokens = max(0, usage.output_tokens)
    job.usage_attempts = max(0, usage.attempts)
    job.usage_provider = usage.provider[:_PROVIDER_CHARS]
    job.usage_model = usage.model[:_MODEL_CHARS]
    job.usage_cost_usd = max(0.0, usage.cost_usd)
    job.usage_calls = [
        {
            "provider": c["provider"][:_PROVIDER_CHARS],
            "model": c["model"][:_MODEL_CHARS],
            "outcome": c["outcome"][:_OUTCOME_CHARS],
        }
        for c in usage.calls[:_CALLS]
    ]
    return FIELDS


GROUPS = ("day", "model")


@dataclass(frozen=True, slots=True)
class UsageSum:
    """What a group of jobs used (a day's, a model's, or all of them: group "")."""

    group: str
    jobs: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


def summary(
    connection: Connection, tenant: str, start: datetime, end: datetime, group_by: str
) -> tuple[list[UsageSum], UsageSum]:
    """The tenant's jobs that ended in [start, end) having called the LLM: per UTC day or per
    model (in order), and in all. Read through the (tenant, finished_at) index."""
    if group_by not in GROUPS:
        raise invalid("invalid_group_by", f"group_by must be one of {', '.join(GROUPS)}")
    key = _day(connection) if group_by == "day" else func.coalesce(JOBS.c.usage_model, "")
    sums = (
        func.count().label("jobs"),
        func.coalesce(func.sum(JOBS.c.usage_input_tokens), 0).label("input_tokens"),
        func.coalesce(func.sum(JOBS.c.usage_output_tokens), 0).label("output_tokens"),
        func.coalesce(func.sum(JOBS.c.usage_cost_usd), 0.0).label("cost_usd"),
    )
    query = (
        select(key.label("group"), *sums)
        .where(
            JOBS.c.tenant == tenant,
            JOBS.c.finished_at >= start,
            JOBS.c.finished_at < end,
            JOBS.c.usage_attempts.is_not(None),
        )
        .group_by(key)
        .order_by(key)
    )
    groups = [
        UsageSum(
            group=row.group,
            jobs=row.jobs,
            input_tokens=int(row.input_tokens),
            output_tokens=int(row.output_tokens),
            cost_usd=float(row.cost_usd),
        )
        for row in connection.execute(query)
    ]  # PostgreSQL sums bigints as numeric
    total = UsageSum(
        group="",
        jobs=sum(g.jobs for g in groups),
        input_tokens=sum(g.input_tokens for g in groups),
        output_tokens=sum(g.output_tokens for g in groups),
        cost_usd=sum(g.cost_usd for g in groups),
    )
    return groups, total


def _day(connection: Connection) -> ColumnElement[str]:
    """The UTC day a job ended, YYYY-MM-DD: SQLite keeps UTC times as text, PostgreSQL as timestamptz."""
    if connection.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", JOBS.c.finished_at), "YYYY-MM-DD")
    return func.substr(JOBS.c.finished_at, 1, 10)
