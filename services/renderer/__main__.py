"""python -m services.renderer: JetStream job worker and the Renderer gRPC service."""

from __future__ import annotations

import asyncio
import logging
import os

from nats.aio.client import Client as NatsClient

from reports.v1 import renderer_pb2, resolver_pb2_grpc, store_pb2_grpc
from services.common import env, grpc_server, runtime, streams
from services.renderer import budgets
from services.renderer.coverage import CoverageRules
from services.renderer.errors import ModelUnavailable
from services.renderer.job_runner import JobRunner
from services.renderer.llm import Llm, settings_from_env
from services.renderer.routes import circuit_settings, routes_from_env
from services.renderer.servicer import RendererServicer, register
from services.renderer.shared_budget import SharedBudget
from services.renderer.usage import prices_from_env, warn_if_unpriced
from services.renderer.worker import Worker, WorkerSettings

log = logging.getLogger("services.renderer")
SERVICE_NAME = renderer_pb2.DESCRIPTOR.services_by_name["Renderer"].full_name


def worker_settings(e: os._Environ[str] | dict[str, str]) -> WorkerSettings:
    return WorkerSettings(
        concurrency=env.integer(e, "REPORTS_RENDERER_CONCURRENCY", 16, minimum=1),
        ack_wait_s=env.number(e, "REPORTS_RENDERER_ACK_WAIT_S", 30.0, minimum=0.5),
        max_deliver=env.integer(e, "REPORTS_RENDERER_MAX_DELIVER", 5, minimum=1),
    )


async def main() -> None:
    e = os.environ
    nats: list[NatsClient] = []   # connected below, after the model check; the budget asks for it per call
    budget = SharedBudget(lambda: nats[0] if nats else None, budgets.parse(e))
    first, *fallbacks = routes_from_env(e, settings_from_env(e))
    llm = Llm(first, budget=budget, fallbacks=fallbacks, circuits=circuit_settings(e))
    prices = prices_from_env(e)
    warn_if_unpriced(prices, llm.settings.model)
    try:  # first: a model the provider does not know makes every job fail
        await llm.check_model()
    except ModelUnavailable as exc:
        log.error("renderer not started: %s", exc)
        await llm.aclose()
        raise SystemExit(2) from None
    store_channel = grpc_server.channel(env.text(e, "REPORTS_STORE_ADDR", "127.0.0.1:50051"), peer="store")
    resolver_channel = grpc_server.channel(env.text(e, "REPORTS_RESOLVER_ADDR", "127.0.0.1:50052"), peer="resolver")
    store = store_pb2_grpc.StoreStub(store_channel)
    server, port, _ = await grpc_server.create_server(
        [register(RendererServicer(store, llm))], [SERVICE_NAME],
        env.text(e, "REPORTS_RENDERER_LISTEN", "127.0.0.1:50053"))
    nc = await streams.connect(env.text(e, "REPORTS_NATS_URL", "nats://127.0.0.1:4333"), "renderer")
    nats.append(nc)
    await streams.wait_for_streams(nc.jetstream(), (streams.JOBS_STREAM,))
    coverage = CoverageRules(min_seconds=env.number(e, "REPORTS_MIN_TARGET_SECONDS", 60.0),
                             min_words=env.integer(e, "REPORTS_MIN_TARGET_WORDS", 150))
    runner = JobRunner(store, resolver_pb2_grpc.ResolverStub(resolver_channel), llm, coverage_rules=coverage,
                       prices=prices)
    worker = Worker(nc, runner, worker_settings(e))
    await worker.ensure_consumer()
    worker_task = asyncio.create_task(worker.run(), name="renderer-worker")
    log.info("listening", extra={"grpc_port": port, "provider": llm.settings.provider, "model": llm.settings.model})
    stop = asyncio.create_task(grpc_server.wait_for_stop_signal())
    await asyncio.wait([stop, worker_task], return_when=asyncio.FIRST_COMPLETED)
    worker.stop()
    await worker_task
    await server.stop(2)
    await nc.close()
    await llm.aclose()
    await store_channel.close()
    await resolver_channel.close()


if __name__ == "__main__":
    runtime.start("renderer")
    runtime.run("renderer", main)
