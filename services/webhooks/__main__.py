"""python -m services.webhooks: the webhook dispatcher."""

from __future__ import annotations

import asyncio
import logging
import sys

from services.common import env, grpc_server, runtime
from services.webhooks import app
from services.webhooks.settings import WebhookSettings

log = logging.getLogger("services.webhooks")


async def main(settings: WebhookSettings) -> None:
    running = await app.start(settings)
    stop = asyncio.create_task(grpc_server.wait_for_stop_signal())
    await asyncio.wait([stop, running.task], return_when=asyncio.FIRST_COMPLETED)
    await running.stop()


if __name__ == "__main__":
    runtime.start("webhooks")
    try:
        configured = WebhookSettings.from_env()
    except env.ConfigError as exc:
        log.error("cannot start: %s", exc)
        sys.exit(2)
    asyncio.run(main(configured))
