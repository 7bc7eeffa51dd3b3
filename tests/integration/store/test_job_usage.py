"""The store keeps a job's LLM usage with its end (completion or failure), once."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from reports.v1 import job_pb2, store_pb2
from services.common.timeutil import to_timestamp, utcnow
from tests.integration.helpers import complete_job
from tests.integration.store.test_outbox import _created, _job_request, _media

USAGE = job_pb2.JobUsage(
    input_tokens=5210,
    output_tokens=940,
    attempts=2,
    provider="openai",
    model="gpt-6.1-sol-2026-09-29",
    cost_usd=0.01982,
)


async def _read(store_stub, job_id: str) -> job_pb2.Job:
    return await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job_id))


async def test_a_completed_job_keeps_the_usage_it_was_completed_with(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    assert not (await _read(store_stub, job.id)).HasField("usage")

    await complete_job(store_stub, "t", job.id, usage=USAGE)
    await complete_job(
        store_stub, "t", job.id, start=False, usage=job_pb2.JobUsage(input_tokens=1, attempts=1)
    )  # a redelivered completion

    assert (await _read(store_stub, job.id)).usage == USAGE


async def test_a_failed_job_keeps_the_usage_it_failed_with(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="t", job_id=job.id, status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RENDERING
        )
    )
    await store_stub.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="t",
            job_id=job.id,
            status=job_pb2.JOB_STATUS_FAILED,
            usage=USAGE,
            error=job_pb2.JobError(code="llm_invalid_output", message="no valid report"),
        )
    )

    assert (await _read(store_stub, job.id)).usage == USAGE


async def test_a_job_completed_without_usage_has_none(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await complete_job(store_stub, "t", job.id)
    assert not (await _read(store_stub, job.id)).HasField("usage")


def _range(days: int = 1, group_by: str = "day", tenant: str = "t") -> store_pb2.GetUsageRequest:
    now = utcnow()
    return store_pb2.GetUsageRequest(
        tenant=tenant,
        start=to_timestamp(now - timedelta(days=days)),
        end=to_timestamp(now + timedelta(minutes=1)),
        group_by=group_by,
    )


async def _ended_with(store_stub, tenant: str, usage: job_pb2.JobUsage | None) -> job_pb2.Job:
    job = await _created(store_stub, _job_request(await _media(store_stub, tenant), tenant))
    await complete_job(store_stub, tenant, job.id, usage=usage)
    return await store_stub.GetJob(store_pb2.GetJobRequest(tenant=tenant, job_id=job.id))


async def test_usage_sums_a_tenants_ended_jobs_by_day_and_by_model(store_stub):
    other = job_pb2.JobUsage(
        input_tokens=100, output_tokens=10, attempts=1, provider="anthropic", model="claude-sonnet-5-5", cost_usd=0.0003
    )
    first = await _ended_with(store_stub, "t", USAGE)
    await _ended_with(store_stub, "t", USAGE)
    await _ended_with(store_stub, "t", other)
    await _ended_with(store_stub, "t", None)  # never called the LLM: not counted
    await _ended_with(store_stub, "someone-else", USAGE)  # another tenant's

    by_model = await store_stub.GetUsage(_range(group_by="model"))
    by_day = await store_stub.GetUsage(_range())

    assert [(g.group, g.jobs, g.input_tokens, g.output_tokens) for g in by_model.groups] == [
        ("claude-sonnet-5-5", 1, 100, 10),
        ("gpt-6.1-sol-2026-09-29", 2, 10420, 1880),
    ]
    assert by_model.groups[1].cost_usd == pytest.approx(2 * 0.01982)
    day = first.updated_at.ToDatetime().date().isoformat()
    assert [(g.group, g.jobs, g.input_tokens) for g in by_day.groups] == [(day, 3, 10520)]
    assert (by_day.total.jobs, by_day.total.input_tokens, by_day.total.output_tokens) == (3, 10520, 1890)
    assert by_day.total.cost_usd == pytest.approx(2 * 0.01982 + 0.0003)


async def test_usage_leaves_out_jobs_that_ended_outside_the_range(store_stub):
    await _ended_with(store_stub, "t", USAGE)
    later = utcnow() + timedelta(minutes=5)
    reply = await store_stub.GetUsage(
        store_pb2.GetUsageRequest(
            tenant="t", start=to_timestamp(later), end=to_timestamp(later + timedelta(days=1)), group_by="day"
        )
    )
    assert list(reply.groups) == [] and reply.total.jobs == 0


async def test_usage_refuses_an_unknown_grouping_or_a_reversed_range(store_stub):
    for request in (_range(group_by="tenant"), _range(days=-2)):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await store_stub.GetUsage(request)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_job_canceled_while_it_rendered_keeps_the_usage_its_end_is_repeated_with(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="t", job_id=job.id, status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RENDERING
        )
    )
    await store_stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=job.id))
    canceled = store_pb2.TransitionJobRequest(
        tenant="t", job_id=job.id, status=job_pb2.JOB_STATUS_CANCELED, usage=USAGE
    )

    await store_stub.TransitionJob(canceled)
    canceled.usage.input_tokens = 1
    again = await store_stub.TransitionJob(canceled)  # a redelivered render's repeat: the first usage stays

    assert again.usage == USAGE and again.status == job_pb2.JOB_STATUS_CANCELED
    assert again.error.code == "canceled"
