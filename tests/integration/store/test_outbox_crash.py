"""A store process SIGKILLed between committing jobs and their publication loses none of them.

The store runs as its own process (`python -m services.store`) reaching nats-server through a
proxy the test controls. Jobs are created (committed), then the store is killed while their
messages are on the way: either the publishes never reach nats-server (upstream held), or
JetStream stored them but the acks never came back, so nothing was marked sent (downstream held).
A new store on the same database publishes what the first left unsent at start-up (its scan), and
each job ends up with exactly one queued event and one render command: JetStream drops the copies
of what was already stored by message id (= event id).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select

from reports.v1 import job_pb2, store_pb2_grpc
from services.common import grpc_server, streams
from services.store.db import Database, create_db_engine
from services.store.tables import OUTBOX
from stack.nats_server import NatsServer
from stack.processes import ManagedProcess, free_port
from tests.integration.store.test_outbox import _job_request, _media
from tests.support.polling import until
from tests.support.tcp_proxy import TcpProxy

LISTENING = r'"msg": "listening"'
HELD_JOBS = 5


def _store_process(tmp_path: Path, name: str, database_url: str, nats_url: str, port: int) -> ManagedProcess:
    env = {
        **os.environ,
        "REPORTS_DATABASE_URL": database_url,
        "REPORTS_NATS_URL": nats_url,
        "REPORTS_STORE_LISTEN": f"127.0.0.1:{port}",
        "REPORTS_VAR_DIR": str(tmp_path / "var"),
        "REPORTS_TLS_DIR": str(Path(os.environ["REPORTS_TLS_ROOT"]) / "store"),
        "REPORTS_METRICS_PORT": str(free_port()),
    }
    return ManagedProcess(
        name, [sys.executable, "-m", "services.store"], env=env, log_path=tmp_path / f"{name}.log"
    ).start()


@pytest.fixture
async def proxy(nats_server: NatsServer) -> AsyncIterator[TcpProxy]:
    running = await TcpProxy(nats_server.port).start()
    try:
        yield running
    finally:
        await running.close()


async def _messages(js, stream: str) -> list[bytes]:  # type: ignore[no-untyped-def]
    info = await js.stream_info(stream)
    return [
        (await js.get_msg(stream, seq)).data or b""
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
        if info.state.messages
    ]


async def _count(js, stream: str) -> int:  # type: ignore[no-untyped-def]
    try:
        return (await js.stream_info(stream)).state.messages
    except nats.js.errors.NotFoundError:
        return -1


@pytest.mark.own_nats_server  # its proxy reaches the server by port, as a user of no account
@pytest.mark.parametrize("held", ["upstream", "downstream"])
async def test_jobs_committed_before_a_store_is_killed_are_published_once_by_the_next_store(
    held: str, database_url: str, nats_server: NatsServer, proxy: TcpProxy, tmp_path: Path
):
    port = free_port()
    first = _store_process(tmp_path, "store-1", database_url, proxy.url, port)
    second: ManagedProcess | None = None
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    channel = grpc_server.channel(f"127.0.0.1:{port}")
    try:
        first.wait_for(LISTENING)
        stub = store_pb2_grpc.StoreStub(channel)
        media_id = await _media(stub)
        published = (await stub.CreateJob(_job_request(media_id))).job_id
        await until(lambda: _stored(js, 1), what="the first job published")

        (proxy.hold_upstream if held == "upstream" else proxy.hold_downstream)()
        held_ids = [(await stub.CreateJob(_job_request(media_id))).job_id for _ in range(HELD_JOBS)]
        if held == "upstream":  # the relay has sent every publish; none reached nats-server
            await until(
                lambda: all(job_id.encode() in proxy.held_upstream for job_id in held_ids),
                what="the held jobs' publishes on the wire",
            )
            assert await _count(js, streams.EVENTS_STREAM) == 1
        else:  # JetStream stored them all; the acks are held, so none is marked sent
            await until(lambda: _stored(js, 1 + HELD_JOBS), what="the held jobs stored in JetStream")
        first.kill()
        assert await _unsent(database_url) >= 2 * HELD_JOBS  # each job's event and render command

        second = _store_process(tmp_path, "store-2", database_url, nats_server.url, port)
        second.wait_for(LISTENING)
        await until(lambda: _unsent_is(database_url, 0), what="every row published and marked sent")
        events = [job_pb2.JobEvent.FromString(data) for data in await _messages(js, streams.EVENTS_STREAM)]
        commands = [job_pb2.RenderCommand.FromString(data) for data in await _messages(js, streams.JOBS_STREAM)]
        jobs = [published, *held_ids]
        assert Counter(e.job_id for e in events) == Counter(jobs)
        assert all(e.status == job_pb2.JOB_STATUS_QUEUED for e in events)
        assert Counter(c.job_id for c in commands) == Counter(jobs)
    finally:
        await channel.close()
        await nc.close()
        first.kill()
        if second is not None:
            second.stop()


async def _stored(js, count: int) -> bool:  # type: ignore[no-untyped-def]
    return await _count(js, streams.EVENTS_STREAM) >= count and await _count(js, streams.JOBS_STREAM) >= count


async def _unsent(database_url: str) -> int:
    db = Database(create_db_engine(database_url))
    try:
        return int(
            await db.run(
                lambda c: c.execute(
                    select(func.count()).select_from(OUTBOX).where(OUTBOX.c.sent_at.is_(None))
                ).scalar_one()
            )
        )
    finally:
        db.close()


async def _unsent_is(database_url: str, count: int) -> bool:
    return await _unsent(database_url) == count
