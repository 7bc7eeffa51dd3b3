"""A fresh SQLite database at the latest schema, as the store's Database (no store around it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.store.db import Database, create_db_engine
from tests.support.databases import SchemaTemplate


@pytest.fixture
async def sqlite_db(tmp_path: Path, schema_template: SchemaTemplate) -> AsyncIterator[Database]:
    database = Database(create_db_engine(schema_template.at_head(f"sqlite:///{tmp_path / 'reports.db'}")))
    try:
        yield database
    finally:
        database.close()
