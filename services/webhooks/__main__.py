"""python -m services.webhooks: the webhook dispatcher."""

from __future__ import annotations

from services.common import runtime
from services.webhooks import app
from services.webhooks.settings import WebhookSettings


async def main(settings: WebhookSettings) -> None:
    dispatcher = await app.start(settings)
    await runtime.until_stopped(dispatcher, dispatcher.task)


if __name__ == "__main__":
    runtime.serve("webhooks", WebhookSettings.from_env, main)
