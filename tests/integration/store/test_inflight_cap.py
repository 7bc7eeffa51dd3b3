"""Each tenant's cap on jobs rendering at once, in a real store (SQLite, and PostgreSQL when
REPORTS_TEST_POSTGRES_URL is set): a claim over the cap parks the job (queued, stage waiting, an event
saying why), every way a running job ends (retention included) wakes the oldest parked one with a new render command, a
stale command for a parked job starts nothing, another tenant is unaffected, and a raised cap wakes
parked jobs at start."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from reports.v1 import job_pb2, store_pb2, store_pb2_grpc
from services.common import grpc_server, streams
from services.common.tenant_limits import Limits, TenantLimits
from services.common.timeutil import utcnow
from services.domain import job_states
from services.store import app as store_app
from services.store import deletion, inflight, jobs, migrate
from services.store.commands import Move
from services.store.db import create_db_engine
from services.store.tables import JOBS, MEDIA, OUTBOX
from tests.integration.helpers import complete_job
from tests.integration.store.test_claim import _events
from tests.integration.store.test_outbox import _job_request, _media
from tests.support.job_table import add_jobs
from tests.support.polling import until
from tests.support.stores import store_settings

CAP = 2
LIMITS = TenantLimits(tenants={"t": Limits(inflight=CAP)})
CAP_ONE = TenantLimits(tenants={"t": Limits(inflight=1)})
RUNNING, QUEUED = job_pb2.JOB_STATUS_RUNNING, job_pb2.JOB_STATUS_QUEUED


@dataclasses.dataclass
class Capped:
    store: store_app.RunningStore
    stub: store_pb2_grpc.StoreStub


async def _start(database_url: str, nats_url: str, limits: TenantLimits, **settings) -> store_app.RunningStore:
    base = dataclasses.replace(store_settings(database_url, nats_url), **settings)
    store = await store_app.start(dataclasses.replace(base, tenant_limits=limits))
    store.relay.stop()  # the outbox is read below: nothing may be published (and deleted) meanwhile
    await store.relay_task
    return store


@contextlib.asynccontextmanager
async def _serving(database_url: str, nats_url: str, limits: TenantLimits, **settings) -> AsyncIterator[Capped]:
    """A store with these caps (and settings), its relay stopped, and a stub to it."""
    store = await _start(database_url, nats_url, limits, **settings)
    channel = grpc_server.channel(f"127.0.0.1:{store.port}")
    try:
        yield Capped(store, store_pb2_grpc.StoreStub(channel))
    finally:
        await channel.close()
        await store.stop()


@pytest.fixture
async def capped(database_url, nats_server) -> AsyncIterator[Capped]:
    async with _serving(database_url, nats_server.url, LIMITS) as serving:
        yield serving


async def _claim(stub: store_pb2_grpc.StoreStub, job_id: str, tenant: str = "t") -> job_pb2.Job:
    """A renderer's claim; a parked job comes back without a prompt, a started one with it."""
    claimed = await stub.ClaimJob(store_pb2.ClaimJobRequest(tenant=tenant, job_id=job_id))
    assert claimed.HasField("prompt") == (claimed.job.status == RUNNING)
    return claimed.job


async def _jobs(stub: store_pb2_grpc.StoreStub, n: int, tenant: str = "t") -> list[str]:
    media_id = await _media(stub, tenant)
    return [(await stub.CreateJob(_job_request(media_id, tenant))).job_id for _ in range(n)]


async def _commands(store: store_app.RunningStore) -> list[str]:
    rows = await store.db.run(
        lambda c: c.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.subject == streams.RENDER_SUBJECT).order_by(OUTBOX.c.id)
        ).all()
    )
    return [job_pb2.RenderCommand.FromString(r.payload).job_id for r in rows]


async def end_job(stub: store_pb2_grpc.StoreStub, job_id: str, ending: str) -> None:
    """Ends the tenant t's job the way `ending` names: succeeded, failed, canceled or deleted."""
    if ending == "succeeded":
        await complete_job(stub, "t", job_id, start=False)
    elif ending == "failed":
        await stub.TransitionJob(
            store_pb2.TransitionJobRequest(
                tenant="t",
                job_id=job_id,
                status=job_pb2.JOB_STATUS_FAILED,
                error=job_pb2.JobError(code="internal", message="renderer gave up"),
            )
        )
    elif ending == "canceled":
        await stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=job_id))
    else:
        await stub.DeleteJob(store_pb2.DeleteRequest(tenant="t", id=job_id))


