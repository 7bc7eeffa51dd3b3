"""The database: the engine, and running transactions (on the loop for SQLite, on threads otherwise).

The schema is Alembic's (migrate.py)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import grpc
import psycopg
from sqlalchemy import TextClause, event, exc, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlmodel import create_engine

from services.common.rpc_errors import ServiceError

log = logging.getLogger(__name__)
T = TypeVar("T")


def sqlite_url(var_dir: Path) -> str:
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var_dir / 'reports.db'}"


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here, the driver we install."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# Turning WAL on needs a moment of exclusive access that SQLite does not wait for: two connections
# that both switch a new database answer "database is locked". So one switch at a time per process
# (the mode is kept in the file, so a database already in WAL is only read).
_WAL_SWITCH = threading.Lock()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    with _WAL_SWITCH:
        cursor.execute("PRAGMA journal_mode=WAL")


def _begin_immediate(dbapi_connection: PoolProxiedConnection) -> None:
    # Take the write lock up front: a deferred transaction that reads and then writes can fail
    # with SQLITE_BUSY instead of waiting for the lock.
    dbapi_connection.cursor().execute("BEGIN IMMEDIATE")


# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
IDLE_BEFORE_PING_S = 1.0

# PostgreSQL: a statement waits at most LOCK_TIMEOUT_MS for a lock (a tenant's, the dispatch lock, a
# row another replica or the relay holds, which the relay does for at most its publish timeout of
# 5 s) and is then refused; the server ends a session idle inside a transaction for
# IDLE_IN_TRANSACTION_MS (a hung replica holding locks). Set when a connection opens (its startup
# options; an `options` in the URL comes after them and wins): no statement per transaction.
LOCK_TIMEOUT_MS = 10_000
IDLE_IN_TRANSACTION_MS = 60_000


def _session_timeouts(engine: Engine) -> None:
    ours = f"-c lock_timeout={LOCK_TIMEOUT_MS} -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"

    @event.listens_for(engine, "do_connect")
    def _with_timeouts(_dialect: object, _record: object, _cargs: object, cparams: dict[str, Any]) -> None:
        cparams["options"] = f"{ours} {cparams['options']}" if cparams.get("options") else ours


LOCK_NOT_AVAILABLE = "55P03"
# The connection failed or the server ended the session (shutdown, idle in a transaction too long).
_CONNECTION_LOST = ("08", "57P01", "57P02", "57P03", "25P03")


def unavailable(error: exc.DBAPIError) -> ServiceError | None:
    """What a caller is told when PostgreSQL refused for a reason of its own, not of the call's: a
    lock waited for too long (nothing was written) or the connection lost (the call may have taken
    effect); None for any other error, a fault to be fixed (a deadlock, a constraint)."""
    state = getattr(error.orig, "sqlstate", None) or ""
    if state == LOCK_NOT_AVAILABLE:
        message = "the database is busy (a lock was held too long); nothing was recorded: retry"
    elif error.connection_invalidated or state.startswith(_CONNECTION_LOST):
        message = (
            "the database connection was lost; what was asked may or may not have been recorded: retry "
            "(a create with the same idempotency key replays it)"
        )
    else:
        return None
    return store_unavailable(message)


def store_unavailable(message: str) -> ServiceError:
    """UNAVAILABLE, to retry: the store's database failed it, not the call."""
    return ServiceError(grpc.StatusCode.UNAVAILABLE, "store_unavailable", message)


