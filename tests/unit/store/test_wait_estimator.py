"""The wait estimate at job creation, against a real SQLite database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Connection

from services.common import ids
from services.common.timeutil import utcnow
from services.store import job_rows
from services.store.records import Job
from services.store.tables import JOBS
from services.store.wait import Capacity, WaitEstimator


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _add_jobs(connection: Connection, count: int, status: str = "queued", seconds: float = 0.0) -> None:
    now = utcnow()
    for _ in range(count):
        job_rows.add(
            connection,
            Job(
                id=ids.new_id("job"),
                tenant="t",
                media_id="m",
                status=status,
                stage="queued",
                template="sales_playbook",
                template_params={},
                target={},
                created_at=now,
                updated_at=now,
                started_at=now - timedelta(seconds=seconds) if seconds else None,
                finished_at=now if seconds else None,
            ),
        )


def test_no_wait_while_the_renderers_have_room(connection: Connection):
    _add_jobs(connection, 3)
    assert WaitEstimator(Capacity(concurrent_jobs=4)).estimate(connection) == 0.0


def test_a_full_round_ahead_waits_one_mean_duration_of_the_latest_jobs(connection: Connection):
    _add_jobs(connection, 5, status="succeeded", seconds=6.0)
    _add_jobs(connection, 9)
    # 9 ahead of 4 renderer slots: two full rounds of 6 s each
    assert WaitEstimator(Capacity(concurrent_jobs=4)).estimate(connection) == 12.0


def test_without_history_a_round_takes_the_default_duration(connection: Connection):
    _add_jobs(connection, 4)
    assert WaitEstimator(Capacity(concurrent_jobs=4, default_job_sec=7.5)).estimate(connection) == 7.5


def test_jobs_created_between_reads_count_without_reading_the_queue_again(connection: Connection):
    clock = Clock()
    waits = WaitEstimator(Capacity(concurrent_jobs=2, default_job_sec=10.0), refresh_s=1.0, clock=clock)
    assert waits.estimate(connection) == 0.0
    _add_jobs(connection, 50)  # not seen until the next read
    waits.created()
    assert waits.estimate(connection) == 0.0
    waits.created()
    assert waits.estimate(connection) == 10.0  # 2 ahead: the two this store created
    clock.now = 1.0
    assert waits.estimate(connection) == 250.0  # the read: 50 ahead in 2 slots, 25 rounds of 10 s


def test_jobs_that_ended_stop_counting_at_the_next_read(connection: Connection):
    clock = Clock()
    waits = WaitEstimator(Capacity(concurrent_jobs=1, default_job_sec=10.0), refresh_s=0.5, clock=clock)
    _add_jobs(connection, 3)
    assert waits.estimate(connection) == 30.0
    connection.execute(update(JOBS).values(status="canceled"))
    clock.now = 0.5
    assert waits.estimate(connection) == 0.0
