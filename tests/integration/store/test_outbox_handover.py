"""The relay publishes committed rows handed over in memory, and reads the table when it must:
at start-up, after a failure, for rows nobody handed over, and for purges; it marks what it
published several passes together (SQLite; a real nats-server)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import nats
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from reports.v1 import job_pb2
from services.common import streams
from services.store import outbox
from services.store.db import Database
from services.store.outbox import OutboxRelay, Pass
from services.store.tables import OUTBOX
from stack.nats_server import NatsServer
from tests.support.polling import until


@pytest.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[object]:
    nc = await nats.connect(nats_server.url)
    jetstream = nc.jetstream()
    await streams.ensure_streams(jetstream, streams.StreamSettings())
    try:
        yield jetstream
    finally:
        await nc.close()


def _relay(sqlite_db: Database, nats_server: NatsServer, **options: object) -> OutboxRelay:
    """A relay that marks what it published at the end of each pass, unless `mark_delay_s` says."""
    options = {"mark_delay_s": 0.0, **options}
    return OutboxRelay(sqlite_db, lambda: nats.connect(nats_server.url), streams.StreamSettings(), **options)  # type: ignore[arg-type]


def _new_job(job_id: str):  # type: ignore[no-untyped-def]
    def write(connection: Connection) -> None:
        outbox.add_event(connection, job_pb2.JobEvent(job_id=job_id, tenant="t", status=job_pb2.JOB_STATUS_QUEUED))
        outbox.add_render_command(connection, job_pb2.RenderCommand(job_id=job_id, tenant="t"))

    return write


async def _commit_and_hand(sqlite_db: Database, relay: OutboxRelay, job_id: str) -> list[outbox.Message]:
    _, written = await sqlite_db.run(outbox.collecting(_new_job(job_id)))
    relay.hand(written)
    return written


async def _scanned(sqlite_db: Database, nats_server: NatsServer, js, **options: object) -> OutboxRelay:  # type: ignore[no-untyped-def]
    """A relay that has made its start-up scan of an empty table, and scans again only when woken."""
    relay = _relay(sqlite_db, nats_server, **{"poll_interval_s": 3600, **options})
    assert await relay.publish_pending(js) == Pass()
    return relay


@contextlib.asynccontextmanager
async def _running(relay: OutboxRelay) -> AsyncIterator[None]:
    """The relay's own loop, connected; stopped (and waited for) on the way out."""
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.wait_for(relay.connected.wait(), 30)
        yield
    finally:
        relay.stop()
        await asyncio.wait_for(task, 30)


async def _unsent(sqlite_db: Database) -> int:
    return int(
        await sqlite_db.run(
            lambda c: c.execute(select(func.count()).select_from(OUTBOX).where(OUTBOX.c.sent_at.is_(None))).scalar_one()
        )
    )


