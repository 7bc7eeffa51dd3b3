"""PostgreSQL connections the store's pool hands out: a connection the server closed while it sat
idle is replaced before a transaction uses it, and one closed between two busy transactions fails
one transaction only, as retryable (the pool reconnects everything after it); a transaction waits
for a lock held elsewhere only so long, and is then refused as retryable too."""

from __future__ import annotations

import grpc
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from services.common.rpc_errors import ServiceError
from services.store.db import LOCK_TIMEOUT_MS, Database, create_db_engine
from tests.support.databases import POSTGRES_URL

_BACKEND = text("SELECT pg_backend_pid()")


def _terminate(pid: int) -> None:
    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)


async def _setting(db: Database, name: str) -> str:
    return str(await db.run(lambda c: c.execute(text(f"SHOW {name}")).scalar_one()))


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
        with pytest.raises(ServiceError) as failed:
            await _backend(db)
        assert (failed.value.status, failed.value.code) == (grpc.StatusCode.UNAVAILABLE, "store_unavailable")
        assert isinstance(failed.value.__cause__, OperationalError) and failed.value.__cause__.connection_invalidated
        assert await _backend(db) != first
    finally:
        db.close()


async def test_a_transaction_waits_for_a_lock_held_elsewhere_only_so_long(postgres_url: str) -> None:
    db = Database(create_db_engine(postgres_url))
    try:
        assert await _setting(db, "lock_timeout") == f"{LOCK_TIMEOUT_MS // 1000}s"
        assert await _setting(db, "idle_in_transaction_session_timeout") == "1min"
        await db.run(lambda c: c.execute(text("CREATE TABLE held (id int PRIMARY KEY)")))
        await db.run(lambda c: c.execute(text("INSERT INTO held VALUES (1)")))
        # an `options` in the URL comes after the store's own, so a deployment can choose its timeout
        short = Database(create_db_engine(postgres_url + "%20-clock_timeout%3D200"))
        assert await _setting(short, "lock_timeout") == "200ms"
        other = short.engine.connect()  # another replica's transaction, holding the row
        try:
            other.execute(text("UPDATE held SET id = 1 WHERE id = 1"))
            with pytest.raises(ServiceError) as refused:
                await short.run(lambda c: c.execute(text("UPDATE held SET id = 1 WHERE id = 1")))
            assert (refused.value.status, refused.value.code) == (grpc.StatusCode.UNAVAILABLE, "store_unavailable")
            assert isinstance(refused.value.__cause__.orig, psycopg.errors.LockNotAvailable)  # type: ignore[union-attr]
            assert "nothing was recorded" in refused.value.message
        finally:
            other.close()
            short.close()
    finally:
        db.close()


async def test_an_error_that_is_a_fault_of_ours_is_not_answered_as_retryable(postgres_url: str) -> None:
    db = Database(create_db_engine(postgres_url))
    try:
        with pytest.raises(ProgrammingError):  # not UNAVAILABLE: retrying would only fail again
            await db.run(lambda c: c.execute(text("SELECT * FROM no_such_table")))
    finally:
        db.close()
