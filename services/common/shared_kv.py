"""A JetStream KV bucket several replicas share, bound on first use, and the one warning a minute its
users log when it cannot be reached (they fail open: the gateway's rate limiter, the renderers'
provider budgets)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from nats.aio.client import Client as NatsClient
from nats.js.kv import KeyValue

WARN_EVERY_S = 60.0


class SharedKv:
    def __init__(
        self, nats: Callable[[], NatsClient | None], bucket: str, unenforced: str, log: logging.Logger
    ) -> None:
        self._nats = nats
        self._name = bucket
        self._unenforced = unenforced  # what the warning says is not enforced
        self._log = log
        self._kv: KeyValue | None = None
        self._warned_at: float | None = None

    async def bucket(self) -> KeyValue:
        if self._kv is None:
            nc = self._nats()
            if nc is None or not nc.is_connected:
                raise ConnectionError("nats is not connected")
            self._kv = await nc.jetstream().key_value(self._name)
        return self._kv

    def failed(self, exc: BaseException) -> None:
        """Forgets the binding (bound again next time) and warns, at most once a minute."""
        self._kv = None
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            self._log.warning(
                "%s not enforced (fail open): the shared counter is unreachable: %s",
                self._unenforced,
                type(exc).__name__ + (f": {exc}" if str(exc) else ""),
            )
