"""Alembic migrations: the models and the revisions agree, start-up migrates under a lock, and a
database newer than the store is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, Text, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from services.store import app as store_app
from services.store import migrate
from services.store.db import create_db_engine
from tests.support.stores import store_settings


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(empty_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _differences(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))


def test_the_migrations_build_exactly_the_models_tables(engine):
    migrate.upgrade(engine)
    assert _differences(engine, SQLModel.metadata) == []


def test_the_check_catches_a_model_change_without_its_migration(engine):
    migrate.upgrade(engine)
    changed = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["media"].append_column(Column("language", Text, nullable=True))
    differences = _differences(engine, changed)
    assert [d[0] for d in differences] == ["add_column"], differences


def test_the_head_by_file_number_is_alembics_head():
    # The store's start skips Alembic when the database is at the head it reads off the file names.
    assert migrate.numbered_head() == migrate.head()


def test_upgrading_again_changes_nothing(engine):
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert migrate.current(connection) == migrate.head()


def test_two_stores_migrating_at_once_both_end_at_the_head(empty_database_url):
    engines = [create_db_engine(empty_database_url) for _ in range(2)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def migrate_one(engine: Engine) -> None:
        start.wait()
        try:
            migrate.upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - the thread's failure, asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=migrate_one, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with engines[0].connect() as connection:
            assert migrate.current(connection) == migrate.head()
        assert _differences(engines[0], SQLModel.metadata) == []
    finally:
        for engine in engines:
            engine.dispose()


def test_a_store_waits_for_another_replicas_migration_longer_than_its_lock_timeout(empty_database_url):
    if empty_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's lock_timeout (SQLite waits on its write lock for 30 s)")
    engine = create_db_engine(empty_database_url + "%20-clock_timeout%3D100")  # the URL's options win
    with engine.connect() as connection:
        assert connection.execute(text("SHOW lock_timeout")).scalar_one() == "100ms"
    other_replica = create_db_engine(empty_database_url).connect()
    other_replica.execute(
        text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(current_schema()))"),
        {"lock_class": migrate.MIGRATION_LOCK_CLASS},
    )
    finished = threading.Timer(0.5, other_replica.rollback)  # its migration takes five lock timeouts
    finished.start()
    try:
        migrate.upgrade(engine)  # waits for the other replica, then migrates
        with engine.connect() as connection:
            assert migrate.current(connection) == migrate.head()
    finally:
        finished.join()
        other_replica.close()
        engine.dispose()


async def test_a_store_refuses_a_database_a_newer_store_migrated(empty_database_url, engine, nats_server):
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(migrate.SchemaTooNew, match=r"'9999'.*newer version of the store"):
        await store_app.start(store_settings(empty_database_url, nats_server.url))


def test_a_database_from_the_last_store_before_migrations_upgrades_too(engine):
    # That store had already added idempotency_keys.estimated_wait_sec (revision 0002) by itself.
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(migrate.config(connection), migrate.BASELINE)
        connection.execute(text("ALTER TABLE idempotency_keys ADD COLUMN estimated_wait_sec FLOAT"))
        connection.execute(text("DROP TABLE alembic_version"))
    migrate.upgrade(engine)
    assert _differences(engine, SQLModel.metadata) == []
