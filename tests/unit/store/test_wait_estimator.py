"""The wait estimate at job creation, against a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, update

from services.common import ids
from services.common.timeutil import utcnow
from services.store.db import create_db_engine, create_schema
from services.store.tables import JobRow
from services.store.wait import Capacity, WaitEstimator


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'wait.db'}")
    create_schema(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _add_jobs(session: Session, count: int, status: str = "queued", seconds: float = 0.0) -> None:
    now = utcnow()
    for _ in range(count):
        session.add(JobRow(id=ids.new_id("job"), tenant="t", media_id="m", status=status, stage="queued",
                           template="sales_playbook", template_params={}, target={}, created_at=now,
                           updated_at=now, started_at=now - timedelta(seconds=seconds) if seconds else None,
                           finished_at=now if seconds else None))
    session.commit()


def test_no_wait_while_the_renderers_have_room(session: Session):
    _add_jobs(session, 3)
    assert WaitEstimator(Capacity(concurrent_jobs=4)).estimate(session) == 0.0


def test_a_full_round_ahead_waits_one_mean_duration_of_the_latest_jobs(session: Session):
    _add_jobs(session, 5, status="succeeded", seconds=6.0)
    _add_jobs(session, 9)
    # 9 ahead of 4 renderer slots: two full rounds of 6 s each
    assert WaitEstimator(Capacity(concurrent_jobs=4)).estimate(session) == 12.0


def test_without_history_a_round_takes_the_default_duration(session: Session):
    _add_jobs(session, 4)
    assert WaitEstimator(Capacity(concurrent_jobs=4, default_job_sec=7.5)).estimate(session) == 7.5


def test_jobs_created_between_reads_count_without_reading_the_queue_again(session: Session):
    clock = Clock()
    waits = WaitEstimator(Capacity(concurrent_jobs=2, default_job_sec=10.0), refresh_s=1.0, clock=clock)
    assert waits.estimate(session) == 0.0
    _add_jobs(session, 50)  # not seen until the next read
    waits.created()
    assert waits.estimate(session) == 0.0
    waits.created()
    assert waits.estimate(session) == 10.0  # 2 ahead: the two this store created
    clock.now = 1.0
    assert waits.estimate(session) == 250.0  # the read: 50 ahead in 2 slots, 25 rounds of 10 s


def test_jobs_that_ended_stop_counting_at_the_next_read(session: Session):
    clock = Clock()
    waits = WaitEstimator(Capacity(concurrent_jobs=1, default_job_sec=10.0), refresh_s=0.5, clock=clock)
    _add_jobs(session, 3)
    assert waits.estimate(session) == 30.0
    session.exec(update(JobRow).values(status="canceled"))  # type: ignore[call-overload]
    session.commit()
    clock.now = 0.5
    assert waits.estimate(session) == 0.0
