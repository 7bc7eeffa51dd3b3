"""Wiring the store: database, outbox relay, gRPC server. Tests build it in-process with `start`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import grpc

from reports.v1 import store_pb2
from services.common import grpc_server, streams
from services.store import migrate, prompts
from services.store.db import Database, create_db_engine
from services.store.lost_jobs import LostJobSweeper
from services.store.outbox import OutboxRelay
from services.store.retention import RetentionSweeper
from services.store.servicer import StoreServicer, register
from services.store.settings import StoreSettings
from services.store.wait import Capacity, WaitEstimator

log = logging.getLogger(__name__)
SERVICE_NAME = store_pb2.DESCRIPTOR.services_by_name["Store"].full_name
DRAIN_S = 10.0  # a transaction waits at most its lock timeout (db.py) for a lock
LAST_PASS_S = 2.0


@dataclass
class RunningStore:
    server: grpc.aio.Server
    port: int
    db: Database
    servicer: StoreServicer
    relay: OutboxRelay
    relay_task: asyncio.Task[None]
    sweeper: RetentionSweeper
    sweeper_task: asyncio.Task[None]
    lost_jobs: LostJobSweeper
    lost_jobs_task: asyncio.Task[None]

    async def stop(self, grace: float = 2.0) -> None:
        """Takes no more calls and gives those in progress `grace` to end; commits the writes they
        queued; publishes what committed; then closes the database."""
        self.sweeper.stop()
        self.lost_jobs.stop()
        await self.server.stop(grace)
        try:
            await asyncio.wait_for(self.servicer.drain(), timeout=DRAIN_S)
        except TimeoutError:
            log.warning("writes still committing at stop", extra={"waited_s": DRAIN_S})
        self.relay.stop(last_pass_s=LAST_PASS_S)
        for task in (self.relay_task, self.sweeper_task, self.lost_jobs_task):
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)
        self.db.close()


async def start(settings: StoreSettings) -> RunningStore:
    engine = create_db_engine(settings.database_url)
    await asyncio.to_thread(migrate.upgrade, engine)
    db = Database(engine)
    await db.run(prompts.seed)
    relay = OutboxRelay(db, lambda: streams.connect(settings.nats_url, "store-outbox"), settings.streams)
    servicer = StoreServicer(
        db,
        relay,
        WaitEstimator(Capacity(concurrent_jobs=settings.render_capacity)),
        retention_days=settings.retention_days,
        tenant_limits=settings.tenant_limits,
        dispatch_window=settings.window,
    )
    sweeper = RetentionSweeper(
        db,
        interval_s=settings.retention_sweep_s,
        batch_size=settings.retention_batch,
        on_deleted=relay.wake,
        inflight_cap=lambda t: settings.tenant_limits.of(t).inflight,
        fill_window=servicer.fill_window,
    )
    lost_jobs = LostJobSweeper(
        lambda: servicer.fail_lost_jobs(settings.lost_job_s),
        interval_s=min(settings.retention_sweep_s, settings.lost_job_s / 2),
    )
    woken = await servicer.wake_parked()
    if woken:
        log.info("parked jobs woken at start", extra={"woken": woken})
    server, port, _health = await grpc_server.create_server([register(servicer)], [SERVICE_NAME], settings.listen)
    relay_task = asyncio.create_task(relay.run(), name="outbox-relay")
    sweeper_task = asyncio.create_task(sweeper.run(), name="retention-sweeper")
    lost_jobs_task = asyncio.create_task(lost_jobs.run(), name="lost-job-sweeper")
    log.info("listening", extra={"grpc_port": port, "database": engine.dialect.name})
    return RunningStore(server, port, db, servicer, relay, relay_task, sweeper, sweeper_task, lost_jobs, lost_jobs_task)
