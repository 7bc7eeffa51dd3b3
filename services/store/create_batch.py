"""The creates of one transaction (group_commit.py): their reads shared, their writes sent together.

On PostgreSQL each statement is a round trip, and a create's statements ran while its transaction
held the tenant's queued-cap lock, so a tenant's creates went no faster than their round trips
one after another (B1: five per create, a batch of 16 holding the lock for about 28 ms). Within
one transaction a batch takes each tenant's lock and reads its queued count once, reads each media
once, and inserts the jobs, their idempotency keys and their outbox rows as one statement each
(`write`, before the dispatch window is filled: it reads the new jobs). Batch-mates still behave
as one transaction after another: a tenant's count includes the batch's earlier creates, and an
idempotency key used twice in a batch replays the first create.

`batched(work)` gives a transaction its batch, which `of(connection)` finds (the connection's
`info`, as outbox.collecting does: the creates are closures over one connection).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from services.store import job_rows, outbox, quotas
from services.store.records import AnyRow, Job
from services.store.tables import IDEMPOTENCY_KEYS, MEDIA

T = TypeVar("T")
_BATCH = "create_batch"  # connection.info key
_MEDIA_OWNER = select(MEDIA.c.tenant, MEDIA.c.url, MEDIA.c.expires_at).where(MEDIA.c.id == bindparam("media_id"))
_ADD_KEYS = insert(IDEMPOTENCY_KEYS)


@dataclass(frozen=True, slots=True)
class KeyedCreate:
    """A create of this batch that had an idempotency key: what a batch-mate with the same key replays."""

    fingerprint: str
    job: Job
    wait: float


class CreateBatch:
    def __init__(self) -> None:
        self._queued: dict[str, int] = {}
        self._media: dict[str, AnyRow | None] = {}
        self._keyed: dict[tuple[str, str], KeyedCreate] = {}
        self._jobs: list[Job] = []
        self._messages: list[outbox.Message] = []

    def media(self, connection: Connection, media_id: str) -> AnyRow | None:
        """The media's owner, URL and expiry (None when it does not exist), read once per batch."""
        if media_id not in self._media:
            self._media[media_id] = connection.execute(_MEDIA_OWNER, {"media_id": media_id}).first()
        return self._media[media_id]

    def check_queued(self, connection: Connection, tenant: str, cap: int) -> None:
        """quota_exceeded when the tenant's queued jobs, this batch's included, reach `cap`; the
        tenant's lock is taken and its count read at its first create in the batch."""
        if tenant not in self._queued:
            self._queued[tenant] = quotas.locked_queued(connection, tenant)
        quotas.check(self._queued[tenant], cap)

    def keyed(self, tenant: str, key: str) -> KeyedCreate | None:
        """The create of this batch that used this idempotency key, if one did."""
        return self._keyed.get((tenant, key))

    def add(self, job: Job, messages: list[outbox.Message], *, fingerprint: str, wait: float) -> None:
        """A new job, its key (if it has one) and its outbox rows, written by `write`."""
        self._jobs.append(job)
        if job.idempotency_key is not None:
            self._keyed[(job.tenant, job.idempotency_key)] = KeyedCreate(fingerprint, job, wait)
        self._messages.extend(messages)
        if job.tenant in self._queued:
            self._queued[job.tenant] += 1

    def write(self, connection: Connection) -> None:
        """The batch's rows, one statement per table; once, at the end of the batch's creates."""
        if self._jobs:
            job_rows.add(connection, *self._jobs)
        if self._keyed:
            connection.execute(_ADD_KEYS, [_key_row(keyed) for keyed in self._keyed.values()])
        outbox.insert_all(connection, self._messages)


def _key_row(keyed: KeyedCreate) -> dict[str, Any]:
    job = keyed.job
    return {
        "tenant": job.tenant,
        "key": job.idempotency_key,
        "fingerprint": keyed.fingerprint,
        "job_id": job.id,
        "created_at": job.created_at,
        "estimated_wait_sec": keyed.wait,
    }


def batched(work: Callable[[Connection], T]) -> Callable[[Connection], T]:
    """`work` (a transaction's creates and their closing step) with a batch of its own."""

    def run(connection: Connection) -> T:
        connection.info[_BATCH] = CreateBatch()
        try:
            return work(connection)
        finally:
            del connection.info[_BATCH]  # the pooled connection outlives this transaction

    return run


def of(connection: Connection) -> CreateBatch:
    """The batch of the transaction `batched` runs on this connection."""
    batch = connection.info.get(_BATCH)
    if batch is None:
        raise RuntimeError("a create ran outside create_batch.batched")
    return batch  # type: ignore[no-any-return]