def _ping_when_idle(engine: Engine, idle_before_ping_s: float) -> None:
    """Tests a connection idle longer than `idle_before_ping_s` before it is handed out; if the
    server has gone, the whole pool is reconnected (InvalidatePoolError: the pool replaces this
    connection and discards the others made before), as `pool_pre_ping` does. `pool_pre_ping`
    pings at every checkout: a round trip per transaction, about one in eight of a job's on
    PostgreSQL, for connections that were in use a moment before. A connection the server closed
    while it was in use, or within `idle_before_ping_s` of its last use (a restart under load),
    fails the transaction that takes it; SQLAlchemy then reconnects the pool the same way."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: object, record: ConnectionPoolEntry, _proxy: object) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= idle_before_ping_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # type: ignore[arg-type]
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.InvalidatePoolError(str(error)) from error


# Pipelined transactions (PostgreSQL, `Database.run(pipelined=True)`): psycopg's pipeline mode sends
# a statement without waiting for its answer, and the answers come back together at the next sync.
# A statement is answered before the next one is sent only when its caller reads what it returns:
# a SELECT or a write with RETURNING, unless marked UNREAD (a lock); a write goes with the next
# read (psycopg still sends BEGIN on its own). So in such a transaction a write's row count is not
# known (-1), and a write's failure is raised by the next read, naming that read's statement. The
# connection carries its pipeline as PIPELINE.
PIPELINE = "reports_pipeline"
UNREAD = "reports_unread"


def _sync_when_read(context: Any) -> None:
    options = context.execution_options if context is not None else {}
    pipeline = options.get(PIPELINE)
    if pipeline is None or options.get(UNREAD):
        return
    compiled = context.compiled
    writes = compiled is not None and (compiled.isinsert or compiled.isupdate or compiled.isdelete)
    if writes and not compiled.effective_returning:
        return
    pipeline.sync()


def _pipelining(engine: Engine) -> None:
    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        cursor.execute(statement, parameters)
        _sync_when_read(context)

    def do_execute_no_params(cursor: Any, statement: str, context: Any = None) -> None:
        cursor.execute(statement)
        _sync_when_read(context)

    engine.dialect.do_execute = do_execute  # type: ignore[method-assign]
    engine.dialect.do_execute_no_params = do_execute_no_params  # type: ignore[method-assign]


def advisory_xact_lock(key: str) -> TextClause:
    """`SELECT pg_advisory_xact_lock(:lock_class, <key>)`, the SQL of a lock's key within its class
    (a lock held to the end of the transaction): its void row is never read, so a pipelined
    transaction sends it with the statement after it."""
    return text(f"SELECT pg_advisory_xact_lock(:lock_class, {key})").execution_options(**{UNREAD: True})


def _pipeline_of(connection: Connection) -> psycopg.Pipeline | None:
    return connection.get_execution_options().get(PIPELINE)


def is_pipelined(connection: Connection) -> bool:
    return _pipeline_of(connection) is not None


def settle(connection: Connection) -> None:
    """Sends what a pipelined transaction has queued and raises the first of it that failed, so a
    failure is met here and not at the COMMIT; nothing for a transaction that is not pipelined."""
    pipeline = _pipeline_of(connection)
    if pipeline is not None and _unanswered(pipeline):
        # A read of nothing brings the answers with it, raised as SQLAlchemy raises a statement's
        # failure (an IntegrityError; a lost connection invalidated).
        connection.exec_driver_sql("SELECT 1")


def _unanswered(pipeline: psycopg.Pipeline) -> bool:
    return bool(pipeline.command_queue or pipeline.result_queue)


def create_db_engine(url: str, *, idle_before_ping_s: float = IDLE_BEFORE_PING_S) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # The dialect's own begin, not a "begin" event: a connection event listener makes
        # SQLAlchemy dispatch its execute events around every statement (6% of the job path's CPU,
        # profiled in-process).
        engine.dialect.do_begin = _begin_immediate  # type: ignore[method-assign]
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _session_timeouts(engine)
    _ping_when_idle(engine, idle_before_ping_s)
    _pipelining(engine)
    return engine


class Database:
    """Runs work in one transaction each, on a Core connection: the store uses SQLAlchemy Core
    throughout (about ten calls per job; the ORM would cost about three times the SQL it sends).
    The SQLModel classes in tables.py define the tables.

    SQLite runs transactions on the event loop: it has one writer at a time and, in WAL mode with
    synchronous=NORMAL, commits without waiting on the disk, so a transaction is a few hundred
    microseconds of CPU; a thread would only add the hop and contention for the GIL. PostgreSQL
    transactions wait on the network and run side by side on a pool, claims and completions in
    pipeline mode (`pipelined_transaction`). CPU-heavy work that needs no database (parsing a
    transcript) belongs before `run`, off the loop.
    """

    def __init__(self, engine: Engine, *, threads: int = 8) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._pool = None if self.is_sqlite else ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db")

    def transaction(self) -> contextlib.AbstractContextManager[Connection]:
        """A connection in a transaction: committed at the end of the block, rolled back on an error."""
        return self.engine.begin()

    def pipelined_transaction(self) -> contextlib.AbstractContextManager[Connection]:
        """`transaction()` in psycopg's pipeline mode (PostgreSQL; see PIPELINE): for work that
        reads only what it needs before its next statement and calls `settle` before it ends."""
        if self.is_sqlite:
            return self.transaction()
        return self._pipelined()

    @contextlib.contextmanager
    def _pipelined(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            try:
                with driver.pipeline() as pipeline:
                    transaction = connection.execution_options(**{PIPELINE: pipeline}).begin()
                    try:
                        yield connection
                    except BaseException:
                        # Writes still unanswered when the work raised are answered first: psycopg's
                        # ROLLBACK would raise their failure, if any, instead of rolling back.
                        if not connection.invalidated and _unanswered(pipeline):
                            with contextlib.suppress(psycopg.Error):
                                pipeline.sync()
                        transaction.rollback()
                        raise
                    transaction.commit()
            finally:  # psycopg only logs a failure to leave pipeline mode while an error propagates
                if driver.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF:
                    connection.invalidate()  # never handed on still in pipeline mode

    async def run(self, work: Callable[[Connection], T], *, pipelined: bool = False) -> T:
        """Runs `work(connection)` in one transaction: committed when it returns, rolled back if it
        raises; `pipelined`: in `pipelined_transaction()`. PostgreSQL refusing for a reason of its
        own (`unavailable`) is raised as UNAVAILABLE."""

        def in_transaction() -> T:
            with self.pipelined_transaction() if pipelined else self.transaction() as connection:
                return work(connection)

        if self._pool is None:
            return in_transaction()
        try:
            # The caller's context (request id, trace) goes along into the worker thread.
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, contextvars.copy_context().run, in_transaction
            )
        except exc.DBAPIError as error:
            refused = unavailable(error)
            if refused is None:
                raise
            log.warning("database unavailable: %s", type(error.orig).__name__, exc_info=True)
            raise refused from error

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.engine.dispose()
