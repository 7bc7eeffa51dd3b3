"""Each tenant's count of queued jobs (tenant_queues, kept by triggers on `jobs`: migration 0007),
in a real store (SQLite, and PostgreSQL when REPORTS_TEST_POSTGRES_URL is set): it equals a count
of the tenant's queued jobs after every way a job enters or leaves the queue, the queued cap reads
it, and the migration counts the jobs already queued when it runs."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Connection

from reports.v1 import job_pb2, store_pb2
from services.common.tenant_limits import Limits, TenantLimits
from services.common.timeutil import utcnow
from services.store import migrate, quotas
from services.store.db import create_db_engine
from services.store.tables import JOBS, MEDIA
from tests.integration.store.test_inflight_cap import Capped, _claim, _jobs, _serving, end_job
from tests.integration.store.test_outbox import _job_request, _media

LIMITS = TenantLimits(tenants={"t": Limits(inflight=2, queued=6), "u": Limits(queued=6)})


def _counted(connection: Connection, tenant: str) -> int:
    return int(
        connection.execute(
            select(func.count()).select_from(JOBS).where(JOBS.c.tenant == tenant, JOBS.c.status == "queued")
        ).scalar_one()
    )


async def _agree(capped: Capped, expected: dict[str, int]) -> None:
    """The kept counts are the counted ones, and what the test expects."""
    for tenant, queued in expected.items():
        kept, counted = await capped.store.db.run(lambda c, t=tenant: (quotas.queued(c, t), _counted(c, t)))
        assert (kept, counted) == (queued, queued), tenant


async def test_the_count_follows_every_way_into_and_out_of_the_queue(database_url, nats_server):
    async with _serving(database_url, nats_server.url, LIMITS) as capped:
        jobs = await _jobs(capped.stub, 6)
        other = await _jobs(capped.stub, 2, tenant="u")
        await _agree(capped, {"t": 6, "u": 2})

        for job_id in jobs[:3]:  # two start, the third is parked by the in-flight cap: still queued
            await _claim(capped.stub, job_id)
        await _agree(capped, {"t": 4, "u": 2})

        await end_job(capped.stub, jobs[3], "canceled")  # queued → canceled
        await end_job(capped.stub, jobs[4], "deleted")  # a queued job deleted
        await end_job(capped.stub, jobs[0], "succeeded")  # wakes the parked one: it stays queued
        await _agree(capped, {"t": 2, "u": 2})

        await capped.stub.TransitionJob(  # a queued job failed (by an operator, say)
            store_pb2.TransitionJobRequest(
                tenant="t", job_id=jobs[5], status=job_pb2.JOB_STATUS_FAILED, error=job_pb2.JobError(code="internal")
            )
        )
        await _agree(capped, {"t": 1, "u": 2})

        media_id = (await capped.stub.GetJob(store_pb2.GetJobRequest(tenant="u", job_id=other[0]))).media_id
        await capped.stub.DeleteMedia(store_pb2.DeleteRequest(tenant="u", id=media_id))  # its jobs go with it
        await _agree(capped, {"t": 1, "u": 0})

        expired = (await capped.stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=jobs[2]))).media_id
        await capped.store.db.run(
            lambda c: c.execute(
                update(MEDIA).where(MEDIA.c.id == expired).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        )
        assert (await capped.store.sweeper.sweep_once()).deleted == 1  # retention takes the woken job too
        await _agree(capped, {"t": 0, "u": 0})


async def test_the_cap_refuses_at_the_count_and_admits_again_when_a_job_leaves(database_url, nats_server):
    async with _serving(database_url, nats_server.url, LIMITS) as capped:
        jobs = await _jobs(capped.stub, 6)
        media_id = await _media(capped.stub, "t")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await capped.stub.CreateJob(_job_request(media_id, "t"))
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "6 jobs queued" in (refused.value.details() or "")

        await _claim(capped.stub, jobs[0])
        await capped.stub.CreateJob(_job_request(media_id, "t"))  # a place freed: admitted
        await _agree(capped, {"t": 6})


async def test_the_migration_counts_the_jobs_already_queued(empty_database_url, nats_server):
    engine = create_db_engine(empty_database_url)
    try:
        from alembic import command

        with engine.begin() as c:
            command.upgrade(migrate.config(c), "0006")
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO media (id, tenant, title, duration_sec, transcript_format, segments, created_at) "
                    "VALUES ('m', 't', 'm', 1, 'json', '[]', :now)"
                ),
                {"now": utcnow()},
            )
            for n, status in enumerate(["queued", "queued", "running", "succeeded", "queued"]):
                c.execute(
                    text(
                        "INSERT INTO jobs (id, tenant, media_id, status, stage, template, template_params, target, "
                        "created_at, updated_at, report_deleted) VALUES (:id, :tenant, 'm', :status, 'queued', "
                        "'sales_playbook', '{}', '{}', :now, :now, false)"
                    ),
                    {"id": f"job_{n}", "tenant": "u" if n == 4 else "t", "status": status, "now": utcnow()},
                )
        migrate.upgrade(engine)
        with engine.connect() as c:
            assert (quotas.queued(c, "t"), quotas.queued(c, "u"), quotas.queued(c, "nobody")) == (2, 1, 0)
    finally:
        engine.dispose()
