"""A database of its own on a PostgreSQL server, made for one run and dropped at its end.

The cluster (`make cluster`, tests/cluster) and the benchmark's PostgreSQL variant each put the
store on one, so runs never share rows; the database named in the server URL (for example `test`)
is only connected to, to create and drop it.
"""

from __future__ import annotations

import secrets

import psycopg
from sqlalchemy.engine import make_url


class FreshDatabase:
    """A database of its own on a PostgreSQL server, dropped (connections and all) at the end."""

    def __init__(self, server_url: str, name: str | None = None) -> None:
        self.server_url = server_url.replace("postgresql+psycopg://", "postgresql://")
        self.name = name or f"reports_cluster_{secrets.token_hex(4)}"
        self.url = make_url(self.server_url).set(database=self.name).render_as_string(hide_password=False)
        self.created = False

    def create(self) -> str:
        with psycopg.connect(self.server_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True
        return self.url

    def drop(self) -> None:
        if not self.created:
            return
        with psycopg.connect(self.server_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.created = False
