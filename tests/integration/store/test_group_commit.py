"""Job creations (and claims and completions) that arrive together commit in one transaction, and each caller
still gets its own answer: a refused create never fails its batch-mates, a batch that fails before its commit is
retried create by create, and one that fails at its commit (it may have committed) is not."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable

import grpc
import nats
import psycopg
import pytest
from google.rpc import status_pb2
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from reports.v1 import store_pb2, store_pb2_grpc
from services.common import grpc_server, streams
from services.common.rpc_errors import ServiceError, not_found
from services.common.tenant_limits import Limits, TenantLimits
from services.store import app as store_app
from services.store import outbox
from services.store.db import Database
from services.store.group_commit import GroupCommit, step_unknown
from services.store.tables import OUTBOX
from stack.nats_server import NatsServer
from tests.integration.store.test_outbox import _job_request, _media
from tests.support.polling import until
from tests.support.stores import store_settings

# one transaction at a time, recorded: how many creates each held
Batches = list[int]


def _writer(sqlite_db: Database, batches: Batches, handed: list[outbox.Message]):  # type: ignore[no-untyped-def]
    """One transaction, as the store's: its creates counted, its outbox rows handed on."""

    async def write(work):  # type: ignore[no-untyped-def]
        result, written = await sqlite_db.run(outbox.collecting(work))
        batches.append(len(result) if isinstance(result, list) else 1)
        handed.extend(written)
        return result

    return write


def _group(sqlite_db: Database, batches: Batches, handed: list[outbox.Message], **options: float) -> GroupCommit[str]:
    write = _writer(sqlite_db, batches, handed)
    return GroupCommit(write, write, **options)


def _writes_row(name: str) -> Callable[[Connection], str]:
    def work(connection: Connection) -> str:
        outbox.add(connection, f"test.{name}", name.encode())
        return name

    return work


def _refused(connection: Connection) -> str:
    raise not_found("media", "med_missing")


def _breaks_after_writing(connection: Connection) -> str:
    outbox.add(connection, "test.broken", b"never committed")
    raise RuntimeError("an unexpected failure half-way through a create")


async def _subjects(sqlite_db: Database) -> list[str]:
    return list(await sqlite_db.run(lambda c: c.execute(select(OUTBOX.c.subject).order_by(OUTBOX.c.seq)).scalars()))


async def test_creates_queued_together_commit_in_one_transaction_and_a_refused_one_fails_alone(sqlite_db: Database):
    batches: Batches = []
    handed: list[outbox.Message] = []
    group = _group(sqlite_db, batches, handed)
    results = await asyncio.gather(
        group.run(_writes_row("a")), group.run(_refused), group.run(_writes_row("b")), return_exceptions=True
    )
    assert results[0] == "a" and results[2] == "b"
    assert getattr(results[1], "code", None) == "media_not_found"
    assert batches == [3]
    assert await _subjects(sqlite_db) == ["test.a", "test.b"]
    assert [m.subject for m in handed] == ["test.a", "test.b"]  # handed over once committed, in order


async def test_a_batch_that_fails_as_a_whole_runs_each_create_alone_and_only_the_bad_one_fails(sqlite_db: Database):
    batches: Batches = []
    handed: list[outbox.Message] = []
    group = _group(sqlite_db, batches, handed)
    results = await asyncio.gather(
        group.run(_writes_row("a")),
        group.run(_breaks_after_writing),
        group.run(_writes_row("b")),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], RuntimeError)
    assert await _subjects(sqlite_db) == ["test.a", "test.b"]  # the broken create's row was rolled back
    assert sorted(m.subject for m in handed) == ["test.a", "test.b"]


