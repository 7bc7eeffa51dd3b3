"""The jobs table as the store's tests set it up and watch it: job rows in a given state, added
directly, and the statements a piece of work sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.engine import Connection, Engine

from services.common.timeutil import utcnow
from services.store.tables import JOBS

# A job's state: (status, stage, dispatched, touched since it was created).
# `queued` waits its turn for the dispatch window; `out` is dispatched and not yet claimed;
# `running` runs; `parked` was claimed over its tenant's in-flight cap and holds no place; `woken`
# was parked, then dispatched again with a new command.
STATES = {
    "queued": ("queued", "queued", False, False),
    "out": ("queued", "queued", True, False),
    "running": ("running", "rendering", True, False),
    "parked": ("queued", "waiting", False, True),
    "woken": ("queued", "queued", True, True),
}


def add_jobs(connection: Connection, jobs: list[tuple[str, str, str]]) -> None:
    """(tenant, job id, state), created in this order a second apart (an hour ago)."""
    start = utcnow() - timedelta(hours=1)
    rows = []
    for i, (tenant, job_id, state) in enumerate(jobs):
        status, stage, dispatched, touched = STATES[state]
        created = start + timedelta(seconds=i)
        rows.append(
            {
                "id": job_id,
                "tenant": tenant,
                "media_id": "med_1",
                "status": status,
                "stage": stage,
                "template": "sales_playbook",
                "template_params": {},
                "target": {"strategy": "dominant"},
                "created_at": created,
                "updated_at": created + timedelta(milliseconds=500) if touched else created,
                "started_at": created if status == "running" else None,
                "dispatched_at": created if dispatched else None,
            }
        )
    connection.execute(insert(JOBS), rows)


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """Each statement the engine sends while the block runs, its whitespace folded to single spaces."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
