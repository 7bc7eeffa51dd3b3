"""Fair dispatch in a real store (SQLite, and PostgreSQL when REPORTS_TEST_POSTGRES_URL is set): at most
a window of jobs has a render command out; the rest stay queued in the store; each place that frees
goes to the tenant with the fewest jobs out, so a tenant's new job passes another's long queue;
every way a job ends (retention and the lost-job sweep included) and a parked claim frees a place;
a lost command is sent again; two store replicas together never pass the window."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import update

from reports.v1 import job_pb2, store_pb2
from services.common.tenant_limits import Limits, TenantLimits
from services.common.timeutil import utcnow
from services.store import dispatch
from services.store.tables import JOBS, MEDIA
from tests.integration.helpers import complete_job
from tests.integration.store.test_inflight_cap import Capped, _claim, _commands, _jobs, _serving, end_job
from tests.integration.store.test_outbox import _job_request, _media

WINDOW = 2
QUEUED, RUNNING = job_pb2.JOB_STATUS_QUEUED, job_pb2.JOB_STATUS_RUNNING


@contextlib.asynccontextmanager
async def _windowed(
    database_url: str, nats_url: str, limits: TenantLimits = TenantLimits(), **settings
) -> AsyncIterator[Capped]:
    async with _serving(database_url, nats_url, limits, dispatch_window=WINDOW, **settings) as serving:
        yield serving


@pytest.fixture
async def windowed(database_url, nats_server) -> AsyncIterator[Capped]:
    async with _windowed(database_url, nats_server.url) as serving:
        yield serving


async def _stage(serving: Capped, job_id: str, tenant: str = "t") -> tuple[int, int]:
    job = await serving.stub.GetJob(store_pb2.GetJobRequest(tenant=tenant, job_id=job_id))
    return job.status, job.stage


async def test_only_a_window_of_jobs_is_dispatched_the_rest_wait_queued(windowed):
    jobs = await _jobs(windowed.stub, 5)
    assert await _commands(windowed.store) == jobs[:WINDOW]
    for job_id in jobs[WINDOW:]:
        assert await _stage(windowed, job_id) == (QUEUED, job_pb2.JOB_STAGE_QUEUED)


async def test_a_new_job_of_another_tenant_takes_the_next_free_place(windowed):
    busy = await _jobs(windowed.stub, 6)
    (newcomer,) = await _jobs(windowed.stub, 1, tenant="other")
    assert await _commands(windowed.store) == busy[:WINDOW]  # the window is full
    await complete_job(windowed.stub, "t", busy[0])
    assert await _commands(windowed.store) == [*busy[:WINDOW], newcomer]  # not busy[2], older
    await complete_job(windowed.stub, "other", newcomer)
    await complete_job(windowed.stub, "t", busy[1])
    assert (await _commands(windowed.store))[WINDOW + 1 :] == busy[2:4]  # then the queue goes on in order


async def test_two_busy_tenants_share_the_window_evenly(database_url, nats_server):
    async with _serving(database_url, nats_server.url, TenantLimits(), dispatch_window=4) as serving:
        first = await _jobs(serving.stub, 8)
        second = await _jobs(serving.stub, 8, tenant="other")
        for job_id in first[:2]:
            await complete_job(serving.stub, "t", job_id)
        commands = await _commands(serving.store)
        assert commands == first[:4] + second[:2]  # both places freed went to the tenant with none out
        for job_id in first[2:4]:
            await complete_job(serving.stub, "t", job_id)
        assert (await _commands(serving.store))[6:] == first[4:6]  # now the first has fewer out


@pytest.mark.parametrize("ending", ["failed", "canceled", "deleted"])
async def test_every_end_of_a_dispatched_job_frees_its_place(windowed, ending):
    jobs = await _jobs(windowed.stub, 3)
    await end_job(windowed.stub, jobs[0], ending)
    assert await _commands(windowed.store) == jobs


async def test_ending_a_job_that_waits_its_turn_dispatches_nothing(windowed):
    jobs = await _jobs(windowed.stub, 4)
    await windowed.stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=jobs[2]))
    assert await _commands(windowed.store) == jobs[:WINDOW]
    await complete_job(windowed.stub, "t", jobs[0])
    assert await _commands(windowed.store) == [*jobs[:WINDOW], jobs[3]]


async def test_jobs_deleted_by_retention_free_their_places(windowed):
    jobs = await _jobs(windowed.stub, 2)
    waiting = await _jobs(windowed.stub, 2)
    expired = (await windowed.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=jobs[0]))).media_id
    await windowed.store.db.run(
        lambda c: c.execute(
            update(MEDIA).where(MEDIA.c.id == expired).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    )
    assert (await windowed.store.sweeper.sweep_once()).deleted == 1
    assert await _commands(windowed.store) == jobs + waiting


async def test_a_parked_job_leaves_the_window_and_its_wake_sends_it_again(database_url, nats_server):
    capped = TenantLimits(tenants={"t": Limits(inflight=1)})
    async with _windowed(database_url, nats_server.url, capped) as serving:
        running, parked, third = await _jobs(serving.stub, 3)
        assert (await _claim(serving.stub, running)).status == RUNNING
        assert (await _claim(serving.stub, parked)).stage == job_pb2.JOB_STAGE_WAITING
        assert await _commands(serving.store) == [running, parked, third]  # its place went on
        await complete_job(serving.stub, "t", running, start=False)
        assert (await _commands(serving.store))[-1] == parked  # woken into the cap's slot
        assert (await _claim(serving.stub, parked)).status == RUNNING


async def test_the_lost_job_sweep_frees_places_and_sends_a_lost_command_again(database_url, nats_server):
    async with _windowed(database_url, nats_server.url, lost_job_s=600.0) as serving:  # swept by hand
        lost_renderer, lost_command, waiting = await _jobs(serving.stub, 3)
        assert (await _claim(serving.stub, lost_renderer)).status == RUNNING
        assert await serving.store.lost_jobs.sweep_once() == 0
        assert await _commands(serving.store) == [lost_renderer, lost_command]
        long_ago = utcnow() - timedelta(seconds=601)
        await serving.store.db.run(
            lambda c: c.execute(
                update(JOBS)
                .where(JOBS.c.id.in_([lost_renderer, lost_command]))
                .values(updated_at=long_ago, dispatched_at=long_ago)
            )
        )
        assert await serving.store.lost_jobs.sweep_once() == 1  # the running one failed
        assert (await _commands(serving.store))[2:] == [lost_command, waiting]  # sent again; the freed place
        assert (await _claim(serving.stub, lost_command)).status == RUNNING


async def test_two_store_replicas_never_dispatch_past_the_window(database_url, nats_server):
    if not database_url.startswith("postgresql"):
        pytest.skip("several store replicas share PostgreSQL only")
    async with _windowed(database_url, nats_server.url) as one, _windowed(database_url, nats_server.url) as two:
        media = {tenant: await _media(one.stub, tenant) for tenant in ("t", "other")}
        tenants = [tenant for tenant in media for _ in range(6)]
        created = await asyncio.gather(
            *(
                stub.CreateJob(_job_request(media[tenant], tenant))
                for tenant, stub in zip(tenants, [one.stub, two.stub] * 6, strict=True)
            )
        )
        commands = await _commands(one.store)
        assert len(commands) == WINDOW
        tenant = next(t for t, c in zip(tenants, created, strict=True) if c.job_id == commands[0])
        await two.stub.CancelJob(store_pb2.CancelJobRequest(tenant=tenant, job_id=commands[0]))
        assert len(await _commands(one.store)) == WINDOW + 1
        out, _ = await one.store.db.run(dispatch.outstanding_and_any_queued)
        assert sum(out.values()) == WINDOW


async def test_two_store_replicas_creating_for_several_tenants_at_once_never_deadlock(
    database_url, nats_server, caplog
):
    """Each replica batches the creates that arrive together; their transactions take the tenants'
    queued-cap locks and the dispatch lock in one order (group_commit.py), so none waits on another
    in a cycle: no create fails and no batch is rolled back to run create by create."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several store replicas share PostgreSQL only")
    async with _windowed(database_url, nats_server.url) as one, _windowed(database_url, nats_server.url) as two:
        media = {tenant: await _media(one.stub, tenant) for tenant in ("t", "other", "third")}
        for _ in range(3):
            tenants = [tenant for _ in range(8) for tenant in media]
            created = await asyncio.gather(
                *(
                    stub.CreateJob(_job_request(media[tenant], tenant))
                    for tenant, stub in zip(tenants, [one.stub, two.stub] * 12, strict=True)
                )
            )
            assert len({c.job_id for c in created}) == len(tenants)
    assert "failed together" not in caplog.text