async def test_a_batch_runs_its_creates_by_lock_key_then_one_closing_step_in_their_transaction(sqlite_db: Database):
    """The store's lock order: tenant locks in one order, the dispatch lock (taken by the closing
    step, which fills the window) after them all (PostgreSQL replicas deadlocked otherwise)."""
    steps: list[str] = []

    def noting(name: str) -> Callable[[Connection], str]:
        def work(connection: Connection) -> str:
            steps.append(name)
            return _writes_row(name)(connection)

        return work

    def close(connection: Connection, outcomes: list[str | ServiceError]) -> None:
        steps.append(f"then {len(outcomes)}")
        outbox.add(connection, "test.then", b"in the batch's transaction")

    handed: list[outbox.Message] = []
    write = _writer(sqlite_db, [], handed)
    group: GroupCommit[str] = GroupCommit(write, write, then=close)
    results = await asyncio.gather(
        group.run(noting("b1"), lock_key="tenant-b"),
        group.run(_refused, lock_key="tenant-c"),
        group.run(noting("a"), lock_key="tenant-a"),
        group.run(noting("b2"), lock_key="tenant-b"),
        return_exceptions=True,
    )
    assert (results[0], results[2], results[3]) == ("b1", "a", "b2")  # each caller its own answer
    assert steps == ["a", "b1", "b2", "then 4"]  # by lock key, in arrival order within one
    assert [m.subject for m in handed] == ["test.a", "test.b1", "test.b2", "test.then"]


async def test_a_batch_whose_closing_step_fails_runs_each_create_alone_and_closes_each(sqlite_db: Database):
    closed: list[list[str | ServiceError]] = []

    def close(connection: Connection, outcomes: list[str | ServiceError]) -> None:
        if len(outcomes) > 1:  # the batch's lock wait ends in a deadlock; a lone create's does not
            raise OperationalError("SELECT pg_advisory_xact_lock(...)", {}, RuntimeError("deadlock detected"))
        closed.append(outcomes)

    batches: Batches = []
    write = _writer(sqlite_db, batches, [])
    group: GroupCommit[str] = GroupCommit(write, write, then=close)
    assert await asyncio.gather(group.run(_writes_row("a")), group.run(_writes_row("b"))) == ["a", "b"]
    assert await _subjects(sqlite_db) == ["test.a", "test.b"]  # the batch rolled back, each committed alone
    assert batches == [1, 1]
    assert sorted(closed) == [["a"], ["b"]]  # each lone create's transaction closed too


async def test_a_batch_refused_for_a_lock_held_too_long_answers_each_caller_at_once_and_runs_none_alone(
    sqlite_db: Database,
):
    """Run alone, each write would wait for the same lock again (PostgreSQL's lock_timeout, db.py)."""
    ran_alone: list[str] = []

    def close(connection: Connection, outcomes: list[str | ServiceError]) -> None:
        timed_out = psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
        raise OperationalError("SELECT pg_advisory_xact_lock(...)", {}, timed_out)

    async def alone(work):  # type: ignore[no-untyped-def]
        ran_alone.append(work)
        result, _ = await sqlite_db.run(outbox.collecting(work))
        return result

    group: GroupCommit[str] = GroupCommit(_writer(sqlite_db, [], []), alone, then=close)
    results = await asyncio.gather(group.run(_writes_row("a")), group.run(_writes_row("b")), return_exceptions=True)
    assert [(r.status, r.code) for r in results if isinstance(r, ServiceError)] == [
        (grpc.StatusCode.UNAVAILABLE, "store_unavailable")
    ] * 2
    assert all("nothing was recorded" in r.message for r in results if isinstance(r, ServiceError))
    assert ran_alone == []
    assert await _subjects(sqlite_db) == []


async def test_a_batch_whose_commit_fails_after_committing_is_not_run_again_and_its_callers_may_retry(
    sqlite_db: Database,
):
    ran_alone: list[str] = []

    async def commits_then_loses_the_connection(work):  # type: ignore[no-untyped-def]
        await sqlite_db.run(outbox.collecting(work))
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection unexpectedly"))

    async def alone(work):  # type: ignore[no-untyped-def]
        ran_alone.append(work)
        result, _ = await sqlite_db.run(outbox.collecting(work))
        return result

    group: GroupCommit[str] = GroupCommit(commits_then_loses_the_connection, alone)
    results = await asyncio.gather(group.run(_writes_row("a")), group.run(_writes_row("b")), return_exceptions=True)
    assert [(type(r), getattr(r, "status", None)) for r in results] == [(ServiceError, grpc.StatusCode.UNAVAILABLE)] * 2
    assert ran_alone == []
    assert await _subjects(sqlite_db) == ["test.a", "test.b"]  # each create exists once


