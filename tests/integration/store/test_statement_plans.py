"""The statements every claim, completion and create runs read only the jobs they count, however
PostgreSQL plans them. It plans a statement the driver has prepared (psycopg: at its fifth run) once
for any parameters, from each column's average frequency; a job's status is skewed (most jobs have
ended), so with `status = $1` that plan read every job (the window's count in B1 on PostgreSQL:
5.3 ms a fill at 20,000 queued jobs). The statuses are written into the SQL (sql_constants.py).
Each statement is prepared here as the driver prepares it, and its plan for any parameters read.
A tenant's job list keeps the client's status as a parameter: its newest-first order holds its
plan on the (tenant, status, id) index for any status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Executable

from services.store import dispatch, inflight, jobs, migrate, wait
from services.store.db import create_db_engine
from services.store.tables import JOBS

_JOBS = (
    "INSERT INTO jobs (id, tenant, media_id, status, stage, template, template_params, target, created_at,"
    " updated_at, dispatched_at) SELECT 'job_' || lpad(i::text, 6, '0'), :tenant, 'med_1', :status, :stage,"
    " 'sales_playbook', '{}', '{}', now(), now(), CASE WHEN CAST(:dispatched AS boolean) THEN now() END"
    " FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) i"
)


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    """A tenant's long history and a few live jobs: 5,000 succeeded, 10 running, 16 dispatched and
    100 waiting their turn; analyzed."""
    engine = create_db_engine(postgres_url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        for first, last, status, stage, dispatched in (
            (1, 5000, "succeeded", "storing", True),
            (5001, 5010, "running", "rendering", True),
            (5011, 5026, "queued", "queued", True),
            (5027, 5126, "queued", "queued", False),
        ):
            values = {"tenant": "t", "status": status, "stage": stage, "dispatched": dispatched}
            connection.execute(text(_JOBS), {**values, "first": first, "last": last})
        connection.execute(text("ANALYZE jobs"))
    try:
        yield engine
    finally:
        engine.dispose()


def _plan_for_any_parameters(connection: Connection, statement: Executable) -> str:
    """EXPLAIN of `statement` prepared with its parameters as $1, $2, ... (asyncpg's dialect writes
    them so), as PostgreSQL plans it once for any of their values."""
    compiled = statement.compile(dialect=asyncpg.dialect())
    connection.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    connection.exec_driver_sql(f"PREPARE under_test AS {compiled}")
    values = [compiled.params[name] for name in compiled.positiontup or []]
    arguments = "(" + ", ".join(f"'{value}'" for value in values) + ")" if values else ""
    plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN EXECUTE under_test{arguments}").scalars())
    connection.exec_driver_sql("DEALLOCATE under_test")
    return plan


@pytest.mark.parametrize(
    "statement",
    [
        dispatch._OUTSTANDING_AND_ANY_QUEUED,
        inflight._TAKEN_AND_OLDER_IN_LINE.params(tenant="t", up_to=16, job_id="job_005100"),
        inflight._RUNNING.params(tenant="t", up_to=16),
        inflight._ANY_PARKED.params(tenant="t"),
        inflight._PARKED.params(tenant="t", up_to=16),
        inflight._WOKEN.params(tenant="t", up_to=16),
        dispatch._HEADS.params(after="", up_to=16),
        dispatch._NEXT_JOBS.params(tenant="t", after="job_005100", up_to=16),
        wait._QUEUE_DEPTH,
        jobs.listed(status="succeeded").params(tenant="t").order_by(JOBS.c.id.desc()).limit(21),
        jobs.listed(status=None).params(tenant="t").order_by(JOBS.c.id.desc()).limit(21),
    ],
    ids=[
        "window's outstanding count and whether a job waits",
        "claim's running and older in line",
        "tenant's running",
        "any parked",
        "parked",
        "woken",
        "tenants' oldest undispatched jobs",
        "tenant's next jobs",
        "queue depth",
        "a tenant's jobs of one status, newest first",
        "a tenant's jobs, newest first",
    ],
)
def test_a_statement_planned_for_any_parameters_reads_an_index_not_every_job(engine: Engine, statement) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        plan = _plan_for_any_parameters(connection, statement)
    assert "Seq Scan" not in plan, plan


def test_the_counts_read_through_those_plans_are_right(engine: Engine) -> None:
    with engine.begin() as connection:
        assert dispatch.outstanding_and_any_queued(connection) == ({"t": 26}, True)
        assert inflight.running(connection, "t", up_to=64) == 10