async def _full_with_two_parked(stub: store_pb2_grpc.StoreStub) -> tuple[list[str], list[str]]:
    """(the jobs running, the tenant at its cap; two jobs parked, oldest first), on two media."""
    running, parked = await _jobs(stub, CAP), await _jobs(stub, 2)
    for job_id in running + parked:
        await _claim(stub, job_id)
    return running, parked


async def test_a_claim_over_the_cap_parks_the_job_and_says_why(capped):
    first, second, third = await _jobs(capped.stub, 3)
    assert (await _claim(capped.stub, first)).status == RUNNING
    assert (await _claim(capped.stub, second)).status == RUNNING

    parked = await _claim(capped.stub, third)
    assert (parked.status, parked.stage) == (QUEUED, job_pb2.JOB_STAGE_WAITING)
    waiting = [e for e in await _events(capped.store, third) if e.stage == job_pb2.JOB_STAGE_WAITING]
    assert len(waiting) == 1 and "inflight:2" in waiting[0].progress.waiting_reason
    again = await _claim(capped.stub, third)  # a redelivered command: still parked, no new event
    assert again.stage == job_pb2.JOB_STAGE_WAITING
    assert len([e for e in await _events(capped.store, third) if e.stage == job_pb2.JOB_STAGE_WAITING]) == 1
    # a running job's moves (a redelivery, the next stage) are never refused
    assert (await _claim(capped.stub, first)).status == RUNNING
    moved = await capped.stub.TransitionJob(
        store_pb2.TransitionJobRequest(tenant="t", job_id=second, status=RUNNING, stage=job_pb2.JOB_STAGE_RENDERING)
    )
    assert moved.stage == job_pb2.JOB_STAGE_RENDERING


async def test_a_claim_with_a_resolution_over_the_cap_parks_the_job_and_records_nothing(capped):
    first, second, third = await _jobs(capped.stub, 3)
    for job_id in (first, second):
        await _claim(capped.stub, job_id)
    request = store_pb2.ClaimJobRequest(tenant="t", job_id=third)
    request.resolution.CopyFrom(job_pb2.JobResolution(entity_id="ana", strategy="dominant", confidence=0.9))
    parked = (await capped.stub.ClaimJob(request)).job
    assert (parked.status, parked.stage) == (QUEUED, job_pb2.JOB_STAGE_WAITING)
    assert not parked.HasField("resolution")


@pytest.mark.parametrize("ending", ["succeeded", "failed", "canceled", "deleted"])
async def test_every_end_of_a_running_job_wakes_the_oldest_parked_one(capped, ending):
    running, parked = await _full_with_two_parked(capped.stub)
    commands_before = await _commands(capped.store)

    await end_job(capped.stub, running[0], ending)

    assert await _commands(capped.store) == [*commands_before, parked[0]]  # one slot: the oldest
    woken = await capped.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=parked[0]))
    assert (woken.status, woken.stage) == (QUEUED, job_pb2.JOB_STAGE_QUEUED)
    assert (await _claim(capped.stub, parked[0])).status == RUNNING
    still = await capped.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=parked[1]))
    assert still.stage == job_pb2.JOB_STAGE_WAITING


async def test_running_jobs_deleted_by_retention_free_their_slots(capped):
    running, parked = await _full_with_two_parked(capped.stub)
    expired = (await capped.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=running[0]))).media_id
    await capped.store.db.run(
        lambda c: c.execute(
            update(MEDIA).where(MEDIA.c.id == expired).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    )
    assert (await capped.store.sweeper.sweep_once()).deleted == 1  # the media of both running jobs
    commands = await _commands(capped.store)
    assert commands[-2:] == parked  # two slots freed: both woken


async def test_a_parked_job_canceled_or_ended_queued_wakes_nothing(capped):
    _, parked = await _full_with_two_parked(capped.stub)
    commands_before = await _commands(capped.store)
    await capped.stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=parked[0]))
    assert await _commands(capped.store) == commands_before  # no slot was freed


