"""Two store replicas on one PostgreSQL database: their relays publish each row once, in order per job."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator

import nats
import psycopg
import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from reports.v1 import job_pb2
from services.common import streams
from services.store import migrate, outbox
from services.store.db import Database, create_db_engine
from services.store.outbox import OutboxRelay
from services.store.tables import OUTBOX
from stack.nats_server import NatsServer
from tests.support.databases import POSTGRES_URL, postgres_schema
from tests.support.jetstream import jetstream
from tests.support.polling import until

JOBS = 40
EVENTS_PER_JOB = 6
STAGES = [
    job_pb2.JOB_STAGE_QUEUED,
    job_pb2.JOB_STAGE_RESOLVING,
    job_pb2.JOB_STAGE_RENDERING,
    job_pb2.JOB_STAGE_STORING,
    job_pb2.JOB_STAGE_STORING,
    job_pb2.JOB_STAGE_STORING,
]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL: set REPORTS_TEST_POSTGRES_URL (CI does)")
    yield from postgres_schema()


@pytest.fixture
async def databases(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on one database, as two store processes have."""
    first, second = create_db_engine(postgres_url), create_db_engine(postgres_url)
    await asyncio.to_thread(migrate.upgrade, first)
    pair = (Database(first), Database(second))
    try:
        yield pair
    finally:
        for db in pair:
            db.close()


def _relay(db: Database, nats_url: str) -> OutboxRelay:
    return OutboxRelay(db, lambda: nats.connect(nats_url), streams.StreamSettings(), batch_size=16, poll_interval_s=0.2)


