"""A fresh SQLite database at the latest schema revision, one transaction per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

from services.store.db import create_db_engine
from tests.support.databases import SchemaTemplate


@pytest.fixture
def connection(tmp_path: Path, schema_template: SchemaTemplate) -> Iterator[Connection]:
    engine = create_db_engine(schema_template.at_head(f"sqlite:///{tmp_path / 'store.db'}"))
    with engine.begin() as connection:
        yield connection
    engine.dispose()