async def test_another_tenant_is_unaffected(capped):
    for job_id in await _jobs(capped.stub, CAP):
        await _claim(capped.stub, job_id)
    others = await _jobs(capped.stub, CAP + 3, tenant="other")  # the default cap is 32
    claimed = [await _claim(capped.stub, job_id, tenant="other") for job_id in others]
    assert all(job.status == RUNNING for job in claimed)


async def test_concurrent_claims_never_pass_the_cap(capped):
    jobs = await _jobs(capped.stub, 8)
    claimed = await asyncio.gather(*(_claim(capped.stub, job_id) for job_id in jobs))
    assert sum(job.status == RUNNING for job in claimed) == CAP
    assert sum(job.stage == job_pb2.JOB_STAGE_WAITING for job in claimed) == len(jobs) - CAP


async def test_a_cap_raised_in_the_configuration_wakes_parked_jobs_at_start(database_url, nats_server):
    async with _serving(database_url, nats_server.url, LIMITS) as first:
        jobs = await _jobs(first.stub, CAP + 2)
        for job_id in jobs:
            await _claim(first.stub, job_id)
    raised = await _start(database_url, nats_server.url, TenantLimits(tenants={"t": Limits(inflight=CAP + 1)}))
    try:
        commands = await _commands(raised)
        assert commands.count(jobs[CAP]) == 2 and commands.count(jobs[CAP + 1]) == 1  # created, then woken
    finally:
        await raised.stop()


async def test_a_running_job_whose_renderer_was_lost_is_failed_and_frees_its_slot(database_url, nats_server):
    async with _serving(database_url, nats_server.url, CAP_ONE, lost_job_s=600.0) as capped:  # swept by hand below
        lost, parked = await _jobs(capped.stub, 2)
        assert (await _claim(capped.stub, lost)).status == RUNNING  # its command dropped, no advisory: lost
        assert (await _claim(capped.stub, parked)).stage == job_pb2.JOB_STAGE_WAITING
        assert await capped.store.lost_jobs.sweep_once() == 0  # a running job moved recently is kept
        await capped.store.db.run(
            lambda c: c.execute(
                update(JOBS).where(JOBS.c.id == lost).values(updated_at=utcnow() - timedelta(seconds=601))
            )
        )
        assert await capped.store.lost_jobs.sweep_once() == 1
        failed = await capped.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=lost))
        assert (failed.status, failed.error.code) == (job_pb2.JOB_STATUS_FAILED, "internal")
        assert (await _commands(capped.store))[-1] == parked  # woken in the same transaction
        assert (await _claim(capped.stub, parked)).status == RUNNING


async def test_the_lost_job_sweep_runs_on_its_own(database_url, nats_server):
    async with _serving(database_url, nats_server.url, CAP_ONE, lost_job_s=1.0, retention_sweep_s=0.1) as capped:
        lost, parked = await _jobs(capped.stub, 2)
        await _claim(capped.stub, lost)
        await _claim(capped.stub, parked)

        async def parked_runs() -> bool:
            return parked in await _commands(capped.store) and (await _claim(capped.stub, parked)).status == RUNNING

        await until(parked_runs, what="the parked job running after the lost one was swept")
        failed = await capped.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=lost))
        assert failed.status == job_pb2.JOB_STATUS_FAILED


async def test_slots_go_in_creation_order_a_newer_job_never_passes_a_woken_one(database_url, nats_server):
    async with _serving(database_url, nats_server.url, CAP_ONE) as capped:
        first, older = await _jobs(capped.stub, 2)
        assert (await _claim(capped.stub, first)).status == RUNNING
        assert (await _claim(capped.stub, older)).stage == job_pb2.JOB_STAGE_WAITING
        (newer,) = await _jobs(capped.stub, 1)  # its command is ahead of the wake's
        await complete_job(capped.stub, "t", first, start=False)
        assert (await _commands(capped.store))[-1] == older  # woken: the free slot is its own

        parked = await _claim(capped.stub, newer)
        assert (parked.status, parked.stage) == (QUEUED, job_pb2.JOB_STAGE_WAITING)
        assert (await _claim(capped.stub, older)).status == RUNNING
        commands_before = await _commands(capped.store)
        await capped.stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=older))
        assert await _commands(capped.store) == [*commands_before, newer]  # then the newer one, in turn
        assert (await _claim(capped.stub, newer)).status == RUNNING