async def test_the_callers_of_a_batch_of_completions_whose_commit_fails_are_told_the_completion_may_be_stored(
    sqlite_db: Database,
):
    async def commits_then_loses_the_connection(work):  # type: ignore[no-untyped-def]
        await sqlite_db.run(outbox.collecting(work))
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection unexpectedly"))

    group: GroupCommit[str] = GroupCommit(
        commits_then_loses_the_connection, commits_then_loses_the_connection, unknown=step_unknown("completion")
    )
    results = await asyncio.gather(group.run(_writes_row("a")), group.run(_writes_row("b")), return_exceptions=True)
    assert [(r.status, r.code) for r in results if isinstance(r, ServiceError)] == [
        (grpc.StatusCode.UNAVAILABLE, "store_unavailable")
    ] * 2
    assert all("completion" in r.message for r in results if isinstance(r, ServiceError))


async def test_a_lone_create_goes_at_once_and_a_stream_of_them_is_batched(sqlite_db: Database):
    batches: Batches = []
    group = _group(sqlite_db, batches, [])
    assert await group.run(_writes_row("alone")) == "alone"
    await asyncio.gather(*(group.run(_writes_row(f"r{i}")) for i in range(5)))
    await asyncio.gather(*(group.run(_writes_row(f"s{i}")) for i in range(3)))
    assert batches == [1, 5, 3]
    assert len(await _subjects(sqlite_db)) == 9


async def test_creates_arriving_at_separate_turns_while_busy_wait_for_each_other(sqlite_db: Database):
    """gRPC hands each create to the store at its own turn of the loop: only the window joins them.
    (A window of a minute: a lone create that waited for it, or a batch that did, would time out.)"""
    batches: Batches = []
    group = _group(sqlite_db, batches, [], window_s=60.0, busy_gap_s=60.0, max_batch=4)
    assert await asyncio.wait_for(group.run(_writes_row("alone")), timeout=10) == "alone"  # no window
    arriving = []
    for i in range(4):
        arriving.append(asyncio.create_task(group.run(_writes_row(f"r{i}"))))
        await asyncio.sleep(0)  # the next create arrives at a later turn
    await asyncio.wait_for(asyncio.gather(*arriving), timeout=10)  # the fourth fills the batch
    assert batches == [1, 4]


async def test_a_full_batch_commits_without_waiting_for_more(sqlite_db: Database):
    batches: Batches = []
    group = _group(sqlite_db, batches, [], max_batch=4)
    await asyncio.gather(*(group.run(_writes_row(f"r{i}")) for i in range(10)))
    assert batches == [4, 4, 2]


def _logged_writer(sqlite_db: Database, log: list[str], first_may_commit: asyncio.Event):  # type: ignore[no-untyped-def]
    """One transaction, as the store's, logged as it begins and ends (with its writes); the first
    waits for `first_may_commit`."""

    async def write(work):  # type: ignore[no-untyped-def]
        number = sum(entry.startswith("begin") for entry in log) + 1
        log.append(f"begin {number}")
        if number == 1:
            await first_may_commit.wait()
        result, _ = await sqlite_db.run(outbox.collecting(work))
        log.append(f"end {number}: {len(result)}")
        return result

    return write


async def test_writes_arriving_while_a_batch_commits_wait_for_it_and_commit_together_next(sqlite_db: Database):
    """One batch commits at a time: on PostgreSQL two would only queue on the tenant's lock and the
    dispatch lock, each paying its own transaction; what arrives meanwhile joins the next batch."""
    log: list[str] = []
    first_may_commit = asyncio.Event()
    write = _logged_writer(sqlite_db, log, first_may_commit)
    group: GroupCommit[str] = GroupCommit(write, write, max_batch=4)
    first = asyncio.create_task(group.run(_writes_row("first")))
    await until(lambda: log == ["begin 1"], what="the first batch committing")
    later = [asyncio.create_task(group.run(_writes_row(f"r{i}"))) for i in range(6)]
    for _ in range(5):
        await asyncio.sleep(0)  # turns of the loop in which a second batch could start
    assert log == ["begin 1"]
    first_may_commit.set()
    await asyncio.gather(first, *later)
    assert log == ["begin 1", "end 1: 1", "begin 2", "end 2: 4", "begin 3", "end 3: 2"]


