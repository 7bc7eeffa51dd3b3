"""Which database the benchmark's store runs on, and what the database server's CPU is.

SQLite (a file in each platform's scratch directory) unless `BENCH_DATABASE_URL` names a
PostgreSQL server: then each platform's store gets a fresh database on it, `bench_<pid>_<platform>`,
created before the platform starts and dropped after it stops. The database the URL names is only
connected to, to create and drop those; its data is never read or written.

SQLite runs inside the store's process, so the store's CPU already includes it. PostgreSQL runs a
backend process per connection, outside every service: `ServerCpu` counts the backends serving
the bench's database (`postgres` in the CPU tables) and adds them to the per-job figures.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.procs import cpu_seconds
from stack.fresh_database import FreshDatabase

ENV = "BENCH_DATABASE_URL"


@dataclass(frozen=True)
class Choice:
    """The database of a run: `kind` is "sqlite" or "postgresql"; `server_url` for PostgreSQL."""

    kind: str
    server_url: str = ""

    @property
    def suffix(self) -> str:
        """What the run's results file and README section are told apart by ("" for SQLite)."""
        return "" if self.kind == "sqlite" else f"-{self.kind}"


def choice(environ: dict[str, str] | os._Environ[str] = os.environ) -> Choice:
    url = environ.get(ENV, "").strip()
    if not url:
        return Choice("sqlite")
    backend = make_url(url).get_backend_name()
    if backend not in ("postgresql", "postgres"):
        raise ValueError(f"{ENV} must be a postgresql:// URL, not {backend}://")
    return Choice("postgresql", url)


def describe(chosen: Choice) -> dict[str, object]:
    """What results.json says about the database: its kind, and the server's version."""
    if chosen.kind == "sqlite":
        import sqlite3

        return {"kind": "sqlite", "version": sqlite3.sqlite_version, "server_cpu_counted": False}
    with psycopg.connect(_plain(chosen.server_url), autocommit=True, connect_timeout=10) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        postmaster = _postmaster_of_this_backend(conn)
    return {
        "kind": "postgresql",
        "version": version[0] if version else "unknown",
        "server_cpu_counted": postmaster is not None,
    }


@contextmanager
def for_platform(chosen: Choice, name: str) -> Iterator[str | None]:
    """The store's database URL for one platform (None: SQLite in its own directory)."""
    if chosen.kind == "sqlite":
        yield None
        return
    database = FreshDatabase(chosen.server_url, name=f"bench_{os.getpid()}_{name}")
    database.create()
    try:
        yield database.url
    finally:
        database.drop()


def analyze(database_url: str | None) -> None:
    """Gives a PostgreSQL database the statistics a production one has (autovacuum would, about a
    minute after the tables have grown; until then the planner takes them for empty). SQLite: nothing."""
    if not database_url or make_url(database_url).get_backend_name() == "sqlite":
        return
    with psycopg.connect(_plain(database_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute("ANALYZE")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _postmaster_of_this_backend(conn: psycopg.Connection[Any]) -> int | None:
    """The postmaster of the backend serving `conn`, read while the connection is open: once it
    closes the backend exits, its /proc entry goes, and the server would seem not to run here."""
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    return postmaster_of(int(row[0])) if row else None


def postmaster_of(backend_pid: int) -> int | None:
    """The parent of a server backend: the postmaster, if the server runs on this machine."""
    try:
        stat = Path(f"/proc/{backend_pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def serves(title: str, database: str) -> bool:
    """Whether a server process's title (`postgres: 15/main: postgres bench_1_b2 127.0.0.1(40170) idle`,
    `postgres: 15/main: autovacuum worker bench_1_b2`) says it works for `database`."""
    return database in title.split()


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class ServerCpu:
    """CPU seconds of the server processes serving one database, between `start()` and `stop()`.

    Backends come and go with the store's connections, so a thread samples them every
    `interval_s`: a backend that appears in the window counts from zero, one that exits keeps what
    it had used at its last sample (what it used after that, at most one interval, is missed).
    """

    def __init__(
        self,
        postmaster: int,
        database: str,
        *,
        interval_s: float = 0.25,
        children: Callable[[int], list[int]] = _children,
        title: Callable[[int], str] = _title,
        cpu: Callable[[int], float] = cpu_seconds,
    ) -> None:
        self.postmaster = postmaster
        self.database = database
        self.interval_s = interval_s
        self._children, self._title, self._cpu = children, title, cpu
        self._ours: dict[int, bool] = {}  # pid → serves the database (a title is read once)
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._started = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        for pid in self._children(self.postmaster):
            if pid not in self._ours:
                self._ours[pid] = serves(self._title(pid), self.database)
                if self._ours[pid]:
                    self._first[pid] = 0.0 if self._started else self._cpu(pid)
            if self._ours[pid]:
                used = self._cpu(pid)
                if used:  # 0: it is gone; keep its last sample
                    self._last[pid] = used

    @property
    def backends(self) -> list[int]:
        """The processes counted so far: every one seen serving the database in the window."""
        return list(self._first)

    def start(self) -> ServerCpu:
        self.sample()
        self._started = True
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"server-cpu-{self.database}")
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def stop(self) -> float:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        return sum(self._last.get(pid, first) - first for pid, first in self._first.items())


def server_cpu(database_url: str | None) -> ServerCpu | None:
    """A meter for the backends serving this PostgreSQL database; None for SQLite, or for a server
    that does not run on this machine (its processes are not in /proc)."""
    if not database_url or make_url(database_url).get_backend_name() == "sqlite":
        return None
    name = make_url(database_url).database or ""
    with psycopg.connect(_plain(database_url), autocommit=True, connect_timeout=10) as conn:
        postmaster = _postmaster_of_this_backend(conn)
    return ServerCpu(postmaster, name) if postmaster else None