async def test_a_woken_job_holds_its_slot_until_claimed_and_frees_it_if_it_ends_first(database_url, nats_server):
    async with _serving(database_url, nats_server.url, CAP_ONE) as capped:
        first, woken, parked = await _jobs(capped.stub, 3)
        await _claim(capped.stub, first)
        await _claim(capped.stub, woken)
        await _claim(capped.stub, parked)
        await complete_job(capped.stub, "t", first, start=False)
        assert (await _commands(capped.store))[-1] == woken
        assert await capped.store.db.run(lambda c: inflight.wake(c, "t", 1)) == 0  # its slot is taken
        await capped.stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=woken))  # ended unclaimed
        assert (await _commands(capped.store))[-1] == parked
        assert (await _claim(capped.stub, parked)).status == RUNNING


async def test_the_retention_sweep_and_a_media_deletion_never_deadlock(capped, database_url):
    """PostgreSQL: a deletion holds the tenant lock and then deletes the media row; the sweep takes
    tenant locks before rows, so it waits for the deletion instead of holding the row it needs."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row and advisory locks: PostgreSQL only")
    media_id = await _media(capped.stub, "t")
    await capped.store.db.run(
        lambda c: c.execute(
            update(MEDIA).where(MEDIA.c.id == media_id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    )
    engine = create_db_engine(database_url)
    deleting, watching = engine.connect(), engine.connect()
    try:
        deleting.begin()
        inflight.lock_tenant(deleting, "t")  # DeleteMedia's first step
        sweep = asyncio.create_task(capped.store.sweeper.sweep_once())

        def sweep_waits_for_the_tenant_lock() -> bool:
            return bool(
                watching.execute(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                ).scalar_one()
            )

        await until(lambda: asyncio.to_thread(sweep_waits_for_the_tenant_lock), what="the sweep waiting")
        await asyncio.to_thread(deletion.delete_media_rows, deleting, [media_id])  # then its rows
        deleting.commit()  # no deadlock error on either side
        assert (await sweep).deleted == 0  # the deletion had it first
    finally:
        deleting.close()
        watching.close()
        engine.dispose()


def test_a_transaction_takes_a_tenants_lock_once_and_the_next_transaction_takes_it_again(database_url):
    """PostgreSQL: a batch asks for its tenant's lock once per job; the transaction sends it once,
    and the same pooled connection's next transaction is locked again, not fooled by the record."""
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks: PostgreSQL only")
    engine = create_db_engine(database_url)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    watching = create_db_engine(database_url).connect()

    def locked_elsewhere() -> bool:
        with watching.begin():
            return not watching.execute(
                text("SELECT pg_try_advisory_xact_lock(:c, hashtext(current_schema() || '/' || 't'))"),
                {"c": inflight.INFLIGHT_LOCK_CLASS},
            ).scalar_one()

    backends = set()
    try:
        for _ in range(2):
            with engine.begin() as connection:
                backends.add(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
                inflight.lock_tenant(connection, "t")
                inflight.lock_tenant(connection, "t")
                assert locked_elsewhere()
            assert not locked_elsewhere()
        assert len(backends) == 1  # the pool handed the same connection out again
        assert sum("pg_advisory_xact_lock" in statement for statement in sent) == 2
    finally:
        watching.close()
        engine.dispose()


def test_a_move_to_running_at_any_stage_holds_the_tenants_lock(database_url):
    """PostgreSQL: a queued job's first move to running may come as a move to rendering (a renderer
    that resolved before claiming); it parks or starts the job against the tenant's count, so it
    holds the lock a claim batch or a wake holds while it decides."""
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks: PostgreSQL only")
    engine = create_db_engine(database_url)
    watching = create_db_engine(database_url).connect()
    try:
        migrate.upgrade(engine)  # PostgreSQL comes as an empty schema
        with engine.begin() as connection:
            add_jobs(connection, [("t", "job_1", "out")])
        with engine.begin() as connection:
            moved = jobs.transition(connection, "t", "job_1", Move(job_states.RUNNING, "rendering"), inflight_cap=CAP)
            assert (moved.status, moved.stage) == (job_states.RUNNING, "rendering")
            with watching.begin():
                assert not watching.execute(
                    text("SELECT pg_try_advisory_xact_lock(:c, hashtext(current_schema() || '/' || 't'))"),
                    {"c": inflight.INFLIGHT_LOCK_CLASS},
                ).scalar_one()
    finally:
        watching.close()
        engine.dispose()
