"""B5's peer: the same jobs through Celery with Redis, what a Python team would pick instead.

Run by the benchmark as `celery -A bench.celery_peer worker ...` with BENCH_CELERY_BROKER set
(Celery finds its app as a module attribute, so `app` is built here at import; building it
connects to nothing). Both the broker and the result backend are the benchmark's own
redis-server. Settings chosen to match the pipeline's guarantees, not to flatter either side:
acks after the task ran (`task_acks_late`, as a renderer acks after the job ended), results
stored in Redis (as jobs are stored), JSON on the wire.

Tasks:
- `bench.noop`: nothing; returns the worker's start and end timestamps.
- `bench.render`: the renderer's work without the pipeline's bookkeeping: resolve the target
  (in the task's process, the transcript read once from the store), read the production prompt (store gRPC), `write_report` through the dev LLM
  (the same SDK call, checks and Markdown as a renderer). No job rows, no status events.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger


def make_app(broker: str) -> Celery:
    celery = Celery("bench", broker=broker, backend=broker)
    celery.conf.update(
        task_acks_late=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        worker_prefetch_multiplier=4,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


app = make_app(os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/0"))


@after_setup_logger.connect
def _quiet_per_task_lines(**_: Any) -> None:
    """Drops Celery's two INFO lines per task ('received', 'succeeded'); a renderer logs one line
    per job. The worker's 'ready.' line, which the benchmark waits for, stays."""
    for name in ("celery.app.trace", "celery.worker.strategy"):
        logging.getLogger(name).setLevel(logging.WARNING)


@app.task(name="bench.noop")
def noop(index: int) -> dict[str, Any]:
    start = time.time()
    return {"i": index, "start": start, "done": time.time()}


class _Renderer:
    """Per worker process: an event loop, gRPC channels and an LLM client, made on first use."""

    def __init__(self) -> None:
        from reports.v1 import store_pb2_grpc
        from services.common import grpc_server
        from services.renderer.llm import Llm, LlmSettings
        from services.resolver.media_resolver import MediaResolver

        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.store = store_pb2_grpc.StoreStub(grpc_server.channel(os.environ["REPORTS_STORE_ADDR"], peer="store"))
        self.resolver = MediaResolver(self.store)  # in the task's process, as the platform's renderer does
        self.llm = Llm(
            LlmSettings(provider="openai", model="dev-llm", api_key="dev-llm", base_url=os.environ["OPENAI_BASE_URL"])
        )

    async def render(self, tenant: str, media_id: str, template: str) -> int:
        from reports.v1 import store_pb2, target_pb2
        from services.renderer.job_runner import evidence_input
        from services.renderer.pipeline import write_report

        resolution = await self.resolver.resolve(
            tenant, media_id, target_pb2.Target(strategy="dominant", on_miss="error"), timeout_s=30
        )
        prompt = await self.store.GetPrompt(store_pb2.GetPromptRequest(name=template, label="production"), timeout=10)
        label = resolution.entity.label if resolution.entity.HasField("label") else None
        written = await write_report(self.llm, prompt, template, evidence_input(resolution, label), {})
        return len(written.markdown)


_renderer: _Renderer | None = None


@app.task(name="bench.render")
def render(index: int, tenant: str, media_id: str, template: str) -> dict[str, Any]:
    global _renderer
    start = time.time()
    if _renderer is None:
        _renderer = _Renderer()
    size = _renderer.loop.run_until_complete(_renderer.render(tenant, media_id, template))
    return {"i": index, "start": start, "done": time.time(), "markdown_chars": size}