async def test_completions_sent_at_once_each_free_their_place_and_a_refused_one_is_answered_alone(
    database_url, nats_server
):
    async with _serving(database_url, nats_server.url, TenantLimits(), dispatch_window=4) as serving:
        jobs = await _jobs(serving.stub, 9)
        out = jobs[:4]
        for job_id in out:
            assert (await _claim(serving.stub, job_id)).status == RUNNING
        await serving.stub.CancelJob(store_pb2.CancelJobRequest(tenant="t", job_id=out[3]))
        assert await _commands(serving.store) == jobs[:5]  # the cancel freed one place

        # sent at once (a batch, the first maybe alone: group_commit.py), each answered on its own
        answers = await asyncio.gather(
            *(complete_job(serving.stub, "t", job_id, start=False) for job_id in out), return_exceptions=True
        )
        assert all(isinstance(a, str) and a.startswith("rep_") for a in answers[:3])
        refused = answers[3]
        assert isinstance(refused, grpc.aio.AioRpcError)
        assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert await _commands(serving.store) == jobs[:8]  # three places freed, three dispatched
        for job_id in out[:3]:
            assert (await serving.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=job_id))).report_id


async def test_claims_sent_at_once_keep_the_in_flight_cap_and_each_parked_one_frees_its_place(
    database_url, nats_server
):
    capped = TenantLimits(tenants={"t": Limits(inflight=2)})
    async with _serving(database_url, nats_server.url, capped, dispatch_window=4) as serving:
        jobs = await _jobs(serving.stub, 7)
        out = jobs[:4]
        # sent at once (a batch, the first maybe alone: group_commit.py), each answered on its own
        claimed = await asyncio.gather(*(_claim(serving.stub, job_id) for job_id in out))
        assert sorted(job.status for job in claimed) == [QUEUED, QUEUED, RUNNING, RUNNING]
        parked = [job.id for job in claimed if job.stage == job_pb2.JOB_STAGE_WAITING]
        assert len(parked) == 2
        assert await _commands(serving.store) == jobs[:6]  # the two parked left their places to the next two