async def _event_jobs(js) -> list[str]:  # type: ignore[no-untyped-def]
    info = await js.stream_info(streams.EVENTS_STREAM)
    if not info.state.messages:
        return []
    return [
        job_pb2.JobEvent.FromString((await js.get_msg(streams.EVENTS_STREAM, seq)).data).job_id
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def test_collecting_answers_the_messages_a_transaction_added_and_nothing_after_it(sqlite_db: Database):
    _, written = await sqlite_db.run(outbox.collecting(_new_job("job_1")))
    assert [m.subject for m in written] == [streams.event_subject("job_1"), streams.RENDER_SUBJECT]
    # a write that does not collect (the pooled connection is the same one) gathers nothing
    await sqlite_db.run(_new_job("job_2"))
    assert len(written) == 2


async def test_a_rolled_back_transaction_hands_over_nothing(sqlite_db: Database, nats_server: NatsServer, js):  # type: ignore[no-untyped-def]
    relay = _relay(sqlite_db, nats_server)
    assert await relay.publish_pending(js) == Pass()  # the start-up scan: an empty table

    def fails(connection: Connection) -> None:
        _new_job("job_1")(connection)
        raise RuntimeError("the create failed after writing its rows")

    with pytest.raises(RuntimeError):
        await sqlite_db.run(outbox.collecting(fails))
    assert await relay.publish_pending(js) == Pass(sent=0, handed=False)
    assert await _unsent(sqlite_db) == 0 and await _event_jobs(js) == []


async def test_rows_handed_over_are_published_without_a_scan_and_marked_sent_together(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay = _relay(sqlite_db, nats_server, poll_interval_s=3600)
    await _commit_and_hand(sqlite_db, relay, "job_0")
    assert await relay.publish_pending(js) == Pass(sent=2)  # the first pass reads the table

    for index in range(1, 4):
        await _commit_and_hand(sqlite_db, relay, f"job_{index}")
    assert await relay.publish_pending(js) == Pass(sent=6, handed=True)
    assert await _unsent(sqlite_db) == 0
    assert await _event_jobs(js) == ["job_0", "job_1", "job_2", "job_3"]


async def test_rows_nobody_handed_over_wait_for_a_scan_which_wake_asks_for(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay = await _scanned(sqlite_db, nats_server, js)
    await sqlite_db.run(_new_job("job_other_writer"))  # e.g. the retention sweeper's purge, another process
    await _commit_and_hand(sqlite_db, relay, "job_handed")
    assert await relay.publish_pending(js) == Pass(sent=2, handed=True)
    assert await _unsent(sqlite_db) == 2
    relay.wake()
    assert await relay.publish_pending(js) == Pass(sent=2)
    assert await _unsent(sqlite_db) == 0


async def test_a_failed_publish_makes_the_next_pass_a_scan_that_publishes_in_order(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay = await _scanned(sqlite_db, nats_server, js)
    await js.delete_stream(streams.EVENTS_STREAM)  # JetStream answers no publish to its subjects
    await _commit_and_hand(sqlite_db, relay, "job_1")
    failed = await relay.publish_pending(js)
    assert failed.failed and failed.sent == 1  # the render command went out; the event did not
    await _commit_and_hand(sqlite_db, relay, "job_2")  # handed after the failure: the scan reads it too
    await streams.ensure_streams(js, streams.StreamSettings())
    assert await relay.publish_pending(js) == Pass(sent=3)
    assert await _event_jobs(js) == ["job_1", "job_2"]
    assert await _unsent(sqlite_db) == 0


async def test_a_handed_over_purge_is_published_by_a_scan(sqlite_db: Database, nats_server: NatsServer, js):  # type: ignore[no-untyped-def]
    relay = await _scanned(sqlite_db, nats_server, js)
    _, written = await sqlite_db.run(
        outbox.collecting(lambda c: outbox.add_purge(c, {streams.EVENTS_STREAM: [streams.event_subject("job_1")]}))
    )
    relay.hand(written)
    assert await relay.publish_pending(js) == Pass(sent=1)


async def test_a_new_relay_publishes_what_the_previous_one_was_handed_but_never_sent(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    gone = await _scanned(sqlite_db, nats_server, js)
    await _commit_and_hand(sqlite_db, gone, "job_1")  # the store stops (or dies) before the next pass
    restarted = _relay(sqlite_db, nats_server, poll_interval_s=3600)
    assert await restarted.publish_pending(js) == Pass(sent=2)
    assert await _event_jobs(js) == ["job_1"]


async def test_the_relay_keeps_running_after_a_pass_fails_and_scans_next(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay = _relay(sqlite_db, nats_server, poll_interval_s=3600)
    original = relay.publish_pending
    failures = []

    async def fails_once(jetstream):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append("database is locked")
            raise RuntimeError(failures[0])
        return await original(jetstream)

    relay.publish_pending = fails_once  # type: ignore[method-assign]
    async with _running(relay):
        await _commit_and_hand(sqlite_db, relay, "job_1")
        await until(lambda: _is_zero(sqlite_db), what="the row published after the failed pass")
        assert failures == ["database is locked"]


async def _is_zero(sqlite_db: Database) -> bool:
    return await _unsent(sqlite_db) == 0


async def test_published_rows_are_marked_together_once_their_delay_is_up_and_before_any_scan(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay = await _scanned(sqlite_db, nats_server, js, mark_delay_s=3600)
    for index in range(3):  # one job at a time: a pass each
        await _commit_and_hand(sqlite_db, relay, f"job_{index}")
        assert await relay.publish_pending(js) == Pass(sent=2, handed=True)
    assert await _unsent(sqlite_db) == 6  # published, not marked yet
    assert await _event_jobs(js) == ["job_0", "job_1", "job_2"]
    relay.wake()  # a scan reads unsent rows: the published ones are marked first, not read again
    assert await relay.publish_pending(js) == Pass()
    assert await _unsent(sqlite_db) == 0


async def test_a_running_relay_marks_what_it_published_within_its_delay(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay = _relay(sqlite_db, nats_server, poll_interval_s=3600, mark_delay_s=0.2)
    async with _running(relay):
        await _commit_and_hand(sqlite_db, relay, "job_1")
        await until(lambda: _is_zero(sqlite_db), what="the job's rows marked sent")
        assert await _event_jobs(js) == ["job_1"]


async def test_a_relay_that_stops_marks_what_it_published(sqlite_db: Database, nats_server: NatsServer, js):  # type: ignore[no-untyped-def]
    relay = _relay(sqlite_db, nats_server, poll_interval_s=3600, mark_delay_s=3600)
    async with _running(relay):
        await _commit_and_hand(sqlite_db, relay, "job_1")
        await until(lambda: _event_jobs(js), what="the job's event published")
    assert await _unsent(sqlite_db) == 0


async def test_rows_published_but_not_marked_when_the_store_died_are_published_once(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    gone = await _scanned(sqlite_db, nats_server, js, mark_delay_s=3600)
    await _commit_and_hand(sqlite_db, gone, "job_1")
    assert await gone.publish_pending(js) == Pass(sent=2, handed=True)  # then the store dies unmarked
    restarted = _relay(sqlite_db, nats_server, poll_interval_s=3600)
    assert await restarted.publish_pending(js) == Pass(sent=2)  # published again: JetStream drops the copies
    assert await _event_jobs(js) == ["job_1"]
    assert (await js.stream_info(streams.JOBS_STREAM)).state.messages == 1  # one render command
    assert await _unsent(sqlite_db) == 0


async def _running_after_its_first_scan(
    sqlite_db: Database, nats_server: NatsServer
) -> tuple[OutboxRelay, asyncio.Task[None]]:
    """A relay running that has published job_first in its start-up scan, and scans again only when woken."""
    await sqlite_db.run(_new_job("job_first"))
    relay = _relay(sqlite_db, nats_server, poll_interval_s=3600)
    task = asyncio.create_task(relay.run())
    await until(lambda: _is_zero(sqlite_db), what="the start-up scan")
    return relay, task


async def test_a_relay_stopped_with_a_last_pass_publishes_what_committed_before_it_ends(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay, task = await _running_after_its_first_scan(sqlite_db, nats_server)
    await sqlite_db.run(_new_job("job_last"))  # committed, not handed over: no pass of its own is due
    relay.stop(last_pass_s=10)
    await asyncio.wait_for(task, 30)
    assert await _event_jobs(js) == ["job_first", "job_last"]
    assert await _unsent(sqlite_db) == 0


async def test_a_relay_stopped_without_a_last_pass_leaves_unsent_rows_to_the_next(
    sqlite_db: Database, nats_server: NatsServer, js
):  # type: ignore[no-untyped-def]
    relay, task = await _running_after_its_first_scan(sqlite_db, nats_server)
    await sqlite_db.run(_new_job("job_left"))
    relay.stop()
    await asyncio.wait_for(task, 30)
    assert await _event_jobs(js) == ["job_first"] and await _unsent(sqlite_db) == 2


@pytest.mark.own_nats_server
async def test_a_relay_stopping_while_nats_is_down_skips_its_last_pass_and_leaves_the_rows_unsent(
    sqlite_db: Database, nats_server: NatsServer, caplog: pytest.LogCaptureFixture
):
    """A last pass would wait out each publish's timeout: the rows wait in the table for the next relay."""
    relay, task = await _running_after_its_first_scan(sqlite_db, nats_server)
    nats_server.stop()
    await until(lambda: not relay.nats_connected, what="the relay seeing NATS gone")
    await sqlite_db.run(_new_job("job_left"))
    caplog.clear()
    relay.stop(last_pass_s=600)
    await asyncio.wait_for(task, 60)
    assert not [r for r in caplog.records if "publish failed" in r.getMessage()]  # no publish was tried
    assert await _unsent(sqlite_db) == 2
