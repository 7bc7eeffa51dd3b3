"""Backup and restore of the embedded default: the SQLite database and the job status events.

Backup, while the platform runs:
1. the database, with SQLite's online backup API: a consistent snapshot, taken while writers
   carry on (they wait only for the pages being copied);
2. then the JOB_EVENTS stream (status events, for SSE replay), read in stream order, into
   `job_events.jsonl`: the events the snapshot accounts for, none newer (`backup`), and it ends
   when the stream has nothing more to deliver, so a purge (a deletion, a retention sweep) of
   the newest events cannot leave it waiting.

The work queue (JOBS) is not copied: which jobs still need a renderer is in the database, and a
copy of the queue taken a moment before or after the database would disagree with it.

Restore, into a fresh var directory before the platform starts there, needs no NATS: everything
to publish goes through the restored database's outbox, which the store's relay publishes when
it starts. The outbox is rebuilt as the events from the backup in stream order (each with its
original event id, so JetStream drops a copy of one that is also still unsent), then the rows
that were unsent at the snapshot, then one fresh render command per job that had not ended, so
every queued (or interrupted running) job is rendered again. Renderers' steps are idempotent, and
a job that had ended keeps its report.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from services.common import ids, streams
from services.common.timeutil import utcnow
from services.domain import job_states
from services.store import convert, migrate
from services.store.db import create_db_engine
from services.store.tables import JOBS, OUTBOX

DATABASE = "reports.db"
EVENTS = "job_events.jsonl"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Backup:
    directory: Path
    events: int
    revision: str | None


def snapshot_sqlite(database: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=1024)
    finally:
        copy.close()
        source.close()


async def last_sequence(nc: NatsClient) -> int:
    """The JOB_EVENTS stream's last sequence now (0 when it has never held a message)."""
    return int((await nc.jetstream().stream_info(streams.EVENTS_STREAM)).state.last_seq)


async def export_events(
    nc: NatsClient,
    target: Path,
    *,
    upto: int,
    last: int | None = None,
    include: Callable[[str], bool] = lambda _msg_id: False,
    batch: int = 256,
) -> int:
    """Writes the JOB_EVENTS stream's messages in order: every one up to sequence `upto`, and one
    after it up to `last` only when `include` says yes for its message id. It ends at `last`, or
    sooner when the stream has nothing more to deliver: messages are purged (a deletion, a
    retention sweep) at any time, so the message at `last` may never come."""
    last = upto if last is None else last
    js = nc.jetstream()
    count = 0
    with target.open("w") as out:
        if last == 0:
            return 0
        sub = await js.pull_subscribe(
            streams.EVENTS_SUBJECTS,
            stream=streams.EVENTS_STREAM,
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60, mem_storage=True
            ),
        )
        try:
            while True:
                try:
                    msgs = await sub.fetch(batch, timeout=1)
                except NatsTimeoutError:
                    if (await sub.consumer_info()).num_pending == 0:
                        return count  # nothing left to deliver
                    continue
                for msg in msgs:
                    metadata = msg.metadata
                    seq, headers = metadata.sequence.stream, dict(msg.headers or {})
                    if seq > last:
                        return count
                    if seq <= upto or include(headers.get(streams.MSG_ID_HEADER, "")):
                        out.write(
                            json.dumps(
                                {
                                    "seq": seq,
                                    "subject": msg.subject,
                                    "headers": headers,
                                    "data": base64.b64encode(msg.data).decode(),
                                }
                            )
                            + "\n"
                        )
                        count += 1
                    if seq == last or metadata.num_pending == 0:
                        return count
        finally:
            await sub.unsubscribe()


