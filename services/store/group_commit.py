"""Group commit: job creations that arrive together share one transaction, and so do claims and completions.

A create is a handful of statements, and each transaction around it is framing: on SQLite a
connection checkout, BEGIN IMMEDIATE and a WAL commit on the event loop; on PostgreSQL a round
trip per statement of it. Under a burst that framing is most of a create's database time, so
`GroupCommit.run` queues a create and commits the creates queued together in one transaction.
Claims and completions come in bursts too (renderers whose LLM answers arrive together, then take
the next jobs), and either may fill the dispatch window after it: a batch of them fills it once.
On PostgreSQL their batches are pipelined (db.PIPELINE): a batch `settle`s before it ends, so a
write's failure is met while the batch is built, not at its COMMIT.
What follows says "create"; claims and completions are committed the same way (jobs.claim and
jobs.complete make every check before their first write, and their `then` fills the window):

- When: a create that follows the one before it by more than `busy_gap_s` goes at the next turn
  of the event loop (or when the batch committing ends), so a create on its own waits for no
  window. While creates keep arriving closer together than that, a create that finds no batch
  gathering starts one, which commits after `window_s` (two milliseconds) or as soon as
  `max_batch` are queued. (Each create arrives at its own turn of the loop, after the gRPC layer's
  own turns, so without a wait creates rarely meet: measured, a mean of 1.0 per transaction at 32
  concurrent callers.) One batch commits at a time: what arrives while it commits goes,
  `max_batch` at a time, when it ends or when its own window closes, whichever is later (on SQLite
  a commit runs within one turn of the loop, so the window still does the gathering). A second
  transaction beside it would gain nothing: on PostgreSQL it would wait on the same tenant and
  dispatch locks (measured on B2: 16.8 s of lock waits in 300 jobs, most batches of one), and
  SQLite has one writer. A flush timer is armed only while no batch commits, and a commit cancels
  it, so one batch at a time needs no other guard.
- Each caller gets its own answer. A create that raises a ServiceError (media not found, invalid
  params, quota_exceeded, idempotency_conflict) raises it to its own caller only: jobs.create
  makes every check before it adds its rows to the batch, so it has added nothing, and its
  batch-mates commit. Creates see their batch-mates through the batch (create_batch.py), so a
  tenant's queued cap and an idempotency key used twice in one batch behave as they do one
  transaction after another.
- A failure known to come before the commit (an IntegrityError, such as a concurrent create with
  the same idempotency key on another replica, or any other error a create raises while the batch
  is built) rolls the whole batch back, and each of its creates runs again in a transaction of its
  own (`alone`, which retries the IntegrityError as a replay): only a create that fails on its own
  fails. But when the database refused the batch for a reason of its own before the commit (a lock
  held past the lock timeout, the connection lost: db.unavailable), each caller gets that
  UNAVAILABLE at once: run alone, each would wait for the same lock again.
- Any other failure (at BEGIN or COMMIT, a lost connection) may have committed: on PostgreSQL a
  connection lost during COMMIT leaves the outcome unknown, and running the creates again would
  create an unkeyed job twice. Every caller of the batch gets UNAVAILABLE (`store_unavailable`,
  `unknown`), which is retryable: a create with an idempotency key replays safely, one without
  may exist; a job whose claim or completion is in doubt is delivered to a renderer again, whose
  claim finds it as the commit left it (queued, parked, running or succeeded): a completion that
  did not commit means the report is written again.
- Lock order (PostgreSQL replicas share the database): a batch runs its creates ordered by their
  `lock_key` (the tenant, whose queued-cap lock each takes; arrival order within one; a claim or
  completion takes its tenant's in-flight lock, then its job's row), and
  `then(connection, outcomes)` closes the transaction after the last create (a create run alone
  too): the store writes the batch's rows there (create_batch.py) and fills the dispatch window,
  once per transaction. So every transaction takes tenant locks in one order and the dispatch
  lock after them (dispatch.py). Measured before: two replicas creating for three tenants
  deadlocked in most rounds, batch against batch and batch against a lone create.
- The batch's outbox rows reach the relay once it has committed (the `write` this is given
  hands them over).
- Reads ahead: a batch of more than one write first runs `prepare(connection, keys)` with each
  write's `key` (a claim's or a completion's tenant and job), which reads what the writes would each
  read (jobs.prepare_claims), so a batch reads its jobs' rows in one statement, not one per write.
  A write run alone reads for itself.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from prometheus_client import Histogram
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.common.rpc_errors import ServiceError
from services.store.commands import JobKey
from services.store.db import settle, store_unavailable, unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
_SIZES = (1, 2, 4, 8, 16, 32, 64)
BATCH_SIZES = Histogram("store_create_batch_size", "Job creations committed in one transaction", buckets=_SIZES)
CLAIM_BATCH_SIZES = Histogram("store_claim_batch_size", "Job claims committed in one transaction", buckets=_SIZES)
COMPLETION_BATCH_SIZES = Histogram(
    "store_completion_batch_size", "Job completions committed in one transaction", buckets=_SIZES
)

Work = Callable[[Connection], T]
Outcomes = list[T | ServiceError]


class _BuildFailed(Exception):
    """A create raised while the batch was being built: nothing was committed."""


def commit_unknown() -> ServiceError:
    return store_unavailable(
        "the database failed while committing the job's creation; it may or may not exist: "
        "retry with the same idempotency key"
    )


def step_unknown(step: str) -> Callable[[], ServiceError]:
    """What the callers of a batch of a job's `step` (claim, completion) are told when its commit
    fails: the renderer's job is delivered again and runs from its claim, which finds the job as the
    commit left it."""
    return lambda: store_unavailable(
        f"the database failed while committing the job's {step}; it may or may not be recorded: retry"
    )


def _named(exc: BaseException) -> str:
    """The failure's own type: what a _BuildFailed or a ServiceError of the database's wraps."""
    wrapped = isinstance(exc, (_BuildFailed, ServiceError)) and exc.__cause__ is not None
    return type(exc.__cause__ if wrapped else exc).__name__


class GroupCommit(Generic[T]):
    def __init__(
        self,
        write: Callable[[Callable[[Connection], Outcomes[T]]], Awaitable[Outcomes[T]]],
        alone: Callable[[Work[T]], Awaitable[T]],
        *,
        then: Callable[[Connection, Outcomes[T]], None] = lambda connection, outcomes: None,
        prepare: Callable[[Connection, list[JobKey]], None] | None = None,
        unknown: Callable[[], ServiceError] = commit_unknown,
        sizes: Histogram = BATCH_SIZES,
        window_s: float = 0.002,
        busy_gap_s: float = 0.01,
        max_batch: int = 64,
    ) -> None:
        self._write = write  # runs one transaction and hands its outbox rows to the relay
        self._alone = alone  # one write in a transaction of its own
        self._then = then
        self._prepare = prepare
        self._unknown = unknown
        self._sizes = sizes
        self._window_s = window_s
        self._busy_gap_s = busy_gap_s
        self._last_arrival = float("-inf")
        self._max_batch = max_batch
        self._queue: list[tuple[str, Work[T], asyncio.Future[T], JobKey | None]] = []
        self._flush_handle: asyncio.Handle | None = None
        self._due = 0.0  # when the queued batch commits, unless it fills first
        self._committing: asyncio.Task[None] | None = None

    async def run(self, work: Work[T], lock_key: str = "", key: JobKey | None = None) -> T:
        """`work(connection)` committed with whatever writes are queued with it; its own result.
        It runs in its caller's context (request id, trace), whichever task commits it. `key`: the
        job it is about, for the batch's `prepare`."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        caller = contextvars.copy_context()
        self._queue.append((lock_key, lambda connection: caller.run(work, connection), future, key))
        now, previous = loop.time(), self._last_arrival
        self._last_arrival = now
        if len(self._queue) == 1:  # a batch starts gathering: while busy it waits for more
            self._due = now + (self._window_s if now - previous < self._busy_gap_s else 0.0)
        if self._committing is None:
            self._schedule()
        return await future

    async def drain(self) -> None:
        """Commits what is queued now, without waiting for its window, and waits for the batch
        committing: the store calls this once its server takes no more calls, so no transaction is
        left running (or queued) when the database closes."""
        while self._queue or self._committing is not None:
            if self._committing is None:
                self._flush()
                if self._committing is None:  # every queued caller had given up
                    return
            await asyncio.wait({self._committing})

    def _schedule(self) -> None:
        """Commits the queued batch when it is full or due; the batch committing now, if any, calls
        this again when it ends."""
        if len(self._queue) >= self._max_batch:
            self._flush()
        elif self._queue and self._flush_handle is None:
            loop = asyncio.get_running_loop()
            delay = self._due - loop.time()
            self._flush_handle = loop.call_later(delay, self._flush) if delay > 0 else loop.call_soon(self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        # A caller that gave up while queued (its deadline) has written nothing yet: it is left out.
        self._queue = [entry for entry in self._queue if not entry[2].done()]
        queued, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        if not queued:
            return
        queued.sort(key=lambda entry: entry[0])
        batch = [(work, future) for _, work, future, _ in queued]
        keys = [key for _, _, _, key in queued if key is not None]
        self._committing = asyncio.get_running_loop().create_task(self._commit(batch, keys))
        self._committing.add_done_callback(self._committed)

    def _committed(self, _: asyncio.Task[None]) -> None:
        self._committing = None
        self._schedule()

    async def _commit(self, batch: list[tuple[Work[T], asyncio.Future[T]]], keys: list[JobKey]) -> None:
        def together(connection: Connection) -> Outcomes[T]:
            outcomes: Outcomes[T] = []
            try:
                if self._prepare is not None and len(batch) > 1:
                    self._prepare(connection, keys)
                for work, _ in batch:
                    try:
                        outcomes.append(work(connection))
                    except ServiceError as refused:  # raised before its first write: nothing to undo
                        outcomes.append(refused)
                self._before_commit(connection, outcomes)
            except Exception as exc:
                raise _BuildFailed() from exc
            return outcomes

        try:
            outcomes = await self._write(together)
        except _BuildFailed as exc:
            refused = unavailable(exc.__cause__) if isinstance(exc.__cause__, DBAPIError) else None
            if refused is None:  # a create's own failure: the others may commit without it
                await self._each_alone(batch, exc)
                return
            # A lock waited for too long, the connection lost: each alone would wait or fail again.
            log.warning("a batch of %d writes was refused by the database: %s", len(batch), refused.message)
            for _, future in batch:
                if not future.done():
                    future.set_exception(refused)
            return
        except IntegrityError as exc:
            await self._each_alone(batch, exc)
            return
        except Exception as exc:  # noqa: BLE001 - at BEGIN or COMMIT: it may have committed, so nothing runs again
            log.warning(
                "a batch of %d writes failed at its commit (%s); its callers are told to retry",
                len(batch),
                _named(exc),
            )
            for _, future in batch:
                if not future.done():
                    future.set_exception(self._unknown())
            return
        self._sizes.observe(len(batch))
        for outcome, (_, future) in zip(outcomes, batch, strict=True):
            if future.done():  # the caller gave up (its deadline); the job exists all the same
                continue
            if isinstance(outcome, ServiceError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _before_commit(self, connection: Connection, outcomes: Outcomes[T]) -> None:
        """The transaction's last step before its commit: `then`, and the answers of a pipelined
        batch's last writes taken (db.settle), so a failure among them is met before the COMMIT."""
        self._then(connection, outcomes)
        settle(connection)

    async def _each_alone(self, batch: list[tuple[Work[T], asyncio.Future[T]]], exc: Exception) -> None:
        """A batch rolled back before its commit, by one write's failure: each runs again alone."""
        if len(batch) > 1:
            log.warning(
                "a batch of %d writes failed together (%s); each runs alone",
                len(batch),
                _named(exc),
            )
        await asyncio.gather(*(self._run_alone(work, future) for work, future in batch))

    async def _run_alone(self, work: Work[T], future: asyncio.Future[T]) -> None:
        def closed(connection: Connection) -> T:
            result = work(connection)
            self._before_commit(connection, [result])
            return result

        try:
            result = await self._alone(closed)
        except Exception as exc:  # noqa: BLE001 - handed to the caller's future, which re-raises it
            if not future.done():
                future.set_exception(exc)
            return
        self._sizes.observe(1)
        if not future.done():
            future.set_result(result)
