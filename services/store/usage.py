"""What each job's LLM calls used: kept on the job's row when it ends, read back with it.

The renderer counts the tokens (as each provider's answers counted them), the attempts and the
cost at its price table, and sends the sum with the job's end (`CompleteJob`, or `TransitionJob`
to failed). A job keeps the first usage it was given: a repeated completion or failure (a
redelivered command whose end is already stored) changes nothing.
"""

from __future__ import annotations

from reports.v1 import job_pb2
from services.store.job_rows import Job

FIELDS = ("usage_input_tokens", "usage_output_tokens", "usage_attempts", "usage_provider", "usage_model",
          "usage_cost_usd")
_PROVIDER_CHARS, _MODEL_CHARS = 16, 128


def record(job: Job, usage: job_pb2.JobUsage) -> tuple[str, ...]:
    """Sets the job's usage from the message unless it has one; the fields to save."""
    if job.usage_attempts is not None:
        return ()
    job.usage_input_tokens = max(0, usage.input_tokens)
    job.usage_output_tokens = max(0, usage.output_tokens)
    job.usage_attempts = max(0, usage.attempts)
    job.usage_provider = usage.provider[:_PROVIDER_CHARS]
    job.usage_model = usage.model[:_MODEL_CHARS]
    job.usage_cost_usd = max(0.0, usage.cost_usd)
    return FIELDS


def message(row: Job) -> job_pb2.JobUsage | None:
    if row.usage_attempts is None:
        return None
    return job_pb2.JobUsage(input_tokens=row.usage_input_tokens or 0, output_tokens=row.usage_output_tokens or 0,
                            attempts=row.usage_attempts, provider=row.usage_provider or "",
                            model=row.usage_model or "", cost_usd=row.usage_cost_usd or 0.0)
