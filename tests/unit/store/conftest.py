"""A fresh SQLite database at the latest schema revision, one transaction per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

from services.store import migrate
from services.store.db import create_db_engine


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[Connection]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()
