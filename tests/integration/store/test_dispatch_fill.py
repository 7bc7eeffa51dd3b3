"""`dispatch.fill` on the jobs table itself (SQLite, and PostgreSQL when REPORTS_TEST_POSTGRES_URL is
set): which queued jobs a fill dispatches when it has several places, however each tenant's queued
jobs fall into the reads it makes, and the commands it adds, in the order it chose."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from reports.v1 import job_pb2
from services.common import streams
from services.store import dispatch
from services.store.db import Database
from services.store.tables import OUTBOX
from tests.support.job_table import add_jobs, statements_sent


async def _fill(db: Database, jobs: list[tuple[str, str, str]], window: int) -> list[str]:
    """The jobs a fill dispatches, as the order of their commands says."""

    def run(connection: Connection) -> list[str]:
        add_jobs(connection, jobs)
        dispatched = dispatch.fill(connection, window)
        payloads = connection.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.subject == streams.RENDER_SUBJECT).order_by(OUTBOX.c.seq)
        ).scalars()
        commanded = [job_pb2.RenderCommand.FromString(payload).job_id for payload in payloads]
        assert dispatched == len(commanded)
        return commanded

    return await db.run(run)


def _queued(tenant: str, count: int, first: int = 1) -> list[tuple[str, str, str]]:
    return [(tenant, f"job_{tenant}_{i:03d}", "queued") for i in range(first, first + count)]


async def test_one_tenant_with_fewer_jobs_than_places_has_them_all_dispatched_in_order(db):
    assert await _fill(db, _queued("a", 3), window=8) == ["job_a_001", "job_a_002", "job_a_003"]


async def test_one_tenant_with_more_jobs_than_places_fills_them_with_its_oldest(db):
    assert await _fill(db, _queued("a", 10), window=4) == [f"job_a_{i:03d}" for i in range(1, 5)]


async def test_places_go_to_the_tenant_with_the_fewest_out_even_past_what_its_first_read_fetched(db):
    """With 4 places: the first read takes a's 2 queued jobs and b's oldest 2 (b may have more);
    a has 5 jobs out, b none, so all four places go to b, whose next two are fetched."""
    out = [("a", f"job_a_out_{i}", "running") for i in range(5)]
    jobs = out + _queued("a", 2) + _queued("b", 6)
    assert await _fill(db, jobs, window=9) == ["job_b_001", "job_b_002", "job_b_003", "job_b_004"]


async def test_tenants_take_turns_when_a_read_fills_with_one_tenant_before_the_others(db):
    """a's queue fills the first read; the next read starts past a and finds b and c."""
    jobs = _queued("a", 10) + _queued("b", 1) + _queued("c", 2)
    dispatched = await _fill(db, jobs, window=6)
    assert sorted(dispatched) == ["job_a_001", "job_a_002", "job_a_003", "job_b_001", "job_c_001", "job_c_002"]
    assert dispatched[:3] == ["job_a_001", "job_b_001", "job_c_001"]  # one each first, oldest first


async def test_a_full_window_dispatches_nothing(db):
    out = [("a", f"job_a_out_{i}", "out") for i in range(3)]
    assert await _fill(db, out + _queued("b", 2), window=3) == []


async def test_a_fill_with_nothing_waiting_ends_after_one_read(db):
    """A lone job's completion fills the window with nothing queued: the count of what is out says
    so too, and no tenant's queue is read."""
    with statements_sent(db.engine) as sent:
        assert await _fill(db, [("a", "job_a_out_0", "out"), ("b", "job_b_run_0", "running")], window=8) == []
    job_reads = [s for s in sent if " FROM jobs" in s and not s.startswith("INSERT")]
    assert len(job_reads) == 1, job_reads