async def test_writes_queued_behind_a_short_commit_still_gather_for_their_window(sqlite_db: Database):
    """A commit that ends before the window of what queued behind it does not cut that batch short
    (on SQLite a commit takes one turn of the loop). (A window of a minute, as above.)"""
    log: list[str] = []
    first_may_commit = asyncio.Event()
    write = _logged_writer(sqlite_db, log, first_may_commit)
    group: GroupCommit[str] = GroupCommit(write, write, window_s=60.0, busy_gap_s=60.0, max_batch=4)
    first = asyncio.create_task(group.run(_writes_row("alone")))  # nothing before it: no window
    await until(lambda: log == ["begin 1"], what="the first batch committing")
    behind = [asyncio.create_task(group.run(_writes_row("r0")))]
    first_may_commit.set()
    await until(lambda: log == ["begin 1", "end 1: 1"], what="the first batch committed")
    behind += [asyncio.create_task(group.run(_writes_row(f"r{i}"))) for i in range(1, 4)]
    await asyncio.wait_for(asyncio.gather(first, *behind), timeout=10)  # the fourth fills the batch
    assert log == ["begin 1", "end 1: 1", "begin 2", "end 2: 4"]


async def test_a_write_whose_caller_gave_up_while_queued_is_not_committed(sqlite_db: Database):
    log: list[str] = []
    first_may_commit = asyncio.Event()
    write = _logged_writer(sqlite_db, log, first_may_commit)
    group: GroupCommit[str] = GroupCommit(write, write)
    first = asyncio.create_task(group.run(_writes_row("first")))
    await until(lambda: log == ["begin 1"], what="the first batch committing")
    gave_up = asyncio.create_task(group.run(_writes_row("gave_up")))
    kept = asyncio.create_task(group.run(_writes_row("kept")))
    await until(lambda: len(group._queue) == 2, what="both queued behind the commit")
    gave_up.cancel()  # as a caller past its deadline
    first_may_commit.set()
    assert await asyncio.gather(first, kept) == ["first", "kept"]
    assert await _subjects(sqlite_db) == ["test.first", "test.kept"]


async def test_drain_commits_what_is_queued_without_its_window_and_waits_for_the_batch_committing(
    sqlite_db: Database,
):
    """What the store does at stop, before it closes the database. (A window of a minute: drain
    does not wait for it.)"""
    log: list[str] = []
    first_may_commit = asyncio.Event()
    write = _logged_writer(sqlite_db, log, first_may_commit)
    group: GroupCommit[str] = GroupCommit(write, write, window_s=60.0, busy_gap_s=60.0)
    first = asyncio.create_task(group.run(_writes_row("first")))
    await until(lambda: log == ["begin 1"], what="the first batch committing")
    queued = [asyncio.create_task(group.run(_writes_row(f"q{i}"))) for i in range(2)]
    drained = asyncio.create_task(group.drain())
    await until(lambda: len(group._queue) == 2, what="both queued behind the commit")
    assert not drained.done()
    first_may_commit.set()
    await asyncio.wait_for(drained, timeout=10)
    assert log == ["begin 1", "end 1: 1", "begin 2", "end 2: 2"]
    assert await asyncio.gather(first, *queued) == ["first", "q0", "q1"]
    await group.drain()  # nothing left: returns at once


# Through the store's gRPC service: real creates.


@pytest.fixture
async def capped_store(database_url: str, nats_server: NatsServer) -> AsyncIterator[store_pb2_grpc.StoreStub]:
    settings = dataclasses.replace(
        store_settings(database_url, nats_server.url), tenant_limits=TenantLimits(default=Limits(queued=3))
    )
    running = await store_app.start(settings)
    channel = grpc_server.channel(f"127.0.0.1:{running.port}")
    try:
        await asyncio.wait_for(running.relay.connected.wait(), timeout=30)
        yield store_pb2_grpc.StoreStub(channel)
    finally:
        await channel.close()
        await running.stop()


async def _answer(call) -> object:  # type: ignore[no-untyped-def]
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        return error.code()


async def test_concurrent_creates_each_get_their_own_answer_and_the_good_ones_are_published(
    store_stub, nats_server: NatsServer
):  # type: ignore[no-untyped-def]
    media_id = await _media(store_stub)
    bad_params = _job_request(media_id)
    bad_params.template_params.update({"no_such_variable": "x"})
    requests = [
        _job_request(media_id),
        _job_request("med_missing"),
        _job_request(media_id),
        bad_params,
        _job_request(media_id),
    ]
    answers = await asyncio.gather(*(_answer(store_stub.CreateJob(r)) for r in requests))
    assert answers[1] == grpc.StatusCode.NOT_FOUND
    assert answers[3] == grpc.StatusCode.INVALID_ARGUMENT
    created = [a.job_id for a in (answers[0], answers[2], answers[4])]  # type: ignore[attr-defined]
    assert len(set(created)) == 3

    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await until(lambda: _stream_count(js, streams.JOBS_STREAM, 3), what="three render commands")
        await until(lambda: _stream_count(js, streams.EVENTS_STREAM, 3), what="three queued events")
    finally:
        await nc.close()


