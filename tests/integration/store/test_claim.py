"""A renderer's job in two store writes: the claim, which carries the resolution, and the completion
(and the older three: a claim without it, the move to rendering, the completion).

Events are counted in the outbox, where each is written with the change it announces.
"""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import select

from reports.v1 import job_pb2, report_pb2, store_pb2
from services.common import streams
from services.common.rpc_errors import from_rpc_error
from services.store.tables import OUTBOX
from tests.integration.helpers import complete_job
from tests.integration.store.test_outbox import _created, _job_request, _media


async def _events(store, job_id: str) -> list[job_pb2.JobEvent]:  # type: ignore[no-untyped-def]
    rows = await store.db.run(
        lambda c: c.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.subject == streams.event_subject(job_id)).order_by(OUTBOX.c.seq)
        ).all()
    )
    return [job_pb2.JobEvent.FromString(row.payload) for row in rows]


def _states(events: list[job_pb2.JobEvent]) -> list[tuple[int, int]]:
    return [(e.status, e.stage) for e in events]


def _claim(job_id: str, tenant: str = "t") -> store_pb2.ClaimJobRequest:
    return store_pb2.ClaimJobRequest(tenant=tenant, job_id=job_id)


async def test_a_claim_starts_the_job_and_answers_with_it_and_its_production_prompt(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    claimed = await store_stub.ClaimJob(_claim(job.id))
    assert (claimed.job.id, claimed.job.status, claimed.job.stage) == (
        job.id,
        job_pb2.JOB_STATUS_RUNNING,
        job_pb2.JOB_STAGE_RESOLVING,
    )
    assert claimed.job.target == job.target and claimed.job.media_id == job.media_id
    production = await store_stub.GetPrompt(store_pb2.GetPromptRequest(name=job.template, label="production"))
    assert claimed.prompt == production
    assert _states(await _events(store, job.id)) == [
        (job_pb2.JOB_STATUS_QUEUED, job_pb2.JOB_STAGE_QUEUED),
        (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RESOLVING),
    ]


RESOLUTION = job_pb2.JobResolution(
    entity_id="ana", entity_label="Ana", strategy="dominant", confidence=0.9, reason="most talk"
)


def _claim_resolved(job_id: str, resolution: job_pb2.JobResolution = RESOLUTION) -> store_pb2.ClaimJobRequest:
    request = _claim(job_id)
    request.resolution.CopyFrom(resolution)
    return request


async def test_a_claim_with_the_resolution_takes_the_queued_job_to_rendering_in_one_event(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    claimed = await store_stub.ClaimJob(_claim_resolved(job.id))
    assert (claimed.job.status, claimed.job.stage) == (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING)
    assert claimed.job.resolution == RESOLUTION and claimed.HasField("prompt")
    assert _states(await _events(store, job.id)) == [
        (job_pb2.JOB_STATUS_QUEUED, job_pb2.JOB_STAGE_QUEUED),
        (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING),
    ]
    stored = await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job.id))
    assert stored.resolution == RESOLUTION


