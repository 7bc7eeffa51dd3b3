"""The transactional outbox: messages written with the change they announce, published after.

A job transition adds its event (and, on creation, the render command) to the `outbox` table in
the same transaction as the job row. The relay publishes unsent rows to JetStream in order,
with `Nats-Msg-Id` set to the row's id so JetStream drops a duplicate when a crash between
publishing and marking replays a row, then marks them sent. NATS being down delays
publication; it loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from nats.aio.client import Client as NatsClient
from sqlmodel import Session, col, delete, select, update

from reports.v1 import job_pb2
from services.common import ids, streams
from services.common.timeutil import utcnow
from services.store.db import Database
from services.store.tables import OutboxRow

log = logging.getLogger(__name__)


def add(session: Session, subject: str, payload: bytes, *, request_id: str = "") -> OutboxRow:
    row = OutboxRow(
        id=ids.new_id("evt"),
        subject=subject,
        payload=payload,
        headers={streams.REQUEST_ID_HEADER: request_id} if request_id else {},
        created_at=utcnow(),
    )
    session.add(row)
    return row


def add_event(session: Session, event: job_pb2.JobEvent, *, request_id: str = "") -> None:
    row = add(session, streams.event_subject(event.job_id), b"", request_id=request_id)
    event.event_id = row.id
    row.payload = event.SerializeToString()


def add_render_command(session: Session, command: job_pb2.RenderCommand) -> None:
    add(session, streams.RENDER_SUBJECT, command.SerializeToString(), request_id=command.request_id)


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        connect: Callable[[], Awaitable[NatsClient]],
        stream_settings: streams.StreamSettings,
        *,
        batch_size: int = 256,
        poll_interval_s: float = 1.0,
        keep_sent: timedelta = timedelta(hours=1),
    ) -> None:
        self._db = db
        self._connect = connect
        self._stream_settings = stream_settings
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._keep_sent = keep_sent
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.connected = asyncio.Event()
        self._nc: NatsClient | None = None

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    @property
    def nats_connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def run(self) -> None:
        nc = await self._connect_until_up()
        if nc is None:
            return
        self._nc = nc
        js = nc.jetstream()
        try:
            await self._until_stopped(lambda: streams.ensure_streams(js, self._stream_settings))
            self.connected.set()
            published_since_cleanup = 0
            while not self._stopping.is_set():
                self._wake.clear()
                sent = await self._publish_pending(js)
                published_since_cleanup += sent
                if published_since_cleanup >= 10_000:
                    published_since_cleanup = 0
                    await self._delete_old_sent()
                if sent < self._batch_size:
                    await self._sleep(self._poll_interval_s, wake_early=True)
        finally:
            await nc.close()

    async def _publish_pending(self, js) -> int:  # type: ignore[no-untyped-def]
        rows = await self._db.run(self._unsent)
        if not rows:
            return 0
        try:
            acks = await asyncio.gather(
                *(js.publish(r.subject, r.payload, headers={**r.headers, streams.MSG_ID_HEADER: r.id})
                  for r in rows)
            )
        except Exception as exc:  # NATS down or JetStream unavailable: keep the rows, retry
            log.warning("outbox publish failed, will retry: %s", exc)
            await self._sleep(0.5)
            return 0
        del acks
        sent_ids = [r.id for r in rows]
        await self._db.run(lambda s: s.exec(  # type: ignore[call-overload]
            update(OutboxRow).where(col(OutboxRow.id).in_(sent_ids)).values(sent_at=utcnow())
        ))
        return len(rows)

    def _unsent(self, session: Session) -> list[OutboxRow]:
        query = (select(OutboxRow).where(col(OutboxRow.sent_at).is_(None))
                 .order_by(col(OutboxRow.seq)).limit(self._batch_size))
        return list(session.exec(query))

    async def _delete_old_sent(self) -> None:
        cutoff = utcnow() - self._keep_sent
        await self._db.run(lambda s: s.exec(  # type: ignore[call-overload]
            delete(OutboxRow).where(col(OutboxRow.sent_at).is_not(None), col(OutboxRow.sent_at) < cutoff)
        ))

    async def _connect_until_up(self) -> NatsClient | None:
        delay = 0.2
        while not self._stopping.is_set():
            try:
                return await self._connect()
            except Exception as exc:
                log.warning("nats not reachable, outbox waits: %s", exc)
                await self._sleep(delay)
                delay = min(delay * 2, 5.0)
        return None

    async def _until_stopped(self, attempt: Callable[[], Awaitable[None]]) -> None:
        delay = 0.2
        while not self._stopping.is_set():
            try:
                await attempt()
                return
            except Exception as exc:
                log.warning("jetstream not ready: %s", exc)
                await self._sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _sleep(self, seconds: float, *, wake_early: bool = False) -> None:
        event = self._wake if wake_early else self._stopping
        try:
            await asyncio.wait_for(event.wait(), timeout=seconds)
        except TimeoutError:
            pass
