"""The store's wait estimate against a growing job history, with and without its index.

`python -m bench.estimate_wait` builds two SQLite databases with the same jobs (90% succeeded, 10%
queued, so the queue is over capacity and the estimate reads the latest durations) and times
`wait.estimate_wait` on each: one as the schema makes it, one with `ix_jobs_status_finished`
replaced by the index on `status` alone that the store had before. Same run, same machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from services.common.timeutil import utcnow
from services.store import job_rows, migrate, wait
from services.store.db import create_db_engine
from services.store.records import Job

CALLS = 200


def build(path: Path, count: int, *, old_index: bool):  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    if old_index:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_jobs_status_finished")
            connection.exec_driver_sql("CREATE INDEX ix_jobs_status ON jobs (status)")
    now = utcnow()
    with engine.begin() as connection:
        for i in range(count):
            succeeded = i % 10 != 0
            job_rows.add(
                connection,
                Job(
                    id=f"job_{i:07d}",
                    tenant="t",
                    media_id="m",
                    status="succeeded" if succeeded else "queued",
                    stage="storing" if succeeded else "queued",
                    template="sales_playbook",
                    template_params={},
                    target={},
                    created_at=now,
                    updated_at=now,
                    started_at=now - timedelta(seconds=2),
                    finished_at=now + timedelta(milliseconds=i) if succeeded else None,
                ),
            )
    return engine


def per_call_ms(engine) -> float:  # type: ignore[no-untyped-def]
    capacity = wait.Capacity()
    with engine.connect() as connection:
        wait.estimate_wait(connection, capacity)
        started = time.perf_counter()
        for _ in range(CALLS):
            wait.estimate_wait(connection, capacity)
        return (time.perf_counter() - started) * 1000 / CALLS


def main() -> int:
    print("| jobs in history | estimate_wait, index on status (before) | with ix_jobs_status_finished | ratio |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch:
        for count in (2_000, 20_000, 100_000):
            before = per_call_ms(build(Path(scratch) / f"before-{count}.db", count, old_index=True))
            after = per_call_ms(build(Path(scratch) / f"after-{count}.db", count, old_index=False))
            print(f"| {count:,} | {before:.2f} ms | {after:.2f} ms | {after / before:.2f}× |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
