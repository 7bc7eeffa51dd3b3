"""Many rows into one table at once: COPY on PostgreSQL, an executemany INSERT otherwise.

psycopg runs an executemany as one statement per row (pipelined, but each row parsed, bound and
executed on the server), and SQLAlchemy's "insertmanyvalues" rewrite into one multi-row INSERT
costs more in Python than it saves. COPY sends the rows as one stream. Measured for a batch of 32
job rows on the local server (bench/README.md, round 9): executemany 3.7-4.5 ms of
the store's CPU and 2.95 ms of the server's; the multi-row INSERT 9.1-9.6 and 2.2-2.5; COPY
1.2-1.5 and 1.8-2.0.

Values are those SQLAlchemy would bind: a JSON column's value is its JSON text, None included (a
JSON column keeps None as JSON `null`, SQLAlchemy's default), so a row reads back the same either
way. A single row goes through the INSERT, whose prepared statement is cheaper than a COPY's setup,
and so do the rows of a pipelined transaction (db.PIPELINE): COPY cannot run in pipeline mode.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Connection

from services.store import db


def add(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts `rows` (each with the same columns) into `table`, in order. COPY goes to the driver
    directly: it raises psycopg's errors, not SQLAlchemy's, and no SQLAlchemy execute event sees it."""
    if not rows:
        return
    if len(rows) == 1 or connection.dialect.name != "postgresql" or db.is_pipelined(connection):
        connection.execute(_insert(table), list(rows))  # COPY cannot run in pipeline mode
        return
    columns = tuple(rows[0])
    statement, is_json = _copy(table, columns)
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)  # the PostgreSQL driver this project installs (db.py)
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(row[column]) if as_json else row[column] for column, as_json in zip(columns, is_json)]
            )


@cache
def _insert(table: Table) -> Any:
    return insert(table).inline()  # no RETURNING of a generated key (the outbox's seq): nothing reads it


@cache
def _copy(table: Table, columns: tuple[str, ...]) -> tuple[sql.Composed, tuple[bool, ...]]:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    return statement, tuple(isinstance(table.c[column].type, JSON) for column in columns)
