"""The store keeps its data across restarts and enforces the job lifecycle."""

from __future__ import annotations

import grpc
import pytest

from reports.v1 import job_pb2, store_pb2, store_pb2_grpc
from services.common import grpc_server
from services.common.rpc_errors import from_rpc_error
from services.store import app as store_app
from tests.integration.helpers import complete_job
from tests.integration.store.test_outbox import _created, _job_request, _media
from tests.support.stores import store_settings


async def test_a_restarted_store_keeps_media_and_jobs(database_url, nats_server):
    first = await store_app.start(store_settings(database_url, nats_server.url))
    channel = grpc_server.channel(f"127.0.0.1:{first.port}")
    stub = store_pb2_grpc.StoreStub(channel)
    media_id = await _media(stub)
    job = await _created(stub, _job_request(media_id))
    await channel.close()
    await first.stop()

    second = await store_app.start(store_settings(database_url, nats_server.url))
    channel = grpc_server.channel(f"127.0.0.1:{second.port}")
    try:
        stub = store_pb2_grpc.StoreStub(channel)
        again = await stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job.id))
        assert (again.id, again.media_id, again.status) == (job.id, media_id, job_pb2.JOB_STATUS_QUEUED)
        media = await stub.GetMedia(store_pb2.GetMediaRequest(tenant="t", media_id=media_id))
        assert [e.id for e in media.entities] == ["ana", "ben"]
        prompt = await stub.GetPrompt(store_pb2.GetPromptRequest(name="sales_playbook", label="production"))
        assert prompt.version == 1
    finally:
        await channel.close()
        await second.stop()


def _move(job_id: str, status: int, stage: int = 0) -> store_pb2.TransitionJobRequest:
    return store_pb2.TransitionJobRequest(tenant="t", job_id=job_id, status=status, stage=stage)


async def test_an_illegal_transition_is_failed_precondition(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.TransitionJob(_move(job.id, job_pb2.JOB_STATUS_CANCELED))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await store_stub.TransitionJob(_move(job.id, job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RESOLVING))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert from_rpc_error(raised.value).code == "illegal_transition"


async def test_repeating_a_transition_is_a_no_op_so_renderers_can_retry(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    running = _move(job.id, job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING)
    first = await store_stub.TransitionJob(running)
    again = await store_stub.TransitionJob(running)
    assert first.updated_at == again.updated_at
    assert (again.status, again.stage) == (job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING)


async def test_a_running_job_cannot_go_back_to_queued(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.TransitionJob(_move(job.id, job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RESOLVING))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await store_stub.TransitionJob(_move(job.id, job_pb2.JOB_STATUS_QUEUED, job_pb2.JOB_STAGE_QUEUED))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_canceled_job_never_gets_a_report(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    await store_stub.TransitionJob(_move(job.id, job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STAGE_RENDERING))
    await store_stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=job.id))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await complete_job(store_stub, "t", job.id)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_completing_a_job_twice_keeps_one_report(store_stub):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    first = await complete_job(store_stub, "t", job.id)
    second = await complete_job(store_stub, "t", job.id, start=False)
    assert first == second
    reports = await store_stub.ListReports(store_pb2.ListReportsRequest(tenant="t"))
    assert [r.id for r in reports.items] == [first]


def test_the_latest_durations_are_read_through_the_status_finished_index(tmp_path):
    from services.store import migrate, wait
    from services.store.db import create_db_engine

    engine = create_db_engine(f"sqlite:///{tmp_path / 'reports.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        # the estimate's "latest succeeded durations" reads the index in order: no sort of the history
        query = wait.latest_durations_query().compile(engine, compile_kwargs={"literal_binds": True})
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}").fetchall()
    details = " ".join(row[-1] for row in plan)
    assert "ix_jobs_status_finished" in details and "TEMP B-TREE" not in details, details
    engine.dispose()
