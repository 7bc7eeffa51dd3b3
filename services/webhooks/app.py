"""Wiring the dispatcher: NATS, the store client, the guarded HTTP sender, a health server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import grpc
from nats.aio.client import Client as NatsClient

from reports.v1 import store_pb2_grpc
from services.common import grpc_server, streams
from services.common.jetstream_worker import JetStreamWorker
from services.webhooks.dispatcher import Dispatcher, DispatcherSettings
from services.webhooks.settings import WebhookSettings
from services.webhooks.transport import Sender

log = logging.getLogger(__name__)


@dataclass
class RunningDispatcher:
    worker: JetStreamWorker
    task: asyncio.Task[None]
    server: grpc.aio.Server
    port: int
    nc: NatsClient
    store_channel: grpc.aio.Channel
    sender: Sender

    async def stop(self) -> None:
        self.worker.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.server.stop(2)
        await self.nc.close()
        await self.sender.aclose()
        await self.store_channel.close()


async def start(settings: WebhookSettings) -> RunningDispatcher:
    store_channel = grpc_server.channel(settings.store_target, peer="store")
    sender = Sender(timeout_s=settings.timeout_s, allow_private=settings.allow_private)
    nc = await streams.connect(settings.nats_url, "webhooks")
    await streams.wait_for_streams(nc.jetstream(), (streams.WEBHOOKS_STREAM,))
    dispatcher = Dispatcher(
        store_pb2_grpc.StoreStub(store_channel),
        sender,
        settings.secret_key,
        DispatcherSettings(
            policy=settings.policy,
            ack_wait_s=settings.ack_wait_s,
            concurrency=settings.concurrency,
            rpc_timeout_s=settings.rpc_timeout_s,
        ),
    )
    worker = dispatcher.pull_worker(nc.jetstream())
    await worker.ensure_consumer()
    task = asyncio.create_task(worker.run(), name="webhook-dispatcher")
    server, port, _health = await grpc_server.create_server([], [], settings.listen)
    if settings.allow_private:
        log.warning(
            "REPORTS_WEBHOOK_ALLOW_PRIVATE is set: webhooks may go to private addresses (development and tests only)"
        )
    log.info("listening", extra={"grpc_port": port, "schedule_s": list(settings.policy.schedule_s)})
    return RunningDispatcher(worker, task, server, port, nc, store_channel, sender)