async def test_a_redelivered_claim_with_the_same_resolution_adds_no_event(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.ClaimJob(_claim_resolved(job.id))
    before = await _events(store, job.id)
    again = await store_stub.ClaimJob(_claim_resolved(job.id))
    assert (again.job.status, again.job.stage) == (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING)
    assert await _events(store, job.id) == before


async def test_a_redelivered_claim_with_the_resolution_moves_a_job_claimed_before_it_to_rendering(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.ClaimJob(_claim(job.id))  # a renderer of the version before claimed it, then died
    again = await store_stub.ClaimJob(_claim_resolved(job.id))
    assert (again.job.status, again.job.stage, again.job.resolution) == (
        job_pb2.JOB_STATUS_RUNNING,
        job_pb2.JOB_STAGE_RENDERING,
        RESOLUTION,
    )
    assert _states(await _events(store, job.id)) == [
        (job_pb2.JOB_STATUS_QUEUED, job_pb2.JOB_STAGE_QUEUED),
        (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RESOLVING),
        (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING),
    ]


async def test_a_claim_with_the_resolution_of_a_canceled_job_records_nothing(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=job.id))
    claimed = await store_stub.ClaimJob(_claim_resolved(job.id))
    assert claimed.job.status == job_pb2.JOB_STATUS_CANCELED and not claimed.HasField("prompt")
    assert not claimed.job.HasField("resolution")
    assert [status for status, _ in _states(await _events(store, job.id))] == [
        job_pb2.JOB_STATUS_QUEUED,
        job_pb2.JOB_STATUS_CANCELED,
    ]


async def test_a_redelivered_claim_takes_the_running_job_as_it_stands_with_no_new_event(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    first = await store_stub.ClaimJob(_claim(job.id))
    resolution = job_pb2.JobResolution(entity_id="ana", strategy="dominant", confidence=0.9, reason="most talk")
    await store_stub.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="t",
            job_id=job.id,
            status=job_pb2.JOB_STATUS_RUNNING,
            stage=job_pb2.JOB_STAGE_RENDERING,
            resolution=resolution,
        )
    )
    before = await _events(store, job.id)

    again = await store_stub.ClaimJob(_claim(job.id))
    # The second renderer resolves again and records the same resolution: still no new event.
    await store_stub.TransitionJob(
        store_pb2.TransitionJobRequest(
            tenant="t",
            job_id=job.id,
            status=job_pb2.JOB_STATUS_RUNNING,
            stage=job_pb2.JOB_STAGE_RENDERING,
            resolution=resolution,
        )
    )

    assert (again.job.status, again.job.stage) == (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING)
    assert again.prompt == first.prompt
    assert await _events(store, job.id) == before
    assert _states(before)[-1] == (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING)


async def test_a_claim_of_a_canceled_job_answers_it_as_it_ended_without_a_prompt(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=job.id))
    claimed = await store_stub.ClaimJob(_claim(job.id))
    assert claimed.job.status == job_pb2.JOB_STATUS_CANCELED and not claimed.HasField("prompt")
    assert _states(await _events(store, job.id))[-1][0] == job_pb2.JOB_STATUS_CANCELED


async def test_a_claim_of_another_tenants_job_is_not_found(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await store_stub.ClaimJob(_claim(job.id, tenant="u"))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job.id))).status == (
        job_pb2.JOB_STATUS_QUEUED
    )


async def test_a_move_refused_because_the_job_ended_names_its_status(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.ClaimJob(_claim(job.id))
    await store_stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=job.id))
    for call in (
        store_stub.TransitionJob(
            store_pb2.TransitionJobRequest(
                tenant="t", job_id=job.id, status=job_pb2.JOB_STATUS_RUNNING, stage=job_pb2.JOB_STAGE_RENDERING
            )
        ),
        store_stub.CompleteJob(store_pb2.CompleteJobRequest(tenant="t", job_id=job.id, report=report_pb2.Report())),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call
        error = from_rpc_error(raised.value)
        assert (error.status, error.code, error.metadata) == (
            grpc.StatusCode.FAILED_PRECONDITION,
            "illegal_transition",
            {"status": "canceled"},
        )


async def test_completion_answers_with_the_report_id_only_and_commits_succeeded_with_its_event(store, store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    report_id = await complete_job(store_stub, "t", job.id)
    repeated = await store_stub.CompleteJob(store_pb2.CompleteJobRequest(tenant="t", job_id=job.id))
    assert (repeated.report_id, repeated.stored) == (report_id, False)
    assert [f.name for f, _ in repeated.ListFields()] == ["report_id"]
    events = await _events(store, job.id)
    assert [(e.status, e.report_id) for e in events][-1] == (job_pb2.JOB_STATUS_SUCCEEDED, report_id)
    assert [e.status for e in events].count(job_pb2.JOB_STATUS_SUCCEEDED) == 1
    stored = await store_stub.GetReportByJob(store_pb2.GetReportByJobRequest(tenant="t", job_id=job.id))
    assert stored.report.id == report_id and stored.job.status == job_pb2.JOB_STATUS_SUCCEEDED
