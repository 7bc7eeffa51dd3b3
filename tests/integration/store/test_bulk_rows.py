"""Rows added together (COPY on PostgreSQL) read back exactly as rows added one at a time: JSON
values and JSON null, bytes, times with their zone, and the order the outbox publishes them in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.store import bulk_rows, migrate
from services.store.db import create_db_engine
from services.store.tables import JOBS, OUTBOX

CREATED = datetime(2026, 12, 5, 3, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _job(job_id: str) -> dict[str, object]:
    return {
        "id": job_id,
        "tenant": "t",
        "media_id": "med_1",
        "status": "queued",
        "stage": "queued",
        "label": None,
        "entity_label": 'Ana "the CFO" Ruiz\t\\ ünïcode',
        "template": "sales_playbook",
        "template_params": {"tone": "direct", "nested": {"list": [1, 2.5, None]}},
        "target": {"entity_id": "ana"},
        "webhook": None,  # SQLAlchemy keeps None in a JSON column as JSON null
        "resolution": None,
        "created_at": CREATED,
        "updated_at": CREATED + timedelta(seconds=1),
        "started_at": None,
        "report_deleted": False,
        "usage_cost_usd": 0.1,
        "usage_input_tokens": 12_345_678_901,
    }


def _read(engine: Engine, table, order) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table).order_by(order))]


def test_jobs_added_together_read_back_as_jobs_added_alone(engine: Engine):
    with engine.begin() as connection:
        bulk_rows.add(connection, JOBS, [_job("job_b1"), _job("job_b2"), _job("job_b3")])
        bulk_rows.add(connection, JOBS, [_job("job_a1")])
    rows = _read(engine, JOBS, JOBS.c.id)
    alone, together = rows[0], rows[1:]
    assert [row["id"] for row in together] == ["job_b1", "job_b2", "job_b3"]
    for row in together:
        assert {**row, "id": "job_a1"} == alone
    assert alone["template_params"] == {"tone": "direct", "nested": {"list": [1, 2.5, None]}}
    assert alone["created_at"] in (CREATED, CREATED.replace(tzinfo=None))  # SQLite keeps no zone
    with engine.connect() as connection:  # JSON null, not SQL NULL, either way
        assert connection.execute(select(JOBS.c.id).where(JOBS.c.webhook.is_(None))).all() == []


def test_outbox_rows_added_together_keep_their_order_and_bytes(engine: Engine):
    payloads = [b"\x00\x01\\x\xff", b"second", "trois \u00e9".encode()]
    with engine.begin() as connection:
        bulk_rows.add(
            connection,
            OUTBOX,
            [
                {"id": f"evt_{i}", "subject": f"s.{i}", "payload": p, "headers": {"h": str(i)}, "created_at": CREATED}
                for i, p in enumerate(payloads)
            ],
        )
    rows = _read(engine, OUTBOX, OUTBOX.c.seq)
    assert [(row["id"], row["payload"], row["headers"]) for row in rows] == [
        (f"evt_{i}", p, {"h": str(i)}) for i, p in enumerate(payloads)
    ]
    assert all(row["sent_at"] is None for row in rows)