@contextlib.asynccontextmanager
async def _closing(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    try:
        yield relay
    finally:
        relay.close()


async def _unsent(db: Database) -> int:
    return int(
        await db.run(
            lambda c: c.execute(select(func.count()).select_from(OUTBOX).where(OUTBOX.c.sent_at.is_(None))).scalar_one()
        )
    )


async def test_two_relays_publish_every_event_exactly_once_and_each_jobs_events_in_order(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    listener = await nats.connect(nats_server.url)
    seen: list[tuple[str, str]] = []  # (subject, message id) as published, duplicates included
    everything_seen = asyncio.Event()
    expected = JOBS * (EVENTS_PER_JOB + 1)

    async def on_message(msg) -> None:  # type: ignore[no-untyped-def]
        seen.append((msg.subject, msg.headers[streams.MSG_ID_HEADER]))
        if len(seen) >= expected:
            everything_seen.set()

    await listener.subscribe("reports.>", cb=on_message)
    relays = [_relay(db, nats_server.url) for db in databases]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    written: dict[str, list[str]] = defaultdict(list)  # job id -> its event ids, in commit order
    rng = random.Random(8)

    async def one_job(index: int) -> None:
        job_id = f"job_{index:03d}"
        for step, stage in enumerate(STAGES):
            replica = rng.randrange(2)  # each transition lands on either store replica

            def write(connection: Connection) -> str:
                event = job_pb2.JobEvent(job_id=job_id, tenant="t", status=job_pb2.JOB_STATUS_RUNNING, stage=stage)  # noqa: B023
                outbox.add_event(connection, event)
                if step == 0:  # noqa: B023 - write runs (awaited below) within this iteration
                    outbox.add_render_command(connection, job_pb2.RenderCommand(job_id=job_id, tenant="t"))
                return event.event_id

            written[job_id].append(await databases[replica].run(write))
            relays[replica].wake()

    try:
        await asyncio.wait_for(asyncio.gather(*(r.connected.wait() for r in relays)), 30)
        await asyncio.gather(*(one_job(i) for i in range(JOBS)))
        await asyncio.wait_for(everything_seen.wait(), 60)

        async def all_marked_sent() -> bool:  # the relays mark what they published
            return not await _unsent(databases[0])

        await until(all_marked_sent, what="every outbox row marked sent")
    finally:
        for relay in relays:
            relay.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
    await listener.flush()  # whatever the relays sent before closing has reached us now

    try:
        # every row went out exactly once: no relay published what the other had (no duplicate
        # even before JetStream's de-duplication), and none was left out
        published = Counter(msg_id for _, msg_id in seen)
        assert [msg_id for msg_id, times in published.items() if times != 1] == []
        assert set(published) == set(await databases[0].run(_all_row_ids))
        assert len(published) == expected

        # in the stream (what SSE and webhooks read), each job's events are in the order written
        js = listener.jetstream()
        info = await js.stream_info(streams.EVENTS_STREAM)
        assert info.state.messages == JOBS * EVENTS_PER_JOB
        in_stream: dict[str, list[str]] = defaultdict(list)
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(streams.EVENTS_STREAM, seq)
            event = job_pb2.JobEvent.FromString(msg.data or b"")
            in_stream[event.job_id].append(event.event_id)
        assert in_stream == written
        # and as published: the order the listener heard them in, per job
        heard: dict[str, list[str]] = defaultdict(list)
        for subject, msg_id in seen:
            if subject != streams.RENDER_SUBJECT:
                heard[subject.rsplit(".", 1)[1]].append(msg_id)
        assert heard == written
        commands = await js.stream_info(streams.JOBS_STREAM)
        assert commands.state.messages == JOBS
    finally:
        await listener.close()


def _all_row_ids(connection: Connection) -> list[str]:
    return list(connection.execute(select(OUTBOX.c.id)).scalars())


async def test_a_relay_that_is_not_the_leader_publishes_nothing_until_the_leader_commits(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    first, second = databases
    await first.run(lambda c: outbox.add_event(c, job_pb2.JobEvent(job_id="job_1", tenant="t")))
    async with jetstream(nats_server.url) as js, _closing(_relay(second, nats_server.url)) as relay:
        with first.transaction() as leader:
            took = leader.execute(
                text("SELECT pg_try_advisory_xact_lock(:c, hashtext(current_schema()))"),
                {"c": outbox.LEADER_LOCK_CLASS},
            ).scalar_one()
            assert took
            assert await relay.publish_pending(js) == outbox.Pass(busy=True)
            assert await _unsent(second) == 1
        # the other "replica" committed: the lock is free and this relay leads the next pass
        assert await relay.publish_pending(js) == outbox.Pass(sent=1)
        assert await _unsent(second) == 0
        assert (await js.stream_info(streams.EVENTS_STREAM)).state.messages == 1


async def test_a_relay_that_is_not_the_leader_leaves_no_transaction_open(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    first, second = databases
    async with jetstream(nats_server.url) as js, _closing(_relay(second, nats_server.url)) as relay:
        with first.transaction() as leader:
            leader.execute(
                text("SELECT pg_try_advisory_xact_lock(:c, hashtext(current_schema()))"),
                {"c": outbox.LEADER_LOCK_CLASS},
            )
            assert await relay.publish_pending(js) == outbox.Pass(busy=True)
        state = await first.run(
            lambda c: c.execute(
                text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": relay._connection.backend_pid}
            ).scalar_one()
        )
        assert state == "idle"


@pytest.mark.own_nats_server  # paused
async def test_a_relay_whose_pass_is_cancelled_mid_publish_lets_the_next_leader_publish(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    """The store stopping (its task cancelled) while JetStream has not answered a publish: the
    pass's transaction is rolled back at once and the leader lock goes with it."""
    first, second = databases
    await first.run(lambda c: outbox.add_event(c, job_pb2.JobEvent(job_id="job_1", tenant="t")))
    async with (
        jetstream(nats_server.url) as js,
        _closing(_relay(first, nats_server.url)) as stopping,
        _closing(_relay(second, nats_server.url)) as next_leader,
    ):
        nats_pid = nats_server.process.proc.pid  # type: ignore[union-attr]
        os.kill(nats_pid, signal.SIGSTOP)  # JetStream holds its acks
        try:
            publishing = asyncio.create_task(stopping.publish_pending(js))
            await until(lambda: _leader_lock_holders(second), what="the first relay holds the leader lock")
            publishing.cancel()
            with pytest.raises(asyncio.CancelledError):
                await publishing
            assert await _leader_lock_holders(second) == 0
        finally:
            os.kill(nats_pid, signal.SIGCONT)
        assert await next_leader.publish_pending(js) == outbox.Pass(sent=1)
        assert await _unsent(second) == 0


async def _leader_lock_holders(db: Database) -> int:
    return int(
        await db.run(
            lambda c: c.execute(
                # this schema's leader lock: other tests' relays take theirs on the same server
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :c AND granted"
                    " AND objid::bigint = (hashtext(current_schema())::bigint & 4294967295)"
                ),
                {"c": outbox.LEADER_LOCK_CLASS},
            ).scalar_one()
        )
    )


async def test_a_relay_whose_connection_the_server_dropped_publishes_again_on_a_new_one(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    db, _ = databases
    async with jetstream(nats_server.url) as js, _closing(_relay(db, nats_server.url)) as relay:
        await db.run(lambda c: outbox.add_event(c, job_pb2.JobEvent(job_id="job_1", tenant="t")))
        assert await relay.publish_pending(js) == outbox.Pass(sent=1)
        # The server ends the session the relay keeps for its passes (as a restart or an idle timeout would).
        pid = relay._connection.backend_pid
        assert pid is not None
        await db.run(lambda c: c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}))
        await db.run(lambda c: outbox.add_event(c, job_pb2.JobEvent(job_id="job_1", tenant="t")))
        with pytest.raises(psycopg.OperationalError):
            await relay.publish_pending(js)  # run() logs this and scans again
        assert await relay.publish_pending(js) == outbox.Pass(sent=1)
        assert await _unsent(db) == 0
        assert (await js.stream_info(streams.EVENTS_STREAM)).state.messages == 2


async def test_the_relays_unflushed_commits_stay_on_its_own_connection(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    """The relay commits its marks without waiting for the WAL flush; the store's jobs, whose
    connections come from the same pool, still wait for it."""
    db, _ = databases
    async with jetstream(nats_server.url) as js:
        async with _closing(_relay(db, nats_server.url)) as relay:
            await db.run(lambda c: outbox.add_event(c, job_pb2.JobEvent(job_id="job_1", tenant="t")))
            assert await relay.publish_pending(js) == outbox.Pass(sent=1)
        pooled = db.engine.pool.checkedin()
        assert pooled >= 1
        with contextlib.ExitStack() as held:  # every pooled connection, and one more
            connections = [held.enter_context(db.engine.connect()) for _ in range(pooled + 1)]
            settings = {c.execute(text("SHOW synchronous_commit")).scalar_one() for c in connections}
        assert settings == {"on"}


class _CountedRelay:
    """A relay whose passes are recorded, and commits that wake it as the store's writes do."""

    def __init__(self, db: Database, nats_url: str, gather_s: float) -> None:
        self.db = db
        self.relay = OutboxRelay(
            db,
            lambda: nats.connect(nats_url),
            streams.StreamSettings(),
            poll_interval_s=60.0,
            gather_s=gather_s,
            busy_gap_s=60.0,
        )
        self.passes: list[outbox.Pass] = []
        publish_pending = self.relay.publish_pending

        async def counted(js):  # type: ignore[no-untyped-def]
            done = await publish_pending(js)
            self.passes.append(done)
            return done

        self.relay.publish_pending = counted  # type: ignore[method-assign]

    async def commit(self, stage: int) -> None:
        await self.db.run(lambda c: outbox.add_event(c, job_pb2.JobEvent(job_id="job_1", tenant="t", stage=stage)))
        self.relay.wake()

    async def published(self, rows: int, what: str) -> None:
        await until(lambda: sum(p.sent for p in self.passes) == rows, what=what)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self.relay.run())
        try:
            await asyncio.wait_for(self.relay.connected.wait(), timeout=30)
            yield
        finally:
            self.relay.stop()
            await asyncio.wait_for(task, timeout=10)  # a stop ends a sleep at once, however long it was to be


async def _stages_in_stream(js: JetStreamContext) -> list[int]:
    info = await js.stream_info(streams.EVENTS_STREAM)
    return [
        job_pb2.JobEvent.FromString((await js.get_msg(streams.EVENTS_STREAM, seq)).data or b"").stage
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def test_a_busy_relay_gathers_the_commits_of_the_next_moment_into_one_pass(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    """After a pass that carried several commits, the relay woken soon after waits `gather_s`
    before the next, so rows committed one after another go out in one pass (one claim and one
    mark), still in order."""
    db, _ = databases
    counted = _CountedRelay(db, nats_server.url, gather_s=1.0)
    async with jetstream(nats_server.url) as js:
        for stage in STAGES[:2]:  # committed before the relay starts: its first pass carries both
            await counted.commit(stage)
        async with counted.running():
            await counted.published(2, what="the first two rows published")
            first_passes = len(counted.passes)
            for stage in STAGES[2:5]:
                await counted.commit(stage)
            await counted.published(5, what="the next three published")
            assert [p.sent for p in counted.passes[first_passes:] if p.sent] == [3]
        assert await _stages_in_stream(js) == STAGES[:5]


async def test_a_commit_after_a_pass_of_one_commit_is_published_at_once(
    databases: tuple[Database, Database], nats_server: NatsServer
):
    """A job followed on its own commits a few milliseconds apart, one commit a pass: the relay
    does not wait for more (a gather of a minute here would outlast the wait for the row)."""
    db, _ = databases
    counted = _CountedRelay(db, nats_server.url, gather_s=60.0)
    async with jetstream(nats_server.url) as js, counted.running():
        await counted.commit(STAGES[0])
        await counted.published(1, what="the first row published")
        await counted.commit(STAGES[1])
        await counted.published(2, what="the second row published without a gather")
        await counted.commit(STAGES[2])
        await counted.published(3, what="the third row published without a gather")
        assert await _stages_in_stream(js) == STAGES[:3]
