"""A database as the store made it before migrations existed, with rows in it.

`tests/fixtures/schema/0001.sql` is the SQLite dump of a database the pre-migration store made
(`create_all`) through its API: media of two tenants, a succeeded job with its report, a queued
job, a canceled one, an idempotency key, outbox rows, the seeded prompts. `0001_api_reads.json`
holds what that store's gateway answered for each read (where the API has changed on purpose since, as
a succeeded job's stage becoming null, the file says what the API answers now). On PostgreSQL the same rows go into the
schema of revision 0001, with no `alembic_version` table, which is what `create_all` made there.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from services.store import migrate
from services.store.db import create_db_engine
from services.store.tables import ENTITIES, IDEMPOTENCY_KEYS, JOBS, MEDIA, OUTBOX, PROMPTS, REPORTS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "schema"
TABLES = (MEDIA, ENTITIES, JOBS, REPORTS, IDEMPOTENCY_KEYS, OUTBOX, PROMPTS)


def api_reads() -> dict[str, Any]:
    reads: dict[str, Any] = json.loads((FIXTURES / "0001_api_reads.json").read_text())
    return reads


def _sqlite_copy(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.executescript((FIXTURES / "0001.sql").read_text())


def make(database_url: str, scratch: Path) -> None:
    """Fills the empty database at `database_url` with the pre-migration schema and rows."""
    if make_url(database_url).get_backend_name() == "sqlite":
        _sqlite_copy(Path(make_url(database_url).database or ""))
        return
    source_path = scratch / "legacy-source.db"
    _sqlite_copy(source_path)
    source, target = create_db_engine(f"sqlite:///{source_path}"), create_db_engine(database_url)
    try:
        with target.begin() as connection:
            command.upgrade(migrate.config(connection), migrate.BASELINE)
            connection.execute(text("DROP TABLE alembic_version"))
        with source.connect() as reading, target.begin() as writing:
            for table in TABLES:
                present = [c[1] for c in reading.exec_driver_sql(f'PRAGMA table_info("{table.name}")')]
                rows = reading.execute(select(*(table.c[name] for name in present))).mappings().all()
                if rows:
                    writing.execute(insert(table), [dict(r) for r in rows])
            writing.execute(
                text("SELECT setval(pg_get_serial_sequence('outbox', 'seq'), (SELECT max(seq) FROM outbox))")
            )
    finally:
        source.dispose()
        target.dispose()


def contains(old: Any, new: Any, path: str = "") -> None:
    """Everything `old` says, `new` says the same; `new` may add fields (additive changes)."""
    if isinstance(old, dict):
        assert isinstance(new, dict), path
        for key, value in old.items():
            assert key in new, f"{path}/{key} is gone"
            contains(value, new[key], f"{path}/{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), path
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            contains(a, b, f"{path}/{index}")
    else:
        assert old == new, f"{path}: {old!r} became {new!r}"
