"""A created job reaches JetStream exactly once, even when NATS comes up only afterwards."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import grpc
import nats
import pytest
from sqlalchemy import func, select, text
from sqlmodel import update

from reports.v1 import job_pb2, store_pb2, store_pb2_grpc
from services.common import grpc_server, streams
from services.store import app as store_app
from services.store import quotas
from services.store.db import Database, create_db_engine
from services.store.tables import JobRow, OutboxRow
from stack.nats_server import NatsServer
from stack.processes import free_port
from tests.integration.helpers import SEGMENTS
from tests.support.polling import until
from tests.support.stores import store_settings


async def _media(stub: store_pb2_grpc.StoreStub, tenant: str = "t") -> str:
    media = await stub.CreateMedia(
        store_pb2.CreateMediaRequest(
            tenant=tenant,
            title="call",
            transcript=store_pb2.TranscriptInput(format="segments", content=json.dumps(SEGMENTS)),
        )
    )
    return media.id


def _job_request(media_id: str, tenant: str = "t") -> store_pb2.CreateJobRequest:
    request = store_pb2.CreateJobRequest(
        tenant=tenant, media_id=media_id, template="sales_playbook", request_fingerprint="f", request_id="req_test"
    )
    request.target.strategy, request.target.on_miss = "dominant", "error"
    return request


async def _created(stub: store_pb2_grpc.StoreStub, request: store_pb2.CreateJobRequest) -> job_pb2.Job:
    """The job a create made, read back (the create answers with its id only)."""
    job_id = (await stub.CreateJob(request)).job_id
    return await stub.GetJob(store_pb2.GetJobRequest(tenant=request.tenant, job_id=job_id))


async def _first_event(nc, job_id: str) -> job_pb2.JobEvent:
    js = nc.jetstream()
    sub = await js.subscribe(streams.event_subject(job_id), stream=streams.EVENTS_STREAM, ordered_consumer=True)
    msg = await sub.next_msg(timeout=20)
    await sub.unsubscribe()
    return job_pb2.JobEvent.FromString(msg.data)


async def _render_commands(nc) -> list[job_pb2.RenderCommand]:
    js = nc.jetstream()
    info = await js.stream_info(streams.JOBS_STREAM)
    commands = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(streams.JOBS_STREAM, seq)
        commands.append(job_pb2.RenderCommand.FromString(msg.data))
    return commands


async def test_a_created_job_is_published_once_with_its_queued_event(store, store_stub, nats_server):
    job = await _created(store_stub, _job_request(await _media(store_stub)))
    nc = await nats.connect(nats_server.url)
    try:
        event = await _first_event(nc, job.id)
        assert (event.job_id, event.status, event.tenant) == (job.id, job_pb2.JOB_STATUS_QUEUED, "t")
        (command,) = await _render_commands(nc)  # with what the renderer resolves before it claims
        assert (command.job_id, command.tenant, command.request_id, command.media_id, command.target) == (
            job.id,
            "t",
            "req_test",
            job.media_id,
            job.target,
        )

        # A crash between publishing and marking sent replays the rows: JetStream drops them.
        await store.db.run(lambda c: c.execute(update(OutboxRow).values(sent_at=None)))
        store.relay.wake()
        second = await _created(store_stub, _job_request(await _media(store_stub)))
        await _first_event(nc, second.id)
        assert [c.job_id for c in await _render_commands(nc)] == [job.id, second.id]
        events = await nc.jetstream().stream_info(streams.EVENTS_STREAM)
        assert events.state.messages == 2
    finally:
        await nc.close()


async def test_a_job_created_while_nats_is_down_is_published_when_it_comes_up(database_url, tmp_path: Path):
    port = free_port()
    running = await store_app.start(store_settings(database_url, f"nats://127.0.0.1:{port}"))
    channel = grpc_server.channel(f"127.0.0.1:{running.port}")
    server = NatsServer(tmp_path / "nats", tmp_path / "nats.log", port=port)
    try:
        stub = store_pb2_grpc.StoreStub(channel)
        job = await _created(stub, _job_request(await _media(stub)))
        assert job.status == job_pb2.JOB_STATUS_QUEUED
        server.start()
        await asyncio.wait_for(running.relay.connected.wait(), 30)
        nc = await nats.connect(server.url)
        try:
            assert (await _first_event(nc, job.id)).job_id == job.id
            assert [c.job_id for c in await _render_commands(nc)] == [job.id]
        finally:
            await nc.close()
    finally:
        await channel.close()
        await running.stop()
        server.stop()


async def test_creates_in_progress_when_the_store_stops_commit_and_are_published_before_it_ends(
    database_url, nats_server: NatsServer
):  # type: ignore[no-untyped-def]
    running = await store_app.start(store_settings(database_url, nats_server.url))
    channel = grpc_server.channel(f"127.0.0.1:{running.port}")
    try:
        await asyncio.wait_for(running.relay.connected.wait(), 30)
        stub = store_pb2_grpc.StoreStub(channel)
        media_id = await _media(stub)
        creates = [asyncio.ensure_future(stub.CreateJob(_job_request(media_id))) for _ in range(20)]
        await asyncio.wait(creates, return_when=asyncio.FIRST_COMPLETED)
        await running.stop()  # the others are on their way, queued or committing
        answers = await asyncio.gather(*creates, return_exceptions=True)
    finally:
        await channel.close()
    created = [answer.job_id for answer in answers if not isinstance(answer, BaseException)]
    assert created
    nc = await nats.connect(nats_server.url)
    try:
        for job_id in created:  # each job a caller was told of reached JetStream before the store ended
            assert (await nc.jetstream().get_last_msg(streams.EVENTS_STREAM, streams.event_subject(job_id))).data
    finally:
        await nc.close()
    db = Database(create_db_engine(database_url))
    try:
        assert (
            await db.run(lambda c: c.execute(select(func.count()).where(OutboxRow.sent_at.is_(None))).scalar_one()) == 0
        )
    finally:
        db.close()


async def test_a_batch_still_committing_when_the_grace_ends_is_waited_for_and_published(database_url, nats_server):  # type: ignore[no-untyped-def]
    """The tenant's lock is held elsewhere (another replica's create) until the store, past its grace,
    drains: the batch waiting for it commits then, and the relay's last pass publishes it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a lock held by another replica (PostgreSQL)")
    running = await store_app.start(store_settings(database_url, nats_server.url))
    channel = grpc_server.channel(f"127.0.0.1:{running.port}")
    holder = create_db_engine(database_url).connect()
    try:
        await asyncio.wait_for(running.relay.connected.wait(), 30)
        stub = store_pb2_grpc.StoreStub(channel)
        media_id = await _media(stub)
        held = {"lock_class": quotas.QUOTA_LOCK_CLASS, "tenant": "t"}
        holder.execute(quotas._LOCK, held)
        create = asyncio.ensure_future(stub.CreateJob(_job_request(media_id)))
        waiting = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = :lock_class"
            " AND objid = hashtext(current_schema() || '/' || :tenant)::oid"
        )
        await until(lambda: holder.execute(waiting, held).scalar_one() > 0, what="a batch waiting for the lock")
        drain = running.servicer.drain

        async def released_then_drained() -> None:  # the other replica's create commits as the grace ends
            holder.rollback()
            await drain()

        running.servicer.drain = released_then_drained  # type: ignore[method-assign]
        await running.stop(grace=0.1)
        with pytest.raises(grpc.aio.AioRpcError):  # cancelled past the grace: its outcome unknown to its caller
            await create
    finally:
        holder.close()
        await channel.close()
    db = Database(create_db_engine(database_url))
    try:
        assert await db.run(lambda c: c.execute(select(func.count()).select_from(JobRow)).scalar_one()) == 1
        assert (
            await db.run(lambda c: c.execute(select(func.count()).where(OutboxRow.sent_at.is_(None))).scalar_one()) == 0
        )
    finally:
        db.close()
