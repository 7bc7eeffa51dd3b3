"""The store keeps a job's LLM usage with its end (completion or failure), once."""

from __future__ import annotations

from reports.v1 import job_pb2, store_pb2
from tests.integration.helpers import complete_job
from tests.integration.store.test_outbox import _job_request, _media

USAGE = job_pb2.JobUsage(input_tokens=5210, output_tokens=940, attempts=2, provider="openai",
                         model="gpt-6.1-sol-2026-09-29", cost_usd=0.01982)


async def _read(store_stub, job_id: str) -> job_pb2.Job:
    return await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job_id))


async def test_a_completed_job_keeps_the_usage_it_was_completed_with(store_stub):
    job = (await store_stub.CreateJob(_job_request(await _media(store_stub)))).job
    assert not (await _read(store_stub, job.id)).HasField("usage")

    await complete_job(store_stub, "t", job.id, usage=USAGE)
    await complete_job(store_stub, "t", job.id, start=False,
                       usage=job_pb2.JobUsage(input_tokens=1, attempts=1))   # a redelivered completion

    assert (await _read(store_stub, job.id)).usage == USAGE


async def test_a_failed_job_keeps_the_usage_it_failed_with(store_stub):
    job = (await store_stub.CreateJob(_job_request(await _media(store_stub)))).job
    await store_stub.TransitionJob(store_pb2.TransitionJobRequest(
        tenant="t", job_id=job.id, status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RENDERING))
    await store_stub.TransitionJob(store_pb2.TransitionJobRequest(
        tenant="t", job_id=job.id, status=job_pb2.JOB_STATUS_FAILED, usage=USAGE,
        error=job_pb2.JobError(code="llm_invalid_output", message="no valid report")))

    assert (await _read(store_stub, job.id)).usage == USAGE


async def test_a_job_completed_without_usage_has_none(store_stub):
    job = (await store_stub.CreateJob(_job_request(await _media(store_stub)))).job
    await complete_job(store_stub, "t", job.id)
    assert not (await _read(store_stub, job.id)).HasField("usage")
