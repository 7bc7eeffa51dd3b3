"""Pipelined transactions on PostgreSQL (db.PIPELINE): claims and completions send their writes
without waiting for each answer; a write's answer comes with the next read, and `settle` meets a
failure before the COMMIT, so a batch refused by the database is still told apart from one whose
commit failed."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.common.rpc_errors import ServiceError
from services.store import bulk_rows, db
from services.store.db import Database, create_db_engine
from services.store.group_commit import GroupCommit

_ROWS = Table("pipelined_rows", MetaData(), Column("id", Integer, primary_key=True), Column("v", String))


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    engine = create_db_engine(postgres_url)
    _ROWS.metadata.create_all(engine)
    database = Database(engine)
    try:
        yield database
    finally:
        database.close()


def test_a_failed_write_fails_its_transaction_as_sqlalchemy_raises_it_and_leaves_nothing(database: Database) -> None:
    with pytest.raises(IntegrityError), database.pipelined_transaction() as connection:
        connection.execute(insert(_ROWS), {"id": 1, "v": "a"})
        connection.execute(insert(_ROWS), {"id": 1, "v": "b"})
        connection.execute(select(_ROWS.c.v)).all()
    with database.pipelined_transaction() as connection:  # the connection went back to the pool usable
        assert connection.execute(select(_ROWS.c.id)).all() == []  # rolled back as a whole


def test_settle_meets_a_queued_failure_before_the_commit(database: Database) -> None:
    with database.pipelined_transaction() as connection:
        connection.execute(insert(_ROWS), {"id": 1, "v": "a"})
    with pytest.raises(IntegrityError), database.pipelined_transaction() as connection:
        connection.execute(insert(_ROWS), {"id": 1, "v": "again"})
        db.settle(connection)
        pytest.fail("settle must raise the duplicate")


def test_reads_see_the_writes_queued_before_them_and_many_rows_go_without_copy(database: Database) -> None:
    with database.pipelined_transaction() as connection:
        bulk_rows.add(connection, _ROWS, [{"id": i, "v": str(i)} for i in range(3)])  # COPY cannot pipeline
        assert db.is_pipelined(connection)
        assert connection.execute(select(_ROWS.c.v).order_by(_ROWS.c.id)).scalars().all() == ["0", "1", "2"]
    with database.transaction() as connection:
        assert not db.is_pipelined(connection)
        assert connection.execute(select(_ROWS.c.id)).scalars().all() == [0, 1, 2]


async def test_a_batch_whose_last_write_waits_too_long_for_a_lock_is_refused_not_in_doubt(postgres_url: str) -> None:
    """The last write of a batch is answered by `settle`, inside the batch: a lock it waited for too
    long means nothing was recorded (store_unavailable, "nothing was recorded"), not a commit that
    may or may not have happened."""
    engine = create_db_engine(postgres_url + "%20-clock_timeout%3D100")
    _ROWS.metadata.create_all(engine)
    database = Database(engine)
    with database.transaction() as connection:
        connection.execute(insert(_ROWS), {"id": 1, "v": "a"})

    def update_the_row(connection: Connection) -> str:
        connection.execute(update(_ROWS).where(_ROWS.c.id == 1).values(v="b"))
        return "updated"

    group: GroupCommit[str] = GroupCommit(
        lambda work: database.run(work, pipelined=True), lambda work: database.run(work, pipelined=True)
    )
    try:
        with engine.connect() as holder, holder.begin():
            holder.execute(select(_ROWS).where(_ROWS.c.id == 1).with_for_update())
            with pytest.raises(ServiceError) as refused:
                await group.run(update_the_row)
        assert (refused.value.status, refused.value.code) == (grpc.StatusCode.UNAVAILABLE, "store_unavailable")
        assert "nothing was recorded" in refused.value.message
        with database.transaction() as connection:
            assert connection.execute(select(_ROWS.c.v)).scalar_one() == "a"
    finally:
        database.close()


def test_a_failure_of_the_work_with_writes_unanswered_rolls_them_back_and_leaves_a_usable_connection(
    database: Database,
) -> None:
    with pytest.raises(ServiceError), database.pipelined_transaction() as connection:
        connection.execute(insert(_ROWS), {"id": 1, "v": "a"})
        connection.execute(insert(_ROWS), {"id": 1, "v": "duplicate"})  # unanswered when the work fails
        raise ServiceError(grpc.StatusCode.FAILED_PRECONDITION, "illegal_transition", "refused by the work")
    with database.pipelined_transaction() as connection:
        assert connection.execute(select(_ROWS.c.id)).all() == []


async def test_a_connection_lost_before_settle_is_answered_as_lost_and_not_handed_on(
    database: Database, postgres_url: str
) -> None:
    def lose_the_connection_then_settle(connection: Connection) -> None:
        connection.execute(insert(_ROWS), {"id": 1, "v": "a"})
        pid = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
        other = create_db_engine(postgres_url)
        try:
            with other.connect() as connection_of_another:
                connection_of_another.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        finally:
            other.dispose()
        db.settle(connection)

    with pytest.raises(ServiceError) as lost:
        await database.run(lose_the_connection_then_settle, pipelined=True)
    assert (lost.value.status, lost.value.code) == (grpc.StatusCode.UNAVAILABLE, "store_unavailable")
    assert "connection was lost" in lost.value.message
    assert await database.run(lambda c: c.execute(select(_ROWS.c.id)).all(), pipelined=True) == []
