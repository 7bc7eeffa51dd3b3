"""The store's settings for a store a test runs in its own process (tests/integration)."""

from __future__ import annotations

from services.common.streams import StreamSettings
from services.store.settings import StoreSettings


def store_settings(database_url: str, nats_url: str) -> StoreSettings:
    return StoreSettings(
        database_url=database_url, nats_url=nats_url, listen="127.0.0.1:0", render_capacity=4, streams=StreamSettings()
    )