async def _stream_count(js, stream: str, count: int) -> bool:  # type: ignore[no-untyped-def]
    return (await js.stream_info(stream)).state.messages == count


async def test_one_idempotency_key_sent_twice_at_once_creates_one_job(store_stub):  # type: ignore[no-untyped-def]
    media_id = await _media(store_stub)
    requests = []
    for _ in range(2):
        request = _job_request(media_id)
        request.idempotency_key = "same-key"
        requests.append(request)
    first, second = await asyncio.gather(*(store_stub.CreateJob(r) for r in requests))
    assert first.job_id == second.job_id
    assert sorted([first.replayed, second.replayed]) == [False, True]


async def test_the_queued_cap_holds_among_creates_sent_at_once(capped_store):  # type: ignore[no-untyped-def]
    media_id = await _media(capped_store)
    answers = await asyncio.gather(*(_answer(capped_store.CreateJob(_job_request(media_id))) for _ in range(6)))
    refused = [a for a in answers if a == grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert len(refused) == 3 and len(answers) - len(refused) == 3


async def test_the_queued_cap_counts_the_earlier_creates_of_one_call_per_tenant(capped_store):  # type: ignore[no-untyped-def]
    """One CreateJobs call is one batch: each tenant's count is read once and the batch's own
    creates added to it, so the fourth of t's creates is refused and u's own cap is untouched."""
    t_media, u_media = await _media(capped_store, "t"), await _media(capped_store, "u")
    creates = (
        [_job_request(t_media) for _ in range(2)]
        + [_job_request(u_media, "u")]
        + [_job_request(t_media) for _ in range(3)]
    )
    reply = await capped_store.CreateJobs(store_pb2.CreateJobsRequest(creates=creates))
    created = [
        (request.tenant, outcome.HasField("created")) for request, outcome in zip(creates, reply.outcomes, strict=True)
    ]
    assert created == [("t", True), ("t", True), ("u", True), ("t", True), ("t", False), ("t", False)]
    refused = status_pb2.Status.FromString(reply.outcomes[4].error)
    assert refused.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]

    more = await capped_store.CreateJobs(
        store_pb2.CreateJobsRequest(creates=[_job_request(t_media), _job_request(u_media, "u")])
    )
    assert [outcome.HasField("created") for outcome in more.outcomes] == [False, True]  # the count committed


async def test_a_prompt_edit_on_this_store_applies_to_the_next_create(store_stub):  # type: ignore[no-untyped-def]
    media_id = await _media(store_stub)
    await store_stub.CreateJob(_job_request(media_id))  # the production prompt is cached now
    seeded = await store_stub.GetPrompt(store_pb2.GetPromptRequest(name="sales_playbook", label="production"))
    strict = await store_stub.CreatePromptVersion(
        store_pb2.CreatePromptVersionRequest(
            name="sales_playbook",
            system=seeded.system,
            instructions=seeded.instructions,
            variables=[*seeded.variables, store_pb2.PromptVariable(name="region", required=True)],
            labels=["production"],
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await store_stub.CreateJob(_job_request(media_id))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with_region = _job_request(media_id)
    with_region.template_params.update({"region": "EMEA"})
    await store_stub.CreateJob(with_region)

    await store_stub.SetPromptLabels(
        store_pb2.SetPromptLabelsRequest(name="sales_playbook", version=seeded.version, labels=["production"])
    )
    assert strict.version != seeded.version
    await store_stub.CreateJob(_job_request(media_id))  # back to the version without `region`


async def test_a_batch_of_refused_creates_writes_nothing(sqlite_db: Database):
    batches: Batches = []
    group = _group(sqlite_db, batches, [])
    results = await asyncio.gather(group.run(_refused), group.run(_refused), return_exceptions=True)
    assert [getattr(r, "code", None) for r in results] == ["media_not_found", "media_not_found"]
    assert await sqlite_db.run(lambda c: c.execute(select(func.count()).select_from(OUTBOX)).scalar_one()) == 0
