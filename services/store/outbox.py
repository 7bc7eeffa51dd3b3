"""The transactional outbox: messages written with the change they announce, published after.

A job transition adds its event (and, on creation, the render command) to the `outbox` table in
the same transaction as the job row. The relay publishes unsent rows to JetStream in order,
with `Nats-Msg-Id` set to the row's id so JetStream drops a duplicate when a crash between
publishing and marking replays a row, then marks them sent. NATS being down delays
publication; it loses nothing.

Order: a job's events are published one after another, each only once JetStream has stored the
one before, so a job's events are in its subject in the order they were written (rows of
different jobs, and render commands, go out side by side). A publish that fails stops its job's
chain there; the next pass starts again from the first unsent row.

More than one store replica (PostgreSQL): each relay pass runs in one transaction that first
takes a transaction-level advisory lock, `pg_try_advisory_xact_lock`, keyed by the schema. The
relay that gets it is the leader for that pass: it claims the unsent rows with
`SELECT ... FOR UPDATE SKIP LOCKED`, publishes them while the transaction stays open, marks the
published ones sent and commits, which lets the lock go. A relay that does not get the lock
publishes nothing and tries again shortly. So one relay publishes at a time and a job's events
can never overtake each other between replicas; a relay whose process dies mid-pass loses its
connection, PostgreSQL rolls its transaction back and frees the lock, and the next leader
republishes what was not marked (JetStream drops the copies by message id). A pass holds the
transaction for one batch only (at most `batch_size` rows, each publish bounded by the JetStream
timeout), never across idle waits. A pass costs two round trips to the server: BEGIN with the
statement that takes the lock and claims the rows, then the UPDATE that marks them with COMMIT
(relay_connection.py). The relay keeps one connection of its own for its passes (no pool
checkout, no ping per pass) and drops it after any failure, so the next pass starts on a fresh
one. SQLite has one store replica, so its relay takes no lock and holds no transaction while
publishing (that would block every writer).

Hand-over (SQLite): a store call that wrote outbox rows hands them to the relay in memory as soon
as its transaction has committed (`collecting` gathers them, `OutboxRelay.hand` takes them), so a
pass publishes them without reading the table; a batch is what was handed since the last pass.
The table stays the record: the relay reads it (a scan) when it starts (rows a crashed store left
unsent), after any failure (a publish, the database), when something else wrote rows (`wake`: the
retention sweeper, a purge), and at least every `poll_interval_s`. A scan first drops what was
handed, since every handed row is in the table; on SQLite transactions run on the event loop
(db.py), so nothing commits between that drop and the SELECT, and what is handed afterwards is
newer than anything the scan read. A store killed between commit and publish has its rows
replayed by the next start's scan; one killed between publish and marking replays them too, and
JetStream drops the copies by message id. PostgreSQL stores always scan, under the leader lock:
a job's rows may be written by different replicas, and only the table orders them.

Batches: each pass publishes up to `batch_size` rows with the acks gathered side by side (at most
`batch_size` publishes in flight, each key's rows one after another, see Order), then marks the
published ones sent in one UPDATE. On SQLite that UPDATE is a transaction of its own on the event
loop, so it waits until `mark_delay_s` (0.2 s) has passed since the oldest published row not yet
marked, or a batch's worth is waiting, and marks them together: a job one at a time is four passes
(its events and command) and one mark instead of four. Marks also go before every scan (a scan
reads unsent rows: none it reads may be one already published) and when the relay stops. A store
killed before a mark republishes those rows on its next start, as it did when killed between a
publish and its mark; JetStream drops the copies by message id (its duplicate window is minutes,
the delay a fraction of a second). On PostgreSQL a pass is a claim and a mark whatever it
carries, so while commits come faster than passes the relay waits `gather_s` (2 ms) before the
next pass: under load a pass carries the rows of several commits (B2 on PostgreSQL, two pairs: the
store's CPU per job -7 %, the server's -7 %). Faster means both: the pass before carried more than
one commit, and the relay is woken within `busy_gap_s` (10 ms) of it. A job followed on its own
has a pass per commit (its creation, claim and completion) a few milliseconds apart, and each goes
at once: a gap alone would make it wait the gather at two of its three hops.

Purges: a deletion (deletion.py) adds a row whose subject starts with `purge:` and whose payload
names, per stream, the subjects to purge. The relay purges them instead of publishing, announces
each purged job on `reports.deleted.<jobId>` (core NATS: the gateways end its event streams), and marks
the row sent like any other, so a purge survives a crash the same way a message does (purging
twice is harmless). The deletion also drops its jobs' unsent events, so nothing is published for
them after the purge; a handed purge makes the next pass a scan, so handed events of those jobs
are dropped with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Connection

from reports.v1 import job_pb2
from services.common import backoff, context, ids, streams, tracing
from services.common.timeutil import utcnow
from services.store import bulk_rows
from services.store.db import Database
from services.store.records import AnyRow
from services.store.relay_connection import RelayConnection
from services.store.tables import OUTBOX

log = logging.getLogger(__name__)
T = TypeVar("T")

# The advisory lock's first key ("RPOB"); the second is a hash of the schema, so stores on
# different schemas of one database never wait for each other.
LEADER_LOCK_CLASS = 0x52504F42
_WRITTEN = "outbox_written"  # connection.info key: the messages `collecting` gathers
_STOPPED_UNPUBLISHED = "outbox relay stopped with rows unpublished; the next relay publishes them"


@dataclass(frozen=True, slots=True)
class Message:
    """An outbox row as the relay publishes it (a scanned row has the same attributes)."""

    id: str
    subject: str
    payload: bytes
    headers: dict[str, str]


def add(connection: Connection, subject: str, payload: bytes, *, request_id: str = "", row_id: str = "") -> str:
    """Adds a message; returns its id. It carries the request id and trace context of the change
    that wrote it."""
    added = message(subject, payload, request_id=request_id, row_id=row_id)
    insert_all(connection, [added])
    return added.id


def message(subject: str, payload: bytes, *, request_id: str = "", row_id: str = "") -> Message:
    """A message to add, with the request id and trace context of the change that writes it."""
    request_id = request_id or context.current().get("request_id", "")
    headers = dict(tracing.inject({})) if tracing.enabled() else {}
    if request_id:
        headers[streams.REQUEST_ID_HEADER] = request_id
    return Message(row_id or ids.new_id("evt"), subject, payload, headers)


def insert_all(connection: Connection, messages: list[Message]) -> None:
    """Adds the messages, in order, together (bulk_rows.py)."""
    if not messages:
        return
    now = utcnow()
    bulk_rows.add(
        connection,
        OUTBOX,
        [
            {"id": m.id, "subject": m.subject, "payload": m.payload, "headers": m.headers, "created_at": now}
            for m in messages
        ],
    )
    written = connection.info.get(_WRITTEN)
    if written is not None:
        written.extend(messages)


def collecting(work: Callable[[Connection], T]) -> Callable[[Connection], tuple[T, list[Message]]]:
    """`work`, also answering the messages it added: hand them to the relay once its transaction
    has committed (never before: a rolled-back transaction's messages do not exist)."""

    def run(connection: Connection) -> tuple[T, list[Message]]:
        written: list[Message] = []
        connection.info[_WRITTEN] = written
        try:
            return work(connection), written
        finally:
            del connection.info[_WRITTEN]  # the pooled connection outlives this transaction

    return run


_TERMINAL = frozenset({job_pb2.JOB_STATUS_SUCCEEDED, job_pb2.JOB_STATUS_FAILED, job_pb2.JOB_STATUS_CANCELED})


def add_event(connection: Connection, event: job_pb2.JobEvent, *, request_id: str = "") -> None:
    """A status event; the terminal event of a job that has a webhook is also its webhook delivery.

    The delivery is the same event (its id is the webhook's `webhook-id`) on the job's subject in
    WEBHOOKS, written in the same transaction, so the dispatcher reads only jobs that have a
    webhook and never misses one: no delivery row is written for a job without one."""
    insert_all(connection, event_messages(event, request_id=request_id))


def event_messages(event: job_pb2.JobEvent, *, request_id: str = "") -> list[Message]:
    """The messages `add_event` adds (the event gets its id here)."""
    event.event_id = ids.new_id("evt")
    payload = event.SerializeToString()
    messages = [message(streams.event_subject(event.job_id), payload, request_id=request_id, row_id=event.event_id)]
    if event.status in _TERMINAL and event.has_webhook:
        messages.append(
            message(
                streams.webhook_deliver_subject(event.job_id), payload, request_id=request_id, row_id=ids.new_id("whd")
            )
        )
    return messages


def add_render_command(connection: Connection, command: job_pb2.RenderCommand) -> None:
    add_render_commands(connection, [command])


def add_render_commands(connection: Connection, commands: list[job_pb2.RenderCommand]) -> None:
    """The commands, in order, in one insert."""
    insert_all(
        connection,
        [message(streams.RENDER_SUBJECT, c.SerializeToString(), request_id=c.request_id) for c in commands],
    )


PURGE_PREFIX = "purge:"


def add_purge(connection: Connection, subjects_by_stream: dict[str, list[str]]) -> str:
    """Purges these subjects from their streams once the transaction has committed."""
    row_id = ids.new_id("prg")
    add(connection, PURGE_PREFIX + row_id, json.dumps(subjects_by_stream).encode(), row_id=row_id)
    return row_id


async def purge(js: JetStreamContext, payload: bytes, nc: NatsClient | None = None) -> None:
    """Purges the subjects, then announces each purged job on `reports.deleted.<jobId>` (core NATS,
    stored nowhere) so the gateways end the job's open event streams."""
    subjects_by_stream = json.loads(payload)
    for stream, subjects in subjects_by_stream.items():
        for subject in subjects:
            await js.purge_stream(stream, subject=subject)
    if nc is not None:
        prefix = streams.event_subject("")
        for subject in subjects_by_stream.get(streams.EVENTS_STREAM, ()):
            await nc.publish(streams.deleted_subject(subject.removeprefix(prefix)))


def is_purge(row: AnyRow | Message) -> bool:
    return row.subject.startswith(PURGE_PREFIX)


def order_key(row: AnyRow | Message) -> str:
    """Rows with one key are published in order; render commands and purges need no order among
    themselves."""
    return row.id if row.subject == streams.RENDER_SUBJECT or is_purge(row) else row.subject


@dataclass(frozen=True)
class Pass:
    """What one relay pass did."""

    sent: int = 0
    failed: bool = False  # some publish failed: those rows stay unsent for the next pass
    busy: bool = False  # another replica's relay holds the leader lock
    handed: bool = False  # the rows were handed over in memory, not read from the table


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        connect: Callable[[], Awaitable[NatsClient]],
        stream_settings: streams.StreamSettings,
        *,
        batch_size: int = 256,
        poll_interval_s: float = 1.0,
        busy_retry_s: float = 0.05,
        keep_sent: timedelta = timedelta(hours=1),
        mark_delay_s: float = 0.2,
        gather_s: float = 0.002,
        busy_gap_s: float = 0.01,
    ) -> None:
        self._db = db
        self._connect = connect
        self._stream_settings = stream_settings
        self._batch_size = batch_size
        self._unsent = (
            select(OUTBOX.c.id, OUTBOX.c.subject, OUTBOX.c.payload, OUTBOX.c.headers)
            .where(OUTBOX.c.sent_at.is_(None))
            .order_by(OUTBOX.c.seq)
            .limit(batch_size)
        )
        self._poll_interval_s = poll_interval_s
        self._busy_retry_s = busy_retry_s
        self._keep_sent = keep_sent
        # SQLite: rows published and not marked sent yet, and when they are to be marked.
        self._mark_delay_s = mark_delay_s
        # PostgreSQL: woken within `busy_gap_s` of a pass that carried more than one commit, a
        # pass waits `gather_s` for more. Commits are counted as they wake the relay.
        self._gather_s = gather_s
        self._busy_gap_s = busy_gap_s
        self._commits = 0
        self._commits_before_pass = 0
        self._unmarked: list[str] = []
        self._mark_at = 0.0
        # Rows handed over since the last pass, in commit order (SQLite); a scan is due when the
        # table may hold rows that were not handed (start-up, failures, other writers).
        self._handed: list[Message] = []
        self._handed_cap = 8 * batch_size
        self._scan_due = True
        self._last_scan = 0.0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._last_pass_s = 0.0
        self.connected = asyncio.Event()
        self._nc: NatsClient | None = None
        # PostgreSQL: the passes' connection, used on this one thread from claim to commit.
        self._claim_thread: ThreadPoolExecutor | None = None
        self._connection = RelayConnection(db.engine)

    def wake(self) -> None:
        """Rows were written that were not handed over: the next pass reads the table."""
        self._scan_due = True
        self._commits += 1
        self._wake.set()

    def hand(self, messages: Sequence[Message]) -> None:
        """These rows have just committed, in this order: publish them without reading the table."""
        if not messages:
            return
        if (
            not self._db.is_sqlite
            or self._scan_due
            or any(is_purge(m) for m in messages)
            or len(self._handed) + len(messages) > self._handed_cap
        ):
            self.wake()  # a scan publishes them, from the table
            return
        self._handed.extend(messages)
        self._commits += 1
        self._wake.set()

    def stop(self, *, last_pass_s: float = 0.0) -> None:
        """Ends `run`. With `last_pass_s`, it first publishes what has committed, for up to that
        long (the store stopping: its last writes reach clients now, not at its next start)."""
        self._last_pass_s = last_pass_s
        self._stopping.set()
        self._wake.set()

    @property
    def nats_connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def run(self) -> None:
        nc = await backoff.until_up(
            self._connect, log=log, waiting="nats not reachable, outbox waits", stopping=self._stopping
        )
        if nc is None:
            return
        self._nc = nc
        js = nc.jetstream()
        try:
            await backoff.until_up(
                lambda: streams.ensure_streams(js, self._stream_settings),
                log=log,
                waiting="jetstream not ready",
                stopping=self._stopping,
            )
            self.connected.set()
            published_since_cleanup = 0
            while not self._stopping.is_set():
                self._wake.clear()
                carried, self._commits_before_pass = self._commits - self._commits_before_pass, self._commits
                try:
                    done = await self.publish_pending(js)
                except Exception:  # the database failed mid-pass: the table still has every row
                    log.exception("outbox pass failed, will scan and retry")
                    done = Pass(failed=True)
                    self._scan_due = True
                published_since_cleanup += done.sent
                if published_since_cleanup >= 10_000:
                    published_since_cleanup = 0
                    await self._delete_old_sent()
                if done.busy:
                    await self._sleep(self._busy_retry_s)
                elif done.failed:
                    await self._sleep(0.5)
                elif done.sent < self._batch_size and not self._handed:
                    passed = time.monotonic()
                    await self._sleep(self._idle_s(), wake_early=True)
                    busy = carried > 1 and time.monotonic() - passed < self._busy_gap_s
                    if busy and not self._db.is_sqlite:
                        await self._sleep(self._gather_s)  # the commits of the next moment join
            if self._last_pass_s > 0:
                await self._publish_remaining(js)
        finally:
            with contextlib.suppress(Exception):  # else the next start republishes them (deduplicated)
                await self._mark_unmarked()
            self.close()
            with contextlib.suppress(Exception):  # NATS already gone: nothing left to flush
                await nc.close()

    async def _publish_remaining(self, js: JetStreamContext) -> None:
        """Passes until the table holds nothing unsent, a pass fails, or `_last_pass_s` is up; none
        while NATS is disconnected, and none when another replica's relay leads (PostgreSQL: it
        publishes them). What is left waits for the next relay: rows stay unsent until published."""
        if not self.nats_connected:
            return
        self._scan_due = True

        async def passes() -> Pass:
            while (done := await self.publish_pending(js)).sent and not done.failed:
                pass
            return done

        try:
            last = await asyncio.wait_for(passes(), timeout=self._last_pass_s)
        except Exception:  # the database failed, or time is up: the table keeps every row
            log.warning(_STOPPED_UNPUBLISHED, exc_info=True)
            return
        if last.failed:
            log.warning(_STOPPED_UNPUBLISHED)

    async def publish_pending(self, js: JetStreamContext) -> Pass:
        """One pass: publish up to a batch of unsent rows and mark those JetStream stored."""
        if self._db.is_sqlite:
            rows: Sequence[AnyRow | Message]
            handed = not (self._scan_due or time.monotonic() - self._last_scan >= self._poll_interval_s)
            if handed:
                rows, self._handed = self._handed[: self._batch_size], self._handed[self._batch_size :]
            else:
                await self._mark_unmarked()
                # Every handed row is in the table. No await between the clear and the SELECT
                # (SQLite runs it on the loop), so what is handed from here on is newer than it.
                self._handed.clear()
                self._last_scan = time.monotonic()
                rows = await self._db.run(lambda c: c.execute(self._unsent).all())
                self._scan_due = len(rows) == self._batch_size  # more wait in the table
            published, failed = await self._publish(js, rows)
            if failed:
                self.wake()  # what was not published is in the table: the next pass reads it
            if published and not self._unmarked:
                self._mark_at = time.monotonic() + self._mark_delay_s
            self._unmarked.extend(published)
            if len(self._unmarked) >= self._batch_size or (self._unmarked and time.monotonic() >= self._mark_at):
                await self._mark_unmarked()
            return Pass(sent=len(published), failed=failed, handed=handed and bool(rows))
        claimed = await self._in_claim_thread(lambda: self._connection.claim(LEADER_LOCK_CLASS, self._batch_size))
        if claimed is None:
            return Pass(busy=True)
        try:
            published, failed = await self._publish(js, [Message(*row) for row in claimed])
        except BaseException:
            await self._in_claim_thread(self._connection.drop)  # the server rolls back, which frees the lock
            raise
        await self._in_claim_thread(lambda: self._connection.commit(published, utcnow()))
        return Pass(sent=len(published), failed=failed)

    def _idle_s(self) -> float:
        """How long the relay may wait for work: until the unmarked rows are due (SQLite), at most
        a poll interval."""
        if not self._unmarked:
            return self._poll_interval_s
        return max(0.0, min(self._mark_at - time.monotonic(), self._poll_interval_s))

    async def _mark_unmarked(self) -> None:
        if self._unmarked:
            row_ids = self._unmarked
            await self._db.run(lambda c: _mark_sent(c, row_ids))
            self._unmarked = []

    async def _publish(self, js: JetStreamContext, rows: Sequence[AnyRow | Message]) -> tuple[list[str], bool]:
        """Publishes each key's rows in order, the keys side by side (at most a batch in flight,
        their acks gathered together); the ids JetStream stored."""
        chains: dict[str, list[AnyRow | Message]] = {}
        for row in rows:
            chains.setdefault(order_key(row), []).append(row)
        published: list[str] = []
        errors: list[Exception] = []

        async def publish_chain(chain: list[AnyRow | Message]) -> None:
            for row in chain:
                try:
                    if is_purge(row):
                        await purge(js, row.payload, self._nc)
                    else:
                        await js.publish(
                            row.subject, row.payload, headers={**row.headers, streams.MSG_ID_HEADER: row.id}
                        )
                except Exception as exc:  # noqa: BLE001 - NATS down or JetStream unavailable: this job waits
                    errors.append(exc)
                    return
                published.append(row.id)

        await asyncio.gather(*(publish_chain(chain) for chain in chains.values()))
        if errors:
            log.warning(
                "outbox publish failed for %d of %d rows, will retry: %s",
                len(rows) - len(published),
                len(rows),
                errors[0],
            )
        return published, bool(errors)

    async def _in_claim_thread(self, work: Callable[[], T]) -> T:
        if self._claim_thread is None:
            self._claim_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        return await asyncio.get_running_loop().run_in_executor(self._claim_thread, work)

    def close(self) -> None:
        """Lets the pass thread go (`run` does this as it ends)."""
        if self._claim_thread is not None:
            self._claim_thread.shutdown(wait=True)
            self._claim_thread = None
        self._connection.drop()

    async def _delete_old_sent(self) -> None:
        cutoff = utcnow() - self._keep_sent
        await self._db.run(
            lambda c: c.execute(delete(OUTBOX).where(OUTBOX.c.sent_at.is_not(None), OUTBOX.c.sent_at < cutoff))
        )

    async def _sleep(self, seconds: float, *, wake_early: bool = False) -> None:
        # Not on a bare future as an SSE stream's wait is (event_fanout.Subscriber): measured, the
        # relay's faster wake-up made a newcomer tenant wait longer behind a backlog (B6 at
        # window 8, bench/README round 14).
        event = self._wake if wake_early else self._stopping
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)


_MARK_SENT = (
    update(OUTBOX).where(OUTBOX.c.id.in_(bindparam("row_ids", expanding=True))).values(sent_at=bindparam("now"))
)


def _mark_sent(connection: Connection, row_ids: list[str]) -> None:
    connection.execute(_MARK_SENT, {"row_ids": row_ids, "now": utcnow()})