async def backup(database: Path, nats: NatsClient, directory: Path) -> Backup:
    """The database snapshot and the events it accounts for (module doc). An event reaches the
    stream only after its row is committed, so every event up to the stream's last sequence read
    before the snapshot belongs to the snapshot; a later one does only when its outbox row (the
    row's id is the message id) is in the snapshot. Events newer than the snapshot are left out:
    replayed on restore, they would announce jobs and reports the restored database lacks."""
    directory.mkdir(parents=True, exist_ok=False)  # noqa: ASYNC240 - one mkdir; the snapshot below blocks longer
    before = await last_sequence(nats)
    snapshot_sqlite(database, directory / DATABASE)
    after = await last_sequence(nats)
    engine = create_db_engine(f"sqlite:///{directory / DATABASE}")
    try:
        with engine.connect() as connection:
            revision = migrate.current(connection)
            in_snapshot = set(connection.execute(select(OUTBOX.c.id)).scalars()) if after > before else set()
    finally:
        engine.dispose()
    events = await export_events(nats, directory / EVENTS, upto=before, last=after, include=in_snapshot.__contains__)
    manifest = {
        "createdAt": utcnow().isoformat(),
        "schemaRevision": revision,
        "events": events,
        "files": [DATABASE, EVENTS],
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return Backup(directory, events, revision)


def restore(directory: Path, var_dir: Path) -> Path:
    """Puts the backup's database into a fresh var directory, its outbox rebuilt (module doc)."""
    json.loads((directory / MANIFEST).read_text())  # a backup directory, complete
    var_dir.mkdir(parents=True, exist_ok=True)
    database = var_dir / DATABASE
    if database.exists():
        raise FileExistsError(f"{database} exists: restore into a fresh directory")
    shutil.copyfile(directory / DATABASE, database)
    events = (
        [json.loads(line) for line in (directory / EVENTS).read_text().splitlines()]
        if (directory / EVENTS).exists()
        else []
    )
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        migrate.upgrade(engine)  # a backup from an older store
        with engine.begin() as connection:
            _rebuild_outbox(connection, events)
    finally:
        engine.dispose()
    return database


def _rebuild_outbox(connection: Connection, events: list[dict[str, Any]]) -> None:
    unsent = connection.execute(
        select(OUTBOX.c.id, OUTBOX.c.subject, OUTBOX.c.payload, OUTBOX.c.headers, OUTBOX.c.created_at)
        .where(OUTBOX.c.sent_at.is_(None), OUTBOX.c.subject != streams.RENDER_SUBJECT)
        .order_by(OUTBOX.c.seq)
    ).all()
    connection.execute(delete(OUTBOX))
    now = utcnow()
    restored = [
        {
            "id": e["headers"].get(streams.MSG_ID_HEADER) or ids.new_id("evt"),
            "subject": e["subject"],
            "payload": base64.b64decode(e["data"]),
            "headers": {k: v for k, v in e["headers"].items() if k != streams.MSG_ID_HEADER},
            "created_at": now,
        }
        for e in events
    ]
    seen = {row["id"] for row in restored}
    restored += [
        {"id": r.id, "subject": r.subject, "payload": r.payload, "headers": r.headers, "created_at": r.created_at}
        for r in unsent
        if r.id not in seen
    ]
    if restored:
        connection.execute(insert(OUTBOX), restored)
    requeue_open_jobs(connection)


def requeue_open_jobs(connection: Connection) -> int:
    """A fresh render command for every job that has not ended (after a restore, when the work
    queue is empty or older than the database); drops the unsent ones it replaces."""
    connection.execute(delete(OUTBOX).where(OUTBOX.c.subject == streams.RENDER_SUBJECT, OUTBOX.c.sent_at.is_(None)))
    open_jobs = connection.execute(
        select(JOBS.c.id, JOBS.c.tenant, JOBS.c.request_id, JOBS.c.media_id, JOBS.c.target, JOBS.c.entity_label)
        .where(JOBS.c.status.not_in(list(job_states.TERMINAL)))
        .order_by(JOBS.c.id)
    ).all()
    now = utcnow()
    if open_jobs:
        connection.execute(
            insert(OUTBOX),
            [
                {
                    "id": ids.new_id("evt"),
                    "subject": streams.RENDER_SUBJECT,
                    "payload": convert.render_command(j).SerializeToString(),
                    "headers": {},
                    "created_at": now,
                }
                for j in open_jobs
            ],
        )
    return len(open_jobs)
