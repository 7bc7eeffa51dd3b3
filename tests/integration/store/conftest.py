"""A fresh SQLite database at the latest schema, as the store's Database (no store around it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.store.db import Database, create_db_engine
from services.store.migrate import upgrade


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'reports.db'}")
    await asyncio.to_thread(upgrade, engine)
    database = Database(engine)
    try:
        yield database
    finally:
        database.close()
