"""A fresh SQLite database at the latest schema, as the store's Database (no store around it); a
PostgreSQL schema of the test's own where REPORTS_TEST_POSTGRES_URL names a server; `db`, either of
the two (the test runs on each), migrated, its prompts seeded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.store import migrate, prompts
from services.store.db import Database, create_db_engine
from tests.support.databases import POSTGRES_URL, SchemaTemplate, postgres_schema


@pytest.fixture
async def sqlite_db(tmp_path: Path, schema_template: SchemaTemplate) -> AsyncIterator[Database]:
    database = Database(create_db_engine(schema_template.at_head(f"sqlite:///{tmp_path / 'reports.db'}")))
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL schema of the test's own, for what only PostgreSQL does; skipped without one."""
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL: set REPORTS_TEST_POSTGRES_URL (CI does)")
    yield from postgres_schema()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    engine = create_db_engine(database_url)
    await asyncio.to_thread(migrate.upgrade, engine)  # PostgreSQL comes as an empty schema
    database = Database(engine)
    await database.run(prompts.seed)
    try:
        yield database
    finally:
        database.close()
