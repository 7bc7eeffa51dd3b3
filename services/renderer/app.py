"""Wiring the renderer: the LLM routes (their model checked first), the store client and the target
resolution on it, the gRPC server and the JetStream worker."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import grpc
from nats.aio.client import Client as NatsClient

from reports.v1 import renderer_pb2, store_pb2_grpc
from services.common import grpc_server, streams
from services.common.env import ConfigError
from services.renderer.errors import ModelUnavailable
from services.renderer.job_runner import JobRunner
from services.renderer.llm import Llm
from services.renderer.servicer import RendererServicer, register
from services.renderer.settings import RendererSettings
from services.renderer.shared_budget import SharedBudget
from services.renderer.usage import warn_if_unpriced
from services.renderer.worker import Worker
from services.resolver.media_resolver import MediaResolver

log = logging.getLogger("services.renderer")
SERVICE_NAME = renderer_pb2.DESCRIPTOR.services_by_name["Renderer"].full_name


@dataclass
class RunningRenderer:
    worker: Worker
    worker_task: asyncio.Task[None]
    server: grpc.aio.Server
    port: int
    nc: NatsClient
    llm: Llm
    budget: SharedBudget
    channels: tuple[grpc.aio.Channel, ...]

    async def stop(self) -> None:
        self.worker.stop()
        await self.worker_task
        await self.server.stop(2)
        await self.budget.aclose()
        await self.nc.close()
        await self.llm.aclose()
        for channel in self.channels:
            await channel.close()


async def start(settings: RendererSettings) -> RunningRenderer:
    """A model the provider does not know would fail every job: it stops the start as a ConfigError."""
    nats: list[NatsClient] = []  # connected below, after the model check; the budget asks for it per call
    budget = SharedBudget(lambda: nats[0] if nats else None, settings.budgets)
    first, *fallbacks = settings.routes
    llm = Llm(first, budget=budget, fallbacks=fallbacks, circuits=settings.circuits)
    warn_if_unpriced(settings.prices, llm.settings.model)
    try:
        await llm.check_model()
    except ModelUnavailable as exc:
        await llm.aclose()
        raise ConfigError(str(exc)) from None
    store_channel = grpc_server.channel(settings.store_target, peer="store")
    store = store_pb2_grpc.StoreStub(store_channel)
    server, port, _ = await grpc_server.create_server(
        [register(RendererServicer(store, llm))], [SERVICE_NAME], settings.listen
    )
    nc = await streams.connect(settings.nats_url, "renderer")
    nats.append(nc)
    await streams.wait_for_streams(nc.jetstream(), (streams.JOBS_STREAM,))
    runner = JobRunner(
        store,
        MediaResolver(store, settings.resolving),
        llm,
        coverage_rules=settings.coverage,
        prices=settings.prices,
    )
    worker = Worker(nc, runner, settings.worker)
    await worker.ensure_consumer()
    worker_task = asyncio.create_task(worker.run(), name="renderer-worker")
    budget.start_watching()
    log.info("listening", extra={"grpc_port": port, "provider": llm.settings.provider, "model": llm.settings.model})
    return RunningRenderer(worker, worker_task, server, port, nc, llm, budget, (store_channel,))
