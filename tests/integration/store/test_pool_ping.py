"""PostgreSQL connections the store's pool hands out: a connection the server closed while it sat
idle is replaced before a transaction uses it, and one closed between two busy transactions fails
one transaction only (the pool reconnects everything after it)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from services.store.db import Database, create_db_engine
from tests.support.databases import POSTGRES_URL, postgres_schema

_BACKEND = text("SELECT pg_backend_pid()")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL: set REPORTS_TEST_POSTGRES_URL (CI does)")
    yield from postgres_schema()


def _terminate(pid: int) -> None:
    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)


async def _backend(db: Database) -> int:
    return int(await db.run(lambda c: c.execute(_BACKEND).scalar_one()))


async def test_a_connection_closed_while_idle_is_replaced_before_use(postgres_url: str) -> None:
    db = Database(create_db_engine(postgres_url, idle_before_ping_s=0.0))  # every reuse counts as idle
    try:
        first = await _backend(db)
        _terminate(first)
        second = await _backend(db)  # would raise if the dead connection were handed out
        assert second != first
    finally:
        db.close()


async def test_a_connection_closed_between_busy_transactions_fails_one_of_them(postgres_url: str) -> None:
    db = Database(create_db_engine(postgres_url, idle_before_ping_s=3600.0))  # never pinged
    try:
        first = await _backend(db)
        _terminate(first)
        with pytest.raises(OperationalError) as failed:
            await _backend(db)
        assert failed.value.connection_invalidated
        assert await _backend(db) != first
    finally:
        db.close()
