"""The tests' databases: SQLite, and PostgreSQL where REPORTS_TEST_POSTGRES_URL names one.

SQLite databases come already at the schema head, copied from one the migrations built once.

Running the migrations costs a test about half a second; copying their result costs milliseconds.
The store still runs its upgrade when it starts (it finds the head and does nothing), and the
migrations keep their own tests on empty databases (tests/integration/store/test_migrations.py).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from services.store import migrate
from services.store.db import create_db_engine

POSTGRES_URL = os.environ.get("REPORTS_TEST_POSTGRES_URL", "")


def database_backends() -> list[str]:
    """SQLite everywhere; PostgreSQL too where REPORTS_TEST_POSTGRES_URL names one (CI does)."""
    return ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def postgres_schema() -> Iterator[str]:
    """A fresh schema per test, so tests never share rows or clean up by deleting them."""
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class SchemaTemplate:
    """One SQLite database migrated to the head, built on first use."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "head.db"

    def at_head(self, database_url: str) -> str:
        """Fills the SQLite database at `database_url` with the head schema when it does not exist
        yet; leaves any other database (PostgreSQL, or one a test has made) to the store's upgrade."""
        url = make_url(database_url)
        target = Path(url.database or "")
        if url.get_backend_name() != "sqlite" or not url.database or target.exists():
            return database_url
        self._build()
        with closing(sqlite3.connect(self.path)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return database_url

    def _build(self) -> None:
        if self.path.exists():
            return
        engine = create_db_engine(f"sqlite:///{self.path}")
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
