"""How long a new job waits before a renderer picks it up.

The estimate comes from the queue depth (queued and running jobs), the renderers' capacity and
the latest succeeded jobs' durations: 0 while the renderers have room, else one mean duration per
full round of jobs ahead.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection

from services.common import defaults
from services.common.timeutil import as_utc
from services.domain.job_states import QUEUED, RUNNING, SUCCEEDED
from services.store.sql_constants import constant
from services.store.tables import JOBS

_QUEUE_DEPTH = (
    select(func.count())
    .select_from(JOBS)
    .where((JOBS.c.status == constant(QUEUED)) | (JOBS.c.status == constant(RUNNING)))
)


@dataclass(frozen=True)
class Capacity:
    """How many jobs the renderers run at once, for estimating a new job's wait."""

    concurrent_jobs: int = defaults.RENDERER_CONCURRENCY
    default_job_sec: float = 10.0


def latest_durations_query(limit: int = 50) -> Select[datetime | None, datetime | None]:
    """The latest succeeded jobs' start and end; read in index order (ix_jobs_status_finished)."""
    return (
        select(JOBS.c.started_at, JOBS.c.finished_at)
        .where(JOBS.c.status == SUCCEEDED, JOBS.c.started_at.is_not(None))
        .order_by(JOBS.c.finished_at.desc())
        .limit(limit)
    )


_LATEST_DURATIONS = latest_durations_query()


def queue_depth(connection: Connection) -> int:
    return int(connection.execute(_QUEUE_DEPTH).scalar_one())


def mean_job_seconds(connection: Connection, capacity: Capacity) -> float:
    recent = connection.execute(_LATEST_DURATIONS).all()
    durations = [(as_utc(f) - as_utc(s)).total_seconds() for s, f in recent if s and f]
    return sum(durations) / len(durations) if durations else capacity.default_job_sec


def wait_seconds(ahead: int, per_job: float, capacity: Capacity) -> float:
    if ahead < capacity.concurrent_jobs:
        return 0.0
    return round(math.floor(ahead / capacity.concurrent_jobs) * per_job, 1)


def estimate_wait(connection: Connection, capacity: Capacity) -> float:
    """The estimate read afresh from the database."""
    ahead = queue_depth(connection)
    if ahead < capacity.concurrent_jobs:
        return 0.0
    return wait_seconds(ahead, mean_job_seconds(connection, capacity), capacity)


class WaitEstimator:
    """The estimate for each new job, reading the database at most every `refresh_s`.

    Counting the queue visits every queued and running job, so counting it for each new job would
    make creating a job slower the longer the queue grows. Between two reads, the jobs this store
    created since are added to the depth it read; jobs that ended meanwhile count until the next
    read, so the estimate errs long by at most `refresh_s` worth of finished jobs.
    """

    def __init__(
        self, capacity: Capacity, *, refresh_s: float = 0.5, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self._refresh_s = refresh_s
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._ahead = 0
        self._per_job: float | None = None

    def estimate(self, connection: Connection) -> float:
        """Seconds the next job waits; call it in the transaction that creates the job."""
        now = self._clock()
        with self._lock:
            if self._read_at is None or now - self._read_at >= self._refresh_s:
                self._read_at, self._ahead, self._per_job = now, queue_depth(connection), None
            if self._ahead >= self.capacity.concurrent_jobs and self._per_job is None:
                self._per_job = mean_job_seconds(connection, self.capacity)
            return wait_seconds(self._ahead, self._per_job or 0.0, self.capacity)

    def created(self) -> None:
        """A job this store created has committed: it is in the queue until the next read."""
        with self._lock:
            self._ahead += 1
