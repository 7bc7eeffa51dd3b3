"""Wiring the store: database, outbox relay, gRPC server. Tests build it in-process with `start`."""

from __future__ import annotations

import asyncio
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
DRAIN_S = 5.0  # for the sweepers, then for the writes queued or committing
LAST_PASS_S = 2.0
RELAY_STOP_S = 5.0 + LAST_PASS_S + 1.0  # a pass in flight (a publish times out after 5 s), then the last


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
        """Takes no more calls and gives those in progress `grace` to end (a call still open then is
        cancelled, and a write it had queued with it); waits for the sweepers and for the writes
        queued or committing; publishes what has committed; then closes the database."""
        self.sweeper.stop()
        self.lost_jobs.stop()
        try:
            await self.server.stop(grace)
            await _ended(self.sweeper_task, self.lost_jobs_task, timeout=DRAIN_S)
            try:
                await asyncio.wait_for(self.servicer.drain(), timeout=DRAIN_S)
            except TimeoutError:
                log.warning("writes still committing at stop", extra={"waited_s": DRAIN_S})
            self.relay.stop(last_pass_s=LAST_PASS_S)
            await _ended(self.relay_task, timeout=RELAY_STOP_S)
        finally:
            self.db.close()


async def _ended(*tasks: asyncio.Task[None], timeout: float) -> None:
    for task in tasks:
        try:
            await asyncio.wait_for(task, timeout=timeout)
        except asyncio.CancelledError:
            pass
        except Exception:  # the store stops all the same; what the task left is in the database
            log.exception("%s failed as it stopped", task.get_name())


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
