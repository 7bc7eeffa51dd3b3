"""python -m services.webhooks: the webhook dispatcher."""

from __future__ import annotations

import asyncio

from services.common import grpc_server, runtime
from services.webhooks import app
from services.webhooks.settings import WebhookSettings


async def main(settings: WebhookSettings) -> None:
    running = await app.start(settings)
    stop = asyncio.create_task(grpc_server.wait_for_stop_signal())
    await asyncio.wait([stop, running.task], return_when=asyncio.FIRST_COMPLETED)
    await running.stop()


if __name__ == "__main__":
    runtime.serve("webhooks", WebhookSettings.from_env, main)
